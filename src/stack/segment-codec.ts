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
import { allocBytes, copyBytes } from '../wire/pool.js';
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
  return encodePlain(seg, version, src, dst) ?? encodeWithOptions(seg, version, src, dst);
}

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
/** NOP, NOP, then the 10-byte timestamp option: Linux's layout, as the codec writes it. */
const TIMESTAMP_SPACE = 12;
/** NOP, NOP, kind, length before the SACK blocks (8 bytes each), after the timestamps. */
const SACK_SPACE = 4;
const MAX_OPTIONS = 40;
const TCP_PROTOCOL = 6;

/**
 * The segments of an established connection (data and ACKs, with or without timestamps and SACK
 * blocks, no SYN options), with every header written here in JS straight into the packet:
 * for these few fixed fields that costs less than filling the codec's request and copying its
 * header out again. The codec still sums the payload (SIMD). Byte for byte what the codec's
 * encoder builds (the tests compare the two). Returns null for any other segment.
 */
function encodePlain(seg: TcpSegment, version: 4 | 6, src: Uint8Array, dst: Uint8Array): Uint8Array | null {
  const flags = seg.flags;
  if (seg.mss !== undefined || seg.windowScale !== undefined || seg.sackPermitted || flags > 0xff) return null;
  const tsVal = seg.tsVal;
  const sack = seg.sack;
  const blocks = sack === undefined ? 0 : Math.min(4, sack.length >> 1);
  const optionsLength = (tsVal === undefined ? 0 : TIMESTAMP_SPACE) + (blocks === 0 ? 0 : SACK_SPACE + 8 * blocks);
  if (optionsLength > MAX_OPTIONS) return null; // the codec reports what does not fit
  const tcpLength = TCP_HEADER + optionsLength;
  const ipLength = version === 4 ? IPV4_HEADER : IPV6_HEADER;
  const headerLength = ipLength + tcpLength;
  const payload = seg.payload;
  const n = payload.length;
  let packet: Uint8Array;
  let sum = 0;
  if (n > 0) {
    // The payload goes into WASM memory once, to be summed there.
    const c = codec();
    const at = c.reserveInput(n);
    c.bytes().set(payload, at);
    sum = c.exports.onesSum(at, n, 0);
    if (claimCopyHeadroom(payload)) {
      // Peeked from a send buffer with room of its own before it: the headers go there, and
      // header + payload leave as one array with no further copy of the payload.
      packet = new Uint8Array(payload.buffer, payload.byteOffset - headerLength, headerLength + n);
    } else {
      packet = allocBytes(headerLength + n);
      packet.set(payload, headerLength);
    }
  } else {
    packet = allocBytes(headerLength);
  }

  // Pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1): addresses, protocol, TCP length.
  const segmentLength = tcpLength + n;
  for (let i = 0; i < src.length; i += 2) sum += ((src[i]! << 8) | src[i + 1]!) + ((dst[i]! << 8) | dst[i + 1]!);
  sum += TCP_PROTOCOL + segmentLength;

  const ecn = seg.ecn ?? 0; // RFC 3168 §5: the low 2 bits of TOS / traffic class
  if (version === 4) {
    const total = headerLength + n;
    packet[0] = 0x45;
    packet[1] = ecn;
    packet[2] = total >>> 8;
    packet[3] = total & 0xff;
    packet[4] = 0; // identification 0 with DF, as Linux for atomic datagrams (RFC 6864)
    packet[5] = 0;
    packet[6] = DONT_FRAGMENT >>> 8;
    packet[7] = 0;
    packet[8] = DEFAULT_HOP_LIMIT;
    packet[9] = TCP_PROTOCOL;
    for (let i = 0; i < 4; i++) {
      packet[12 + i] = src[i]!;
      packet[16 + i] = dst[i]!;
    }
    let ipSum = 0x4500 + ecn + total + DONT_FRAGMENT + ((DEFAULT_HOP_LIMIT << 8) | TCP_PROTOCOL)
      + ((src[0]! << 8) | src[1]!) + ((src[2]! << 8) | src[3]!) + ((dst[0]! << 8) | dst[1]!) + ((dst[2]! << 8) | dst[3]!);
    ipSum = (ipSum & 0xffff) + (ipSum >>> 16);
    ipSum = ~((ipSum & 0xffff) + (ipSum >>> 16)) & 0xffff;
    packet[10] = ipSum >>> 8;
    packet[11] = ipSum & 0xff;
  } else {
    packet[0] = 0x60;
    packet[1] = ecn << 4;
    packet[2] = 0;
    packet[3] = 0;
    packet[4] = segmentLength >>> 8;
    packet[5] = segmentLength & 0xff;
    packet[6] = TCP_PROTOCOL;
    packet[7] = DEFAULT_HOP_LIMIT;
    for (let i = 0; i < 16; i++) {
      packet[8 + i] = src[i]!;
      packet[24 + i] = dst[i]!;
    }
  }

  const t = ipLength;
  const { srcPort, dstPort, window, urgentPointer } = seg;
  const seq = seg.seq >>> 0;
  const ack = seg.ack >>> 0;
  const offsetAndFlags = ((tcpLength >>> 2) << 12) | flags;
  packet[t] = srcPort >>> 8;
  packet[t + 1] = srcPort & 0xff;
  packet[t + 2] = dstPort >>> 8;
  packet[t + 3] = dstPort & 0xff;
  packet[t + 4] = seq >>> 24;
  packet[t + 5] = (seq >>> 16) & 0xff;
  packet[t + 6] = (seq >>> 8) & 0xff;
  packet[t + 7] = seq & 0xff;
  packet[t + 8] = ack >>> 24;
  packet[t + 9] = (ack >>> 16) & 0xff;
  packet[t + 10] = (ack >>> 8) & 0xff;
  packet[t + 11] = ack & 0xff;
  packet[t + 12] = offsetAndFlags >>> 8;
  packet[t + 13] = flags;
  packet[t + 14] = window >>> 8;
  packet[t + 15] = window & 0xff;
  packet[t + 18] = urgentPointer >>> 8;
  packet[t + 19] = urgentPointer & 0xff;
  sum += srcPort + dstPort + (seq >>> 16) + (seq & 0xffff) + (ack >>> 16) + (ack & 0xffff) + offsetAndFlags + window + urgentPointer;
  if (tsVal !== undefined) {
    const value = tsVal >>> 0;
    const echo = (seg.tsEcr ?? 0) >>> 0;
    packet[t + 20] = 1; // NOP
    packet[t + 21] = 1; // NOP
    packet[t + 22] = 8; // kind: timestamps
    packet[t + 23] = 10; // length
    packet[t + 24] = value >>> 24;
    packet[t + 25] = (value >>> 16) & 0xff;
    packet[t + 26] = (value >>> 8) & 0xff;
    packet[t + 27] = value & 0xff;
    packet[t + 28] = echo >>> 24;
    packet[t + 29] = (echo >>> 16) & 0xff;
    packet[t + 30] = (echo >>> 8) & 0xff;
    packet[t + 31] = echo & 0xff;
    sum += 0x0101 + 0x080a + (value >>> 16) + (value & 0xffff) + (echo >>> 16) + (echo & 0xffff);
  }
  if (blocks > 0) {
    let o = t + tcpLength - SACK_SPACE - 8 * blocks;
    const length = 2 + 8 * blocks;
    packet[o] = 1; // NOP
    packet[o + 1] = 1; // NOP
    packet[o + 2] = 5; // kind: SACK
    packet[o + 3] = length;
    sum += 0x0101 + 0x0500 + length;
    o += SACK_SPACE;
    for (let k = 0; k < 2 * blocks; k++, o += 4) {
      const edge = sack![k]! >>> 0;
      packet[o] = edge >>> 24;
      packet[o + 1] = (edge >>> 16) & 0xff;
      packet[o + 2] = (edge >>> 8) & 0xff;
      packet[o + 3] = edge & 0xff;
      sum += (edge >>> 16) + (edge & 0xffff);
    }
  }
  // onesSum's partial sum is up to 32 bits, so the total may pass 2^32: the first fold divides.
  sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const checksum = ~sum & 0xffff;
  packet[t + 16] = checksum >>> 8;
  packet[t + 17] = checksum & 0xff;
  return packet;
}

/** The general path: the codec's encoder fills in the headers and options. */
function encodeWithOptions(seg: TcpSegment, version: 4 | 6, src: Uint8Array, dst: Uint8Array): Uint8Array {
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
  v.setUint8(req + E.TOS, seg.ecn ?? 0);
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
