// Decoded TCP segments (SegmentTable rows) as Arrow record batches of a fixed number of rows, so
// a Parquet writer makes one row group per batch and memory stays at one batch of columns.
//
// Choices, for the readers (DuckDB, Polars, Spark, pyarrow):
// - Addresses are UTF-8 strings in the usual text form ('192.0.2.1', '2001:db8::1'): Arrow and
//   Parquet have no IP address type, and a string is what people compare with in SQL
//   (`WHERE src = '10.0.0.1'`); Parquet's dictionary encoding keeps repeated ones small.
// - `time` is timestamp[ns, UTC], exact to the capture's nanosecond. (DuckDB reads a UTC-adjusted
//   nanosecond Parquet column as TIMESTAMPTZ, in microseconds.)
// - Counters keep the header's own widths, unsigned (uint16 ports, uint32 seq/ack); Parquet stores
//   them with UINT_16 / UINT_32 annotations, which DuckDB, Polars and Spark ≥ 3.2 read as such or
//   widen.
// - Option values are null when the option is absent, so `count(mss)` counts segments with MSS.
// - Only rows that decoded as TCP are written; frames that are not TCP, or that failed to decode,
//   are left out (the --json output shows those).

import {
  Field,
  RecordBatch,
  Schema,
  Struct,
  TimestampNanosecond,
  Uint16,
  Uint32,
  Uint8,
  Bool,
  Utf8,
  makeData,
} from 'apache-arrow';
import { ChecksumState, OptionBit } from '../wire/constants.js';
import type { SegmentTable } from '../wire/batch.js';
import { Validity, booleans, numbers } from './arrow-data.js';
import { AddressTexts, Utf8Column, encodedTexts } from './utf8-column.js';

/** What the builder needs of the capture records beside the decoded table (a pcap RecordBatch has it). */
export interface FrameTimes {
  /** The frames as given to decodeBatch: frame i starts at data[offsets[i]]. */
  data: Uint8Array;
  offsets: ArrayLike<number>;
  /** Frame number (1-based) of row 0. */
  firstIndex: number;
  /** Capture time of row i: seconds[i] + nanoseconds[i] / 1e9. */
  seconds: ArrayLike<number>;
  nanoseconds: ArrayLike<number>;
  linkTypes: ArrayLike<number>;
}

/** Rows per record batch (and so per Parquet row group) unless the caller says otherwise. */
export const DEFAULT_BATCH_ROWS = 65_536;

/** `checksum_status` spelled as --json spells it, indexed by ChecksumState. */
const CHECKSUM_TEXT = encodedTexts(['good', 'bad', 'unverifiable', 'unchecked']);
const CHECKSUM_STATUS: Readonly<Record<number, Uint8Array>> = {
  [ChecksumState.GOOD]: CHECKSUM_TEXT.good,
  [ChecksumState.BAD]: CHECKSUM_TEXT.bad,
  [ChecksumState.UNVERIFIABLE]: CHECKSUM_TEXT.unverifiable,
  [ChecksumState.UNCHECKED]: CHECKSUM_TEXT.unchecked,
};

const nonNull = (name: string, type: ConstructorParameters<typeof Field>[1]) => new Field(name, type, false);
const nullable = (name: string, type: ConstructorParameters<typeof Field>[1]) => new Field(name, type, true);

/** The columns, in order. `flags` holds the header's flag bits (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128, AE 256). */
export const SEGMENT_FIELDS: readonly Field[] = [
  nonNull('frame', new Uint32()),
  nonNull('time', new TimestampNanosecond('UTC')),
  nonNull('link_type', new Uint16()),
  nonNull('ip_version', new Uint8()),
  nonNull('src', new Utf8()),
  nonNull('src_port', new Uint16()),
  nonNull('dst', new Utf8()),
  nonNull('dst_port', new Uint16()),
  nonNull('seq', new Uint32()),
  nonNull('ack', new Uint32()),
  nonNull('flags', new Uint16()),
  nonNull('window', new Uint16()),
  nonNull('urgent', new Uint16()),
  nonNull('header_length', new Uint8()),
  /** Payload bytes on the wire (from the IP length), as --json's payloadLength. */
  nonNull('payload_length', new Uint32()),
  /** Payload bytes present in the capture, as --json's capturedPayloadLength. */
  nonNull('captured_payload_length', new Uint32()),
  nonNull('checksum', new Uint16()),
  nonNull('checksum_status', new Utf8()),
  nullable('mss', new Uint16()),
  nullable('window_scale', new Uint8()),
  nonNull('sack_permitted', new Bool()),
  nonNull('sack', new Bool()),
  nullable('ts_val', new Uint32()),
  nullable('ts_ecr', new Uint32()),
];

export const SEGMENT_SCHEMA = new Schema([...SEGMENT_FIELDS]);

/** One batch's worth of columns being filled. */
class Columns {
  length = 0;
  readonly frame: Uint32Array;
  readonly time: BigInt64Array;
  /** `time` as 32-bit words (low word first: Arrow data is little-endian, as every JS engine's host). */
  readonly timeWords: Uint32Array;
  readonly linkType: Uint16Array;
  readonly ipVersion: Uint8Array;
  readonly src: Utf8Column;
  readonly srcPort: Uint16Array;
  readonly dst: Utf8Column;
  readonly dstPort: Uint16Array;
  readonly seq: Uint32Array;
  readonly ack: Uint32Array;
  readonly flags: Uint16Array;
  readonly window: Uint16Array;
  readonly urgent: Uint16Array;
  readonly headerLength: Uint8Array;
  readonly payloadLength: Uint32Array;
  readonly capturedPayloadLength: Uint32Array;
  readonly checksum: Uint16Array;
  readonly checksumStatus: Utf8Column;
  readonly mss: Uint16Array;
  readonly mssValid: Validity;
  readonly windowScale: Uint8Array;
  readonly windowScaleValid: Validity;
  readonly sackPermitted: Uint8Array;
  readonly sack: Uint8Array;
  readonly tsVal: Uint32Array;
  readonly tsEcr: Uint32Array;
  readonly tsValid: Validity;

  constructor(capacity: number) {
    this.frame = new Uint32Array(capacity);
    this.time = new BigInt64Array(capacity);
    this.timeWords = new Uint32Array(this.time.buffer);
    // 'good' is the usual state; dotted quads are up to 15 bytes.
    this.src = new Utf8Column(capacity, 12);
    this.dst = new Utf8Column(capacity, 12);
    this.checksumStatus = new Utf8Column(capacity, 4);
    this.linkType = new Uint16Array(capacity);
    this.ipVersion = new Uint8Array(capacity);
    this.srcPort = new Uint16Array(capacity);
    this.dstPort = new Uint16Array(capacity);
    this.seq = new Uint32Array(capacity);
    this.ack = new Uint32Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.window = new Uint16Array(capacity);
    this.urgent = new Uint16Array(capacity);
    this.headerLength = new Uint8Array(capacity);
    this.payloadLength = new Uint32Array(capacity);
    this.capturedPayloadLength = new Uint32Array(capacity);
    this.checksum = new Uint16Array(capacity);
    this.mss = new Uint16Array(capacity);
    this.mssValid = new Validity(capacity);
    this.windowScale = new Uint8Array(capacity);
    this.windowScaleValid = new Validity(capacity);
    this.sackPermitted = new Uint8Array((capacity + 7) >>> 3);
    this.sack = new Uint8Array((capacity + 7) >>> 3);
    this.tsVal = new Uint32Array(capacity);
    this.tsEcr = new Uint32Array(capacity);
    this.tsValid = new Validity(capacity);
  }

  toBatch(): RecordBatch {
    const n = this.length;
    const children = [
      numbers(new Uint32(), this.frame, n),
      numbers(new TimestampNanosecond('UTC'), this.time, n),
      numbers(new Uint16(), this.linkType, n),
      numbers(new Uint8(), this.ipVersion, n),
      this.src.toData(),
      numbers(new Uint16(), this.srcPort, n),
      this.dst.toData(),
      numbers(new Uint16(), this.dstPort, n),
      numbers(new Uint32(), this.seq, n),
      numbers(new Uint32(), this.ack, n),
      numbers(new Uint16(), this.flags, n),
      numbers(new Uint16(), this.window, n),
      numbers(new Uint16(), this.urgent, n),
      numbers(new Uint8(), this.headerLength, n),
      numbers(new Uint32(), this.payloadLength, n),
      numbers(new Uint32(), this.capturedPayloadLength, n),
      numbers(new Uint16(), this.checksum, n),
      this.checksumStatus.toData(),
      numbers(new Uint16(), this.mss, n, this.mssValid),
      numbers(new Uint8(), this.windowScale, n, this.windowScaleValid),
      booleans(this.sackPermitted, n),
      booleans(this.sack, n),
      numbers(new Uint32(), this.tsVal, n, this.tsValid),
      numbers(new Uint32(), this.tsEcr, n, this.tsValid),
    ];
    const data = makeData({ type: new Struct(SEGMENT_SCHEMA.fields), length: n, nullCount: 0, children });
    return new RecordBatch(SEGMENT_SCHEMA, data);
  }
}

const NS_PER_SECOND = 1e9;
const WORD = 2 ** 32;

/**
 * Collects decoded segments into record batches of `batchRows` rows (the last one shorter).
 * add() copies a row out of its SegmentTable, so the table and the capture buffer can be reused
 * at once; each finished batch owns fresh arrays (a writer may still hold the previous one).
 */
export class SegmentBatchBuilder {
  readonly batchRows: number;
  #columns: Columns;
  readonly #addresses = new AddressTexts();

  constructor(batchRows = DEFAULT_BATCH_ROWS) {
    if (!Number.isInteger(batchRows) || batchRows < 1)
      throw new RangeError(`batchRows must be a whole number ≥ 1, got ${batchRows}`);
    this.batchRows = batchRows;
    this.#columns = new Columns(batchRows);
  }

  /** Rows collected and not yet taken. */
  get pending(): number {
    return this.#columns.length;
  }

  /**
   * Adds row i of `table` (it must have decoded: status 0); returns the finished batch when this
   * row filled one.
   */
  add(table: SegmentTable, frames: FrameTimes, i: number): RecordBatch | undefined {
    const c = this.#columns;
    const k = c.length++;
    c.frame[k] = frames.firstIndex + i;
    // seconds·1e9 + ns as an exact int64 without a BigInt per row: the low word is the product
    // modulo 2^32 (Math.imul), and the high word is what remains, a multiple of 2^32 that the
    // double's rounding error (under 2^10 at today's epoch) cannot move to another multiple.
    const seconds = frames.seconds[i]!;
    const nanos = frames.nanoseconds[i]!;
    const low = (Math.imul(seconds, NS_PER_SECOND) + nanos) >>> 0;
    c.timeWords[2 * k] = low;
    c.timeWords[2 * k + 1] = Math.round((seconds * NS_PER_SECOND + nanos - low) / WORD) >>> 0;
    c.linkType[k] = frames.linkTypes[i]!;
    c.ipVersion[k] = table.ipVersion[i]!;
    const frame = frames.offsets[i]!;
    const version = table.ipVersion[i]!;
    c.src.push(this.#addresses.get(frames.data, frame + table.srcAddressOffset[i]!, version));
    c.srcPort[k] = table.srcPort[i]!;
    c.dst.push(this.#addresses.get(frames.data, frame + table.dstAddressOffset[i]!, version));
    c.dstPort[k] = table.dstPort[i]!;
    c.seq[k] = table.seq[i]!;
    c.ack[k] = table.ack[i]!;
    c.flags[k] = table.flags[i]!;
    c.window[k] = table.window[i]!;
    c.urgent[k] = table.urgentPointer[i]!;
    c.headerLength[k] = table.headerLength[i]!;
    c.payloadLength[k] = table.payloadLength[i]!;
    c.capturedPayloadLength[k] = table.capturedPayloadLength[i]!;
    c.checksum[k] = table.checksum[i]!;
    c.checksumStatus.push(CHECKSUM_STATUS[table.checksumState[i]!] ?? CHECKSUM_TEXT.unverifiable);
    const mask = table.optionMask[i]!;
    if (mask & OptionBit.MSS) c.mss[k] = table.mss[i]!;
    c.mssValid.set(k, (mask & OptionBit.MSS) !== 0);
    if (mask & OptionBit.WINDOW_SCALE) c.windowScale[k] = table.windowScale[i]!;
    c.windowScaleValid.set(k, (mask & OptionBit.WINDOW_SCALE) !== 0);
    if (mask & OptionBit.SACK_PERMITTED) c.sackPermitted[k >>> 3]! |= 1 << (k & 7);
    if (mask & OptionBit.SACK) c.sack[k >>> 3]! |= 1 << (k & 7);
    if (mask & OptionBit.TIMESTAMP) {
      c.tsVal[k] = table.tsValue[i]!;
      c.tsEcr[k] = table.tsEcho[i]!;
    }
    c.tsValid.set(k, (mask & OptionBit.TIMESTAMP) !== 0);
    return c.length === this.batchRows ? this.take() : undefined;
  }

  /** The rows collected so far as a batch (possibly empty), and a fresh one started. */
  take(): RecordBatch {
    const batch = this.#columns.toBatch();
    this.#columns = new Columns(this.batchRows);
    return batch;
  }
}
