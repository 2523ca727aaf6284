// The figures the columnar tests compare: computed from our NDJSON (`decode --json`,
// `flows --json`), from an Arrow IPC file read back by apache-arrow, and by DuckDB over Parquet.

import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';

export interface SegmentSummary {
  rows: number;
  payload: number;
  capturedPayload: number;
  /** Distinct (src, src_port, dst, dst_port). */
  directions: number;
  withMss: number;
  withTimestamps: number;
  sackPermitted: number;
  seqSum: number;
  windowSum: number;
  flagsSum: number;
  good: number;
  firstFrame: number | null;
  lastFrame: number | null;
}

export interface SegmentRow {
  frame: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  seq: number;
  window: number;
  flags: number;
  payload: number;
  capturedPayload: number;
  mss: number | null;
  tsVal: number | null;
  sackPermitted: boolean;
  checksum: string;
}

export function summarise(rows: Iterable<SegmentRow>): SegmentSummary {
  const s: SegmentSummary = {
    rows: 0,
    payload: 0,
    capturedPayload: 0,
    directions: 0,
    withMss: 0,
    withTimestamps: 0,
    sackPermitted: 0,
    seqSum: 0,
    windowSum: 0,
    flagsSum: 0,
    good: 0,
    firstFrame: null,
    lastFrame: null,
  };
  const directions = new Set<string>();
  for (const r of rows) {
    s.rows++;
    s.payload += r.payload;
    s.capturedPayload += r.capturedPayload;
    directions.add(`${r.src} ${r.srcPort} ${r.dst} ${r.dstPort}`);
    if (r.mss !== null) s.withMss++;
    if (r.tsVal !== null) s.withTimestamps++;
    if (r.sackPermitted) s.sackPermitted++;
    s.seqSum += r.seq;
    s.windowSum += r.window;
    s.flagsSum += r.flags;
    if (r.checksum === 'good') s.good++;
    s.firstFrame = s.firstFrame === null ? r.frame : Math.min(s.firstFrame, r.frame);
    s.lastFrame = s.lastFrame === null ? r.frame : Math.max(s.lastFrame, r.frame);
  }
  s.directions = directions.size;
  return s;
}

interface JsonSegment {
  frame: number;
  timestampNs: string;
  error?: unknown;
  ip?: { src: string; dst: string };
  tcp?: {
    srcPort: number;
    dstPort: number;
    seq: number;
    window: number;
    flags: number;
    options?: { mss?: number; timestamp?: { value: number }; sackPermitted?: boolean };
  };
  payloadLength: number;
  capturedPayloadLength: number;
  checksumStatus: string;
}

/** The segments of `decode --json` output (lines for frames that failed to decode are left out, as the columnar output leaves them out). */
export function jsonSegments(ndjson: string): Array<SegmentRow & { timeNs: bigint }> {
  const out: Array<SegmentRow & { timeNs: bigint }> = [];
  for (const line of ndjson.split('\n')) {
    if (line === '') continue;
    const j = JSON.parse(line) as JsonSegment;
    if (j.error !== undefined || j.tcp === undefined || j.ip === undefined) continue;
    const o = j.tcp.options ?? {};
    out.push({
      frame: j.frame,
      src: j.ip.src,
      srcPort: j.tcp.srcPort,
      dst: j.ip.dst,
      dstPort: j.tcp.dstPort,
      seq: j.tcp.seq,
      window: j.tcp.window,
      flags: j.tcp.flags,
      payload: j.payloadLength,
      capturedPayload: j.capturedPayloadLength,
      mss: o.mss ?? null,
      tsVal: o.timestamp?.value ?? null,
      sackPermitted: o.sackPermitted === true,
      checksum: j.checksumStatus,
      timeNs: BigInt(j.timestampNs),
    });
  }
  return out;
}

export function readArrowFile(path: string): Table {
  return tableFromIPC(readFileSync(path));
}

/** The rows of an Arrow table of segments, read column by column; times exact (ns). */
export function arrowSegments(table: Table): Array<SegmentRow & { timeNs: bigint }> {
  const col = (name: string) => {
    const v = table.getChild(name);
    if (!v) throw new Error(`no column ${name}`);
    return v;
  };
  const [
    frame,
    src,
    srcPort,
    dst,
    dstPort,
    seq,
    window,
    flags,
    payload,
    captured,
    mss,
    tsVal,
    sackPermitted,
    checksum,
  ] = [
    'frame',
    'src',
    'src_port',
    'dst',
    'dst_port',
    'seq',
    'window',
    'flags',
    'payload_length',
    'captured_payload_length',
    'mss',
    'ts_val',
    'sack_permitted',
    'checksum_status',
  ].map(col);
  const times = col('time').data.flatMap((d) => [...(d.values as BigInt64Array)]);
  const out: Array<SegmentRow & { timeNs: bigint }> = [];
  for (let i = 0; i < table.numRows; i++) {
    out.push({
      frame: frame!.get(i),
      src: src!.get(i),
      srcPort: srcPort!.get(i),
      dst: dst!.get(i),
      dstPort: dstPort!.get(i),
      seq: seq!.get(i),
      window: window!.get(i),
      flags: flags!.get(i),
      payload: payload!.get(i),
      capturedPayload: captured!.get(i),
      mss: mss!.get(i),
      tsVal: tsVal!.get(i),
      sackPermitted: sackPermitted!.get(i),
      checksum: checksum!.get(i),
      // get() gives milliseconds as a float; the stored int64 nanoseconds are what is checked.
      timeNs: times[i]!,
    });
  }
  return out;
}

/** The summary as DuckDB computes it over a Parquet file of segments. */
export const SEGMENT_SUMMARY_SQL = (from: string) => `
  SELECT count(*) AS rows, coalesce(sum(payload_length), 0) AS payload,
    coalesce(sum(captured_payload_length), 0) AS capturedPayload,
    count(DISTINCT (src, src_port, dst, dst_port)) AS directions, count(mss) AS withMss,
    count(ts_val) AS withTimestamps, count(*) FILTER (WHERE sack_permitted) AS sackPermitted,
    coalesce(sum(seq), 0) AS seqSum, coalesce(sum("window"), 0) AS windowSum, coalesce(sum(flags), 0) AS flagsSum,
    count(*) FILTER (WHERE checksum_status = 'good') AS good, min(frame) AS firstFrame, max(frame) AS lastFrame
  FROM ${from}`;
