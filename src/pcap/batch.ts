// Capture records as columns: what CaptureParser.drainBatches yields instead of one object per
// record. A batch is a PackedFrames (data + offsets + lengths), so it goes to decodeBatch as is,
// and building it allocates nothing per record (no object, no BigInt timestamp, no subarray).

import type { CaptureRecord } from './parser.js';

const NS_PER_SECOND = 1_000_000_000n;

/** Up to `capacity` records whose data all lie in one buffer. */
export class RecordBatch {
  /** The buffer every record's bytes lie in; record i is data[offsets[i], offsets[i] + lengths[i]). */
  readonly data: Uint8Array;
  /** Frame number (1-based, as Wireshark counts) of record 0. */
  readonly firstIndex: number;
  #count = 0;
  #offsets: Uint32Array;
  #lengths: Uint32Array;
  #originalLengths: Uint32Array;
  #linkTypes: Uint16Array;
  /** Timestamp as whole seconds since the epoch (may be negative) plus nanoseconds 0..1e9-1. */
  #seconds: Float64Array;
  #nanoseconds: Uint32Array;

  /** @internal filled by CaptureParser */
  constructor(data: Uint8Array, firstIndex: number, capacity: number) {
    this.data = data;
    this.firstIndex = firstIndex;
    // One ArrayBuffer for all columns: one off-heap allocation per batch, not six.
    const buffer = new ArrayBuffer(capacity * (8 + 4 + 4 + 4 + 4 + 2));
    this.#seconds = new Float64Array(buffer, 0, capacity);
    this.#offsets = new Uint32Array(buffer, capacity * 8, capacity);
    this.#lengths = new Uint32Array(buffer, capacity * 12, capacity);
    this.#originalLengths = new Uint32Array(buffer, capacity * 16, capacity);
    this.#nanoseconds = new Uint32Array(buffer, capacity * 20, capacity);
    this.#linkTypes = new Uint16Array(buffer, capacity * 24, capacity);
  }

  /** @internal */
  add(linkType: number, seconds: number, nanoseconds: number, offset: number, captured: number, original: number): void {
    const i = this.#count++;
    this.#linkTypes[i] = linkType;
    this.#seconds[i] = seconds;
    this.#nanoseconds[i] = nanoseconds;
    this.#offsets[i] = offset;
    this.#lengths[i] = captured;
    this.#originalLengths[i] = original;
  }

  /** @internal */
  get full(): boolean {
    return this.#count === this.#offsets.length;
  }

  /** @internal trims the columns to the records added (views, no copy). */
  seal(): this {
    const n = this.#count;
    this.#offsets = this.#offsets.subarray(0, n);
    this.#lengths = this.#lengths.subarray(0, n);
    this.#originalLengths = this.#originalLengths.subarray(0, n);
    this.#linkTypes = this.#linkTypes.subarray(0, n);
    this.#seconds = this.#seconds.subarray(0, n);
    this.#nanoseconds = this.#nanoseconds.subarray(0, n);
    return this;
  }

  /** Records in the batch. */
  get count(): number {
    return this.#count;
  }

  /** Where each record's captured bytes start in `data`. */
  get offsets(): Uint32Array {
    return this.#offsets;
  }

  /** Captured length of each record. */
  get lengths(): Uint32Array {
    return this.#lengths;
  }

  /** Length of each record on the wire. */
  get originalLengths(): Uint32Array {
    return this.#originalLengths;
  }

  get linkTypes(): Uint16Array {
    return this.#linkTypes;
  }

  /** Whole seconds of each timestamp (floor, so negative times have positive nanoseconds). */
  get seconds(): Float64Array {
    return this.#seconds;
  }

  get nanoseconds(): Uint32Array {
    return this.#nanoseconds;
  }

  /** Record i's timestamp in nanoseconds since the epoch, as CaptureRecord.timestampNs. */
  timestampNs(i: number): bigint {
    return BigInt(this.#seconds[i]!) * NS_PER_SECOND + BigInt(this.#nanoseconds[i]!);
  }

  /** Record i as the object parseCapture yields (its data a view into `data`). */
  record(i: number): CaptureRecord {
    if (!Number.isInteger(i) || i < 0 || i >= this.#count) throw new RangeError(`record ${i} is not in this batch of ${this.#count}`);
    const at = this.#offsets[i]!;
    return {
      index: this.firstIndex + i,
      linkType: this.#linkTypes[i]!,
      timestampNs: this.timestampNs(i),
      capturedLength: this.#lengths[i]!,
      originalLength: this.#originalLengths[i]!,
      data: this.data.subarray(at, at + this.#lengths[i]!),
    };
  }
}

/** Splits a nanosecond timestamp into floor seconds and 0..1e9-1 nanoseconds. */
export function splitNs(ns: bigint): [seconds: number, nanoseconds: number] {
  let seconds = ns / NS_PER_SECOND;
  let rest = ns % NS_PER_SECOND;
  if (rest < 0n) {
    rest += NS_PER_SECOND;
    seconds -= 1n;
  }
  return [Number(seconds), Number(rest)];
}
