// Flow records (src/flows FlowRecord) as Arrow record batches: one row per connection, one
// column per leaf field, each direction's counters as orig_… and resp_… (as the CSV output).
//
// Counters are int64: a long connection passes 4 GiB, and signed 64-bit is the integer every
// reader (Spark included) takes without a cast. Times are timestamp[us, UTC]: FlowRecord keeps
// them as float seconds, which hold microseconds exactly for present-day epochs.

import {
  Field,
  Float64,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Uint16,
  Uint32,
  Uint8,
  Utf8,
  makeData,
} from 'apache-arrow';
import type { DirectionSummary, FlowRecord } from '../flows/record.js';
import { Validity, numbers, strings } from './arrow-data.js';

const SIDES = ['orig', 'resp'] as const;

/** DirectionSummary fields and their column suffixes, in column order. */
const SIDE_COLUMNS: ReadonlyArray<readonly [keyof DirectionSummary, string]> = [
  ['packets', 'packets'],
  ['payloadBytes', 'payload_bytes'],
  ['bytes', 'bytes'],
  ['retransmissions', 'retransmissions'],
  ['outOfOrder', 'out_of_order'],
  ['zeroWindows', 'zero_windows'],
  ['missedBytes', 'missed_bytes'],
  ['gaps', 'gaps'],
];

const field = (name: string, type: ConstructorParameters<typeof Field>[1], isNullable = false) =>
  new Field(name, type, isNullable);

/** `start_time` / `end_time` rather than start / end, which are SQL keywords. */
export const FLOW_FIELDS: readonly Field[] = [
  field('index', new Uint32()),
  field('ip_version', new Uint8()),
  field('orig_address', new Utf8()),
  field('orig_port', new Uint16()),
  field('resp_address', new Utf8()),
  field('resp_port', new Uint16()),
  field('first_frame', new Uint32()),
  field('last_frame', new Uint32()),
  field('start_time', new TimestampMicrosecond('UTC')),
  field('end_time', new TimestampMicrosecond('UTC')),
  /** Seconds. */
  field('duration', new Float64()),
  ...SIDES.flatMap((side) => SIDE_COLUMNS.map(([, suffix]) => field(`${side}_${suffix}`, new Int64()))),
  /** Seconds; null without a full handshake. */
  field('handshake_rtt', new Float64(), true),
  field('conn_state', new Utf8()),
  field('history', new Utf8()),
  field('reason', new Utf8()),
];

export const FLOW_SCHEMA = new Schema([...FLOW_FIELDS]);

/** Float seconds since the epoch to whole microseconds (FlowRecord's times come from ns columns). */
function micros(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e6));
}

/** Collects flow records into record batches of `batchRows` rows (the last one shorter). */
export class FlowBatchBuilder {
  readonly batchRows: number;
  #records: FlowRecord[] = [];

  constructor(batchRows = 65_536) {
    if (!Number.isInteger(batchRows) || batchRows < 1)
      throw new RangeError(`batchRows must be a whole number ≥ 1, got ${batchRows}`);
    this.batchRows = batchRows;
  }

  get pending(): number {
    return this.#records.length;
  }

  /** Adds a record (kept by reference: records are plain data nobody changes); a full batch comes back. */
  add(record: FlowRecord): RecordBatch | undefined {
    this.#records.push(record);
    return this.#records.length === this.batchRows ? this.take() : undefined;
  }

  /** The records collected so far as a batch (possibly empty). */
  take(): RecordBatch {
    const rs = this.#records;
    this.#records = [];
    const n = rs.length;
    const u32 = (get: (r: FlowRecord) => number) => numbers(new Uint32(), Uint32Array.from(rs, get), n);
    const u16 = (get: (r: FlowRecord) => number) => numbers(new Uint16(), Uint16Array.from(rs, get), n);
    const rtt = new Float64Array(n);
    const rttValid = new Validity(n);
    rs.forEach((r, i) => {
      if (r.handshakeRtt !== null) rtt[i] = r.handshakeRtt;
      rttValid.set(i, r.handshakeRtt !== null);
    });
    const children = [
      u32((r) => r.index),
      numbers(
        new Uint8(),
        Uint8Array.from(rs, (r) => r.ipVersion),
        n,
      ),
      strings(rs.map((r) => r.origAddress)),
      u16((r) => r.origPort),
      strings(rs.map((r) => r.respAddress)),
      u16((r) => r.respPort),
      u32((r) => r.firstFrame),
      u32((r) => r.lastFrame),
      numbers(
        new TimestampMicrosecond('UTC'),
        BigInt64Array.from(rs, (r) => micros(r.start)),
        n,
      ),
      numbers(
        new TimestampMicrosecond('UTC'),
        BigInt64Array.from(rs, (r) => micros(r.end)),
        n,
      ),
      numbers(
        new Float64(),
        Float64Array.from(rs, (r) => r.duration),
        n,
      ),
      ...SIDES.flatMap((side) =>
        SIDE_COLUMNS.map(([key]) =>
          numbers(
            new Int64(),
            BigInt64Array.from(rs, (r) => BigInt(r[side][key])),
            n,
          ),
        ),
      ),
      numbers(new Float64(), rtt, n, rttValid),
      strings(rs.map((r) => r.connState)),
      strings(rs.map((r) => r.history)),
      strings(rs.map((r) => r.reason)),
    ];
    const data = makeData({ type: new Struct(FLOW_SCHEMA.fields), length: n, nullCount: 0, children });
    return new RecordBatch(FLOW_SCHEMA, data);
  }
}
