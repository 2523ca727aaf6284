// FrameColumns built from CaptureRecord objects, for tests that need records no capture file
// can hold (timestamps before 1970 or past 2^32 seconds) or batches cut at chosen places.

import { splitNs } from '../../src/pcap/batch.js';
import type { CaptureRecord } from '../../src/pcap/parser.js';
import type { FrameColumns } from '../../src/cli/chunk.js';

/**
 * The records (consecutive frames) as columns over one buffer, each frame after a 16-byte gap
 * as a pcap record header would leave.
 */
export function columnsOf(records: readonly CaptureRecord[]): FrameColumns {
  const n = records.length;
  const size = records.reduce((sum, r) => sum + 16 + r.data.length, 0);
  const data = new Uint8Array(size);
  const columns = {
    offsets: new Uint32Array(n),
    lengths: new Uint32Array(n),
    originalLengths: new Uint32Array(n),
    linkTypes: new Uint16Array(n),
    seconds: new Float64Array(n),
    nanoseconds: new Uint32Array(n),
  };
  let at = 0;
  records.forEach((r, i) => {
    if (i > 0 && r.index !== records[0]!.index + i) throw new Error('records must be consecutive frames');
    at += 16;
    data.set(r.data, at);
    columns.offsets[i] = at;
    columns.lengths[i] = r.data.length;
    columns.originalLengths[i] = r.originalLength;
    columns.linkTypes[i] = r.linkType;
    [columns.seconds[i], columns.nanoseconds[i]] = splitNs(r.timestampNs);
    at += r.data.length;
  });
  return { data, firstIndex: records[0]?.index ?? 1, count: n, ...columns };
}

/** Rows [from, to) of `rows`, sharing its data buffer (as the parser's batches share a read). */
export function sliceRows(rows: FrameColumns, from: number, to: number): FrameColumns {
  return {
    data: rows.data,
    firstIndex: rows.firstIndex + from,
    count: to - from,
    offsets: rows.offsets.subarray(from, to),
    lengths: rows.lengths.subarray(from, to),
    originalLengths: rows.originalLengths.subarray(from, to),
    linkTypes: rows.linkTypes.subarray(from, to),
    seconds: rows.seconds.subarray(from, to),
    nanoseconds: rows.nanoseconds.subarray(from, to),
  };
}
