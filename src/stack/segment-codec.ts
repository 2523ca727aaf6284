// The one place that turns the engine's TcpSegment values into IP packets and decoded batch rows
// back into TcpSegments. Kept apart so a faster prepared encoder can replace encodePacket here
// without touching the stack.

import { claimCopyHeadroom, COPY_HEADROOM } from '../tcp/byte-pool.js';
import type { TcpSegment } from '../tcp/segment.js';
import { OptionBit } from '../wire/constants.js';
import { decodeIp } from '../wire/decode.js';
import { encodePacket, type TcpHeaderInit } from '../wire/encode.js';
import type { SegmentTable } from '../wire/batch.js';
import { codec } from '../wire/module.js';
import { copyBytes } from '../wire/pool.js';
import type { TcpOptions } from '../wire/types.js';

const EMPTY = new Uint8Array(0);
const DONT_FRAGMENT = 0x4000;
const DEFAULT_HOP_LIMIT = 64;

/**
 * Builds the IPv4 or IPv6 packet carrying `seg` from `src` to `dst` (4 or 16 address bytes),
 * checksums filled in. This is encodePacket's path without its per-call work a stack does not
 * need: no address text to parse (the table entry keeps the bytes) and no validation of values
 * the engine produced. Options go in Linux's order with NOP alignment.
 */
export function encodeSegmentBytes(seg: TcpSegment, version: 4 | 6, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const c = codec();
  const E = c.layout.ENCODE;
  const B = c.layout.OPTION_BIT;
  const payload = seg.payload;
  const payloadAt = c.reserveInput(E.HEADROOM + payload.length) + E.HEADROOM;
  const req = c.request;
  const heap = c.bytes();
  if (payload.length > 0) heap.set(payload, payloadAt);
  heap.set(src, req + E.SRC);
  heap.set(dst, req + E.DST);
  const v = c.dataView();
  // Every field the encoder reads is written (no zero-fill of the whole request): typed option
  // values only where their OPTION_MASK bit is set, raw options and explicit kinds never.
  v.setUint8(req + E.IP_VERSION, version);
  v.setUint8(req + E.MODE, 0);
  v.setUint32(req + E.PAYLOAD_LENGTH, payload.length, true);
  v.setUint8(req + E.TTL, DEFAULT_HOP_LIMIT);
  v.setUint8(req + E.TOS, 0);
  v.setUint16(req + E.IP_ID, 0, true);
  v.setUint16(req + E.FRAGMENT_FIELD, DONT_FRAGMENT, true);
  v.setUint32(req + E.FLOW_LABEL, 0, true);
  v.setUint8(req + E.IP_OPTIONS_LENGTH, 0);
  v.setUint16(req + E.HEADER_LENGTH, 0, true);
  v.setUint8(req + E.RAW_COUNT, 0);
  v.setUint8(req + E.SACK_COUNT, 0);
  v.setUint16(req + E.SRC_PORT, seg.srcPort, true);
  v.setUint16(req + E.DST_PORT, seg.dstPort, true);
  v.setUint32(req + E.SEQ, seg.seq >>> 0, true);
  v.setUint32(req + E.ACK, seg.ack >>> 0, true);
  v.setUint16(req + E.FLAGS, seg.flags, true);
  v.setUint16(req + E.WINDOW, seg.window, true);
  v.setUint16(req + E.URGENT, seg.urgentPointer, true);
  let mask = 0;
  if (seg.mss !== undefined) {
    mask |= B.MSS;
    v.setUint16(req + E.MSS, seg.mss, true);
  }
  if (seg.windowScale !== undefined) {
    mask |= B.WSCALE;
    v.setUint8(req + E.WINDOW_SCALE, seg.windowScale);
  }
  if (seg.sackPermitted) mask |= B.SACK_PERMITTED;
  if (seg.tsVal !== undefined) {
    mask |= B.TIMESTAMP;
    v.setUint32(req + E.TS_VALUE, seg.tsVal >>> 0, true);
    v.setUint32(req + E.TS_ECHO, (seg.tsEcr ?? 0) >>> 0, true);
  }
  const sack = seg.sack;
  if (sack !== undefined && sack.length >= 2) {
    mask |= B.SACK;
    const blocks = Math.min(4, sack.length >> 1);
    for (let b = 0; b < blocks; b++) {
      v.setUint32(req + E.SACK + 8 * b, sack[2 * b]! >>> 0, true);
      v.setUint32(req + E.SACK + 8 * b + 4, sack[2 * b + 1]! >>> 0, true);
    }
    v.setUint8(req + E.SACK_COUNT, blocks);
  }
  v.setUint16(req + E.OPTION_MASK, mask, true);
  v.setUint8(req + E.KIND_COUNT, 255); // no explicit order: Linux's, NOP-aligned
  const start = c.exports.encode(req, payloadAt);
  // Only reachable with options that cannot fit, which the engine never asks for.
  if (start < 0) throw new RangeError(`encoding a TCP segment failed with code ${-start}`);
  const headerLength = payloadAt - start;
  if (headerLength <= COPY_HEADROOM && claimCopyHeadroom(payload)) {
    // A payload peeked from a send buffer has room of its own before it: the headers go there
    // and header + payload leave as one array, with no second copy of the payload.
    const packet = new Uint8Array(payload.buffer, payload.byteOffset - headerLength, headerLength + payload.length);
    for (let k = 0; k < headerLength; k++) packet[k] = heap[start + k]!;
    return packet;
  }
  return copyBytes(heap.subarray(start, payloadAt + payload.length));
}

/** encodeSegmentBytes with address text (through the general encodePacket). */
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
