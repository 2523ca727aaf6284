// Capture records as columns: what CaptureParser.drainBatches yields instead of one object per
// record. A batch is a PackedFrames (data + offsets + lengths), so it goes to decodeBatch as is,
// and building it allocates nothing per record (no object, no BigInt timestamp, no subarray).

import { codec } from '../wire/module.js';
import type { CaptureRecord } from './record.js';

const NS_PER_SECOND = 1_000_000_000n;

/** The columns of a batch, all of the same length. */
interface Columns {
  offsets: Uint32Array;
  lengths: Uint32Array;
  originalLengths: Uint32Array;
  linkTypes: Uint16Array;
  seconds: Float64Array;
  nanoseconds: Uint32Array;
}

/** Set by RecordBatch's static block: marks a batch whose data lie in WASM memory. */
let residentIn: (batch: RecordBatch, generation: number) => void;

/**
 * Marks `batch` as lying in WASM memory (read-in-place.ts): its `data` is then re-derived from
 * its address whenever memory has grown since (a grow detaches every view of the old buffer).
 */
export function markResident(batch: RecordBatch, generation: number): void {
  residentIn(batch, generation);
}

/** Records whose data all lie in one buffer, as columns. */
export class RecordBatch {
  #data: Uint8Array;
  /** The codec memory generation `#data` was taken in, or -1 when it is not a view of WASM memory. */
  #generation = -1;
  #address = 0;
  #length = 0;
  /** Frame number (1-based, as Wireshark counts) of record 0. */
  readonly firstIndex: number;
  /** Records in the batch. */
  readonly count: number;
  /** Where each record's captured bytes start in `data`. */
  readonly offsets: Uint32Array;
  /** Captured length of each record. */
  readonly lengths: Uint32Array;
  /** Length of each record on the wire. */
  readonly originalLengths: Uint32Array;
  readonly linkTypes: Uint16Array;
  /** Whole seconds of each timestamp (floor, so negative times have positive nanoseconds). */
  readonly seconds: Float64Array;
  readonly nanoseconds: Uint32Array;

  static {
    residentIn = (batch, generation) => {
      batch.#generation = generation;
      batch.#address = batch.#data.byteOffset;
      batch.#length = batch.#data.length;
    };
  }

  /** @internal made by CaptureParser.drainBatches */
  constructor(data: Uint8Array, firstIndex: number, columns: Columns) {
    this.#data = data;
    this.firstIndex = firstIndex;
    this.count = columns.offsets.length;
    this.offsets = columns.offsets;
    this.lengths = columns.lengths;
    this.originalLengths = columns.originalLengths;
    this.linkTypes = columns.linkTypes;
    this.seconds = columns.seconds;
    this.nanoseconds = columns.nanoseconds;
  }

  /**
   * The buffer every record's bytes lie in; record i is data[offsets[i], offsets[i] + lengths[i]).
   * For batches read in place (readCaptureBatches' `inPlace`) a view of WebAssembly memory,
   * made again after memory grew: read it anew rather than keep it.
   */
  get data(): Uint8Array {
    if (this.#generation >= 0) {
      const c = codec();
      if (c.generation !== this.#generation) {
        this.#data = c.viewAt(this.#address, this.#length);
        this.#generation = c.generation;
      }
    }
    return this.#data;
  }

  /** Record i's timestamp in nanoseconds since the epoch, as CaptureRecord.timestampNs. */
  timestampNs(i: number): bigint {
    return BigInt(this.seconds[i]!) * NS_PER_SECOND + BigInt(this.nanoseconds[i]!);
  }

  /** Record i as the object parseCapture yields (its data a view into `data`). */
  record(i: number): CaptureRecord {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new RangeError(`record ${i} is not in this batch of ${this.count}`);
    const at = this.offsets[i]!;
    return {
      index: this.firstIndex + i,
      linkType: this.linkTypes[i]!,
      timestampNs: this.timestampNs(i),
      capturedLength: this.lengths[i]!,
      originalLength: this.originalLengths[i]!,
      data: this.data.subarray(at, at + this.lengths[i]!),
    };
  }
}

/** Bytes of columns per record: seconds, offsets, lengths, originalLengths, nanoseconds, linkTypes. */
export const COLUMN_BYTES = 8 + 4 + 4 + 4 + 4 + 2;

/** Fills the columns of one batch, record by record, for the parser. */
export class RecordBatchBuilder {
  readonly data: Uint8Array;
  readonly firstIndex: number;
  count = 0;
  readonly #capacity: number;
  readonly #columns: Columns;

  /**
   * `columns`, when given, is a buffer of at least capacity * COLUMN_BYTES bytes to lay the
   * columns in (a reader that recycles its batches' memory recycles their columns too).
   */
  constructor(data: Uint8Array, firstIndex: number, capacity: number, columns?: ArrayBuffer) {
    this.data = data;
    this.firstIndex = firstIndex;
    this.#capacity = capacity;
    // One ArrayBuffer for all columns: one off-heap allocation per batch, not six.
    const buffer = columns ?? new ArrayBuffer(capacity * COLUMN_BYTES);
    this.#columns = {
      seconds: new Float64Array(buffer, 0, capacity),
      offsets: new Uint32Array(buffer, capacity * 8, capacity),
      lengths: new Uint32Array(buffer, capacity * 12, capacity),
      originalLengths: new Uint32Array(buffer, capacity * 16, capacity),
      nanoseconds: new Uint32Array(buffer, capacity * 20, capacity),
      linkTypes: new Uint16Array(buffer, capacity * 24, capacity),
    };
  }

  get full(): boolean {
    return this.count === this.#capacity;
  }

  add(
    linkType: number,
    seconds: number,
    nanoseconds: number,
    offset: number,
    captured: number,
    original: number,
  ): void {
    const i = this.count++;
    const c = this.#columns;
    c.linkTypes[i] = linkType;
    c.seconds[i] = seconds;
    c.nanoseconds[i] = nanoseconds;
    c.offsets[i] = offset;
    c.lengths[i] = captured;
    c.originalLengths[i] = original;
  }

  /** The batch of the records added (column views trimmed to them, no copy). */
  finish(): RecordBatch {
    const n = this.count;
    const c = this.#columns;
    return new RecordBatch(this.data, this.firstIndex, {
      offsets: c.offsets.subarray(0, n),
      lengths: c.lengths.subarray(0, n),
      originalLengths: c.originalLengths.subarray(0, n),
      linkTypes: c.linkTypes.subarray(0, n),
      seconds: c.seconds.subarray(0, n),
      nanoseconds: c.nanoseconds.subarray(0, n),
    });
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
