// A row of a decoded batch as the engine's segment: the stack's receive path, and any program that
// feeds a Connection from decodeBatch. Apart from the pure converters (segment-convert.ts) because
// a row with SACK blocks is decoded again, which needs the WASM codec.

import { OptionBit } from './constants.js';
import { decodeIp } from './decode.js';
import type { SegmentTable } from './batch.js';
import type { TcpSegment } from './segment.js';

/**
 * Row `i` of a decoded batch as a TcpSegment; `packet` is the row's IP packet (decodeBatch with
 * a raw-IP link type). The payload is a view into it. SACK blocks are not among the batch
 * columns, so a row carrying them is decoded again alone. ECN is not a batch column either.
 */
export function segmentFromRow(table: SegmentTable, i: number, packet: Uint8Array): TcpSegment {
  const mask = table.optionMask[i]!;
  const payloadAt = table.payloadOffset[i]!;
  const seg: TcpSegment = {
    srcPort: table.srcPort[i]!,
    dstPort: table.dstPort[i]!,
    seq: table.seq[i]!,
    ack: table.ack[i]!,
    flags: table.flags[i]!,
    window: table.window[i]!,
    urgentPointer: table.urgentPointer[i]!,
    payload: packet.subarray(payloadAt, payloadAt + table.capturedPayloadLength[i]!),
  };
  if (mask === 0) return seg;
  if (mask & OptionBit.MSS) seg.mss = table.mss[i]!;
  if (mask & OptionBit.WINDOW_SCALE) seg.windowScale = table.windowScale[i]!;
  if (mask & OptionBit.SACK_PERMITTED) seg.sackPermitted = true;
  if (mask & OptionBit.TIMESTAMP) {
    seg.tsVal = table.tsValue[i]!;
    seg.tsEcr = table.tsEcho[i]!;
  }
  if (mask & OptionBit.SACK) {
    const blocks = decodeIp(packet).tcp.options.sack ?? [];
    const flat: number[] = [];
    for (const [left, right] of blocks) flat.push(left, right);
    seg.sack = flat;
  }
  return seg;
}
