// The one place that turns the engine's TcpSegment values into IP packets and decoded batch rows
// back into TcpSegments. Kept apart so a faster prepared encoder can replace encodePacket here
// without touching the stack.

import type { TcpSegment } from '../tcp/segment.js';
import { OptionBit } from '../wire/constants.js';
import { decodeIp } from '../wire/decode.js';
import { encodePacket, type TcpHeaderInit } from '../wire/encode.js';
import type { SegmentTable } from '../wire/batch.js';
import type { TcpOptions } from '../wire/types.js';

const EMPTY = new Uint8Array(0);

/** Builds the IPv4 or IPv6 packet (by the family of `src`) carrying `seg`, checksums filled in. */
export function encodeSegment(seg: TcpSegment, src: string, dst: string): Uint8Array {
  const options: Partial<TcpOptions> = {};
  if (seg.mss !== undefined) options.mss = seg.mss;
  if (seg.windowScale !== undefined) options.windowScale = seg.windowScale;
  if (seg.sackPermitted) options.sackPermitted = true;
  if (seg.tsVal !== undefined) options.timestamp = { value: seg.tsVal, echo: seg.tsEcr ?? 0 };
  const sack = seg.sack;
  if (sack !== undefined && sack.length > 0) {
    const blocks: Array<[number, number]> = [];
    for (let i = 0; i + 1 < sack.length; i += 2) blocks.push([sack[i]!, sack[i + 1]!]);
    options.sack = blocks;
  }
  const tcp: TcpHeaderInit = {
    srcPort: seg.srcPort, dstPort: seg.dstPort, seq: seg.seq, ack: seg.ack, flags: seg.flags,
    window: seg.window, urgentPointer: seg.urgentPointer, options,
  };
  return encodePacket({ ip: { src, dst }, tcp, payload: seg.payload.length > 0 ? seg.payload : EMPTY });
}

/**
 * Row `i` of a decoded batch as a TcpSegment. The payload is a view into the received packet.
 * SACK blocks are not among the batch columns, so a row carrying them is decoded again alone.
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
    payload: packet.subarray(payloadAt, payloadAt + table.payloadLength[i]!),
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
