// encodeSegmentBytes: the engine's TcpSegment values in, IP packets out, for a host (the stack)
// that keeps each connection's addresses as bytes. Two ways to the same bytes: the segments of an
// established connection have their few header fields written here in JS, straight into the
// packet; everything else goes through the WASM encoder's request (encode-request.ts), as
// encodePacket does. The tests hold the two byte for byte equal to encodePacket.
//
// Either way, a segment that declares headroom (TcpSegment.headroom) gets its headers written
// into that room, in front of its payload, and the packet is a view of the payload's buffer: no
// copy of the payload. Without headroom the payload is copied into a packet of its own.

import { codec } from './module.js';
import {
  beginOptions,
  copyPayloadIn,
  LINUX_OPTION_ORDER,
  putIpRequest,
  putMss,
  putSackBlock,
  putSackPermitted,
  putTcpRequest,
  putTimestamp,
  putWindowScale,
  runEncoder,
} from './encode-request.js';
import { encodePacket, type AddressInit } from './encode.js';
import { allocBytes, copyBytes } from './pool.js';
import { packetFromSegment } from './segment-convert.js';
import type { TcpSegment } from './segment.js';

const DONT_FRAGMENT = 0x4000;
const DEFAULT_HOP_LIMIT = 64;

/**
 * Builds the IPv4 or IPv6 packet carrying `seg` from `src` to `dst` (4 or 16 address bytes),
 * checksums filled in, TTL 64, DF set, IP ID 0, the ECN codepoint from `seg.ecn`. This is
 * encodePacket's path without its per-call work a stack does not need: no address text to parse
 * and no validation of values the engine produced. Options go in Linux's order with NOP
 * alignment. When `seg.headroom` covers the headers, they are written in front of the payload
 * and the headroom is claimed (set to 0); see TcpSegment.headroom.
 */
export function encodeSegmentBytes(seg: TcpSegment, version: 4 | 6, src: Uint8Array, dst: Uint8Array): Uint8Array {
  return encodePlain(seg, version, src, dst) ?? encodeWithOptions(seg, version, src, dst);
}

/**
 * The same packet with addresses as text or ParsedAddress, through encodePacket (values checked
 * there). Never writes into the segment's headroom.
 */
export function encodeSegment(seg: TcpSegment, src: AddressInit, dst: AddressInit): Uint8Array {
  return encodePacket(packetFromSegment(seg, src, dst));
}

/**
 * True, once, when `seg` declares at least `headerLength` bytes of headroom before its payload:
 * the caller writes the headers there. Claiming sets the headroom to 0 so a second encoding of
 * the same object copies instead of overwriting the first packet's headers.
 */
function claimHeadroom(seg: TcpSegment, headerLength: number): boolean {
  const room = seg.headroom;
  // A declared room that cannot exist (more than the payload's offset) is not trusted.
  if (room === undefined || room < headerLength || seg.payload.byteOffset < headerLength) return false;
  seg.headroom = 0;
  return true;
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
    if (claimHeadroom(seg, headerLength)) {
      // The segment's own room before its payload: the headers go there, and header + payload
      // leave as one array with no further copy of the payload.
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
    let ipSum =
      0x4500 +
      ecn +
      total +
      DONT_FRAGMENT +
      ((DEFAULT_HOP_LIMIT << 8) | TCP_PROTOCOL) +
      ((src[0]! << 8) | src[1]!) +
      ((src[2]! << 8) | src[3]!) +
      ((dst[0]! << 8) | dst[1]!) +
      ((dst[2]! << 8) | dst[3]!);
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
  sum +=
    srcPort +
    dstPort +
    (seq >>> 16) +
    (seq & 0xffff) +
    (ack >>> 16) +
    (ack & 0xffff) +
    offsetAndFlags +
    window +
    urgentPointer;
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
  const payload = seg.payload;
  const n = payload.length;
  const payloadAt = copyPayloadIn(c, payload);
  putIpRequest(c, version, 0, src, dst, n, DEFAULT_HOP_LIMIT, seg.ecn ?? 0, 0, DONT_FRAGMENT, 0, null);
  putTcpRequest(c, seg.srcPort, seg.dstPort, seg.seq >>> 0, seg.ack >>> 0, seg.flags, seg.window, seg.urgentPointer, 0);
  const sack = seg.sack;
  const blocks = sack === undefined || sack.length < 2 ? 0 : Math.min(4, sack.length >> 1);
  beginOptions(c, blocks, 0, LINUX_OPTION_ORDER);
  if (seg.mss !== undefined) putMss(c, seg.mss);
  if (seg.windowScale !== undefined) putWindowScale(c, seg.windowScale);
  if (seg.sackPermitted) putSackPermitted(c);
  if (seg.tsVal !== undefined) putTimestamp(c, seg.tsVal >>> 0, (seg.tsEcr ?? 0) >>> 0);
  for (let b = 0; b < blocks; b++) putSackBlock(c, b, sack![2 * b]! >>> 0, sack![2 * b + 1]! >>> 0);
  // Throws only for options that cannot fit, which the engine never asks for.
  const start = runEncoder(c, payloadAt);
  const headerLength = payloadAt - start;
  const heap = c.bytes();
  if (claimHeadroom(seg, headerLength)) {
    const packet = new Uint8Array(payload.buffer, payload.byteOffset - headerLength, headerLength + n);
    for (let k = 0; k < headerLength; k++) packet[k] = heap[start + k]!;
    return packet;
  }
  return copyBytes(heap.subarray(start, payloadAt + n));
}
