// The JS header writer: IP + TCP headers with Linux's option layout, both checksums, written
// byte by byte straight into the packet. For the fixed few dozen header bytes this costs less
// than filling the WASM encoder's request record, crossing into WASM and copying the header
// out again (measured: writing the request was ~85% of encodePacket's time for an ACK with
// timestamps). Only the payload's sum is left to WASM (SIMD), and only when it is long enough
// to be worth the copy in (SMALL_SUM_BYTES, as internetChecksum decides).
//
// Two callers fill one HeaderFields record and call measureHeaders, then writeHeaders:
// encode.ts (encodePacket / encodeInto / encodeTcp, every value checked there first) and
// encode-segment.ts (the engine's TcpSegment, values trusted). What this writer cannot lay out
// (an explicit option order, raw options, IPv4 options) goes to the WASM encoder instead, and
// the tests hold the two byte for byte equal.

import { smallOnesSum, SMALL_SUM_BYTES } from './checksum-small.js';
import type { Codec } from './module.js';

// The encoders' messages for what cannot be encoded, the same whichever way a packet takes.
export const TOO_LONG = 'the packet exceeds the 65535-byte IP length limit';
export const OPTIONS_TOO_LONG = 'TCP options exceed 40 bytes';
export const BAD_HEADER_LENGTH = 'tcp.headerLength is below what the options need, above 60, or not a multiple of 4';

const NONE = new Uint8Array(0);
const TCP_PROTOCOL = 6;
const MAX_OPTIONS = 40;

/**
 * One packet's header values, reused from call to call (no object per packet). Every field is
 * written by the filler before each use: the writer trusts them to be in range.
 */
export class HeaderFields {
  version: 4 | 6 = 4;
  /** A bare TCP segment (encodeTcp): no IP header, the checksum still covers the pseudo-header. */
  bare = false;
  /** 4 or 16 bytes each, as `version` says. */
  src: Uint8Array = NONE;
  dst: Uint8Array = NONE;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 64;
  /** IPv4 TOS or IPv6 traffic class. */
  tos = 0;
  id = 0;
  /** IPv4 flags + fragment offset as on the wire (0x4000 = DF). */
  fragment = 0x4000;
  flowLabel = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  /** 12 bits: the reserved bits go into the data-offset byte. */
  flags = 0;
  window = 0;
  urgentPointer = 0;
  /** Wanted TCP header length, 0 = as the options need. */
  headerLength = 0;
  /** MSS and window-scale values, -1 when absent. */
  mss = -1;
  windowScale = -1;
  sackPermitted = false;
  timestamp = false;
  tsValue = 0;
  tsEcho = 0;
  /** SACK blocks in use (0..4) and their edges, left/right pairs. */
  sackBlocks = 0;
  readonly sackEdges = new Uint32Array(8);
  /** Set by measureHeaders: TCP header length and the whole packet's. */
  tcpLength = 0;
  ipLength = 0;
}

/** Bytes of options in Linux's layout (whole 32-bit words), before the 40-byte limit is applied. */
function optionsLength(f: HeaderFields): number {
  let n = f.mss >= 0 ? 4 : 0;
  // Timestamps take 12 bytes with either NOP NOP or SACK-permitted in front; SACK-permitted
  // alone takes NOP NOP + its 2 bytes (Linux's tcp_options_write).
  if (f.timestamp) n += 12;
  else if (f.sackPermitted) n += 4;
  if (f.windowScale >= 0) n += 4;
  if (f.sackBlocks > 0) n += 4 + 8 * f.sackBlocks;
  return n;
}

/**
 * Sets f.tcpLength and f.ipLength and returns the packet's length (headers + payload), or throws
 * the RangeError the WASM encoder reports for the same fields, checked in the same order.
 */
export function measureHeaders(f: HeaderFields, payloadLength: number): number {
  const options = optionsLength(f);
  if (options > MAX_OPTIONS) throw new RangeError(OPTIONS_TOO_LONG);
  let tcpLength = 20 + options;
  const wanted = f.headerLength;
  if (wanted !== 0) {
    if (wanted < tcpLength || wanted > 60 || (wanted & 3) !== 0) throw new RangeError(BAD_HEADER_LENGTH);
    tcpLength = wanted;
  }
  f.tcpLength = tcpLength;
  const segmentLength = tcpLength + payloadLength;
  const ipLength = f.bare ? 0 : f.version === 4 ? 20 : 40;
  f.ipLength = ipLength;
  // IPv4 total length and IPv6 payload length are 16-bit fields; a bare segment has neither.
  if (!f.bare && (f.version === 4 ? ipLength + segmentLength : segmentLength) > 0xffff) throw new RangeError(TOO_LONG);
  return ipLength + segmentLength;
}

/**
 * The ones-complement sum of a payload (RFC 1071, not complemented, up to 32 bits): short ones
 * in JS, longer ones in WASM, where they lie when they are in the caller's input area and
 * copied in otherwise. Copying may grow WASM memory, which detaches views of it.
 */
export function payloadSum(c: Codec, payload: Uint8Array, n: number): number {
  if (n < SMALL_SUM_BYTES) return n === 0 ? 0 : smallOnesSum(payload, n, 0);
  return c.exports.onesSum(c.placeSized(payload, payload.byteOffset, n), n, 0);
}

/**
 * The headers are built here, then copied to their packet in one TypedArray.set: a DataView
 * over one fixed buffer stores a big-endian word in one instruction, where a packet that can be
 * any Uint8Array at any offset takes four bounds-checked byte stores (measured: byte stores
 * were a third of encodeInto's time for an ACK with timestamps). Headers are at most 100 bytes
 * here (IP 40 + TCP 60; IPv4 options go to the WASM encoder).
 */
const SCRATCH = new ArrayBuffer(128);
const W = new DataView(SCRATCH);
/** Views of the scratch's first n bytes by n (multiples of 4), made once each. */
const VIEWS: Uint8Array[] = [];
for (let n = 0; n <= 128; n += 4) VIEWS[n] = new Uint8Array(SCRATCH, 0, n);

/** The first `length` bytes of the scratch: the headers writeHeaders built last. */
export function builtHeaders(length: number): Uint8Array {
  return VIEWS[length]!;
}

/** Sum of the 16-bit halves of a 32-bit value. */
function halves(v: number): number {
  return (v >>> 16) + (v & 0xffff);
}

/**
 * Builds the headers measured by measureHeaders, with both checksums, in the scratch (see
 * builtHeaders; the payload, if any, goes right after them in the packet and is the caller's
 * to copy). `sum` is the payload's ones-complement sum from payloadSum. The payload starts at an
 * even offset of the segment (the header is whole words), so its sum adds in as it is (RFC 1071
 * §2). Every 16-bit word is summed as the value it was built from, never read back.
 */
export function writeHeaders(f: HeaderFields, payloadLength: number, sum: number): void {
  const w = W;
  const tcpLength = f.tcpLength;
  const segmentLength = tcpLength + payloadLength;
  const src = f.src;
  const dst = f.dst;
  const v4 = f.version === 4;
  // Pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1): addresses, protocol, TCP length. The payload
  // sum (up to 32 bits) is folded first so every later add stays a small integer.
  sum = (sum & 0xffff) + (sum >>> 16) + TCP_PROTOCOL + segmentLength;

  const tos = f.tos;
  const ttl = f.ttl;
  let t = 0;
  if (v4) {
    const s0 = (src[0]! << 8) | src[1]!;
    const s1 = (src[2]! << 8) | src[3]!;
    const d0 = (dst[0]! << 8) | dst[1]!;
    const d1 = (dst[2]! << 8) | dst[3]!;
    const addresses = s0 + s1 + d0 + d1;
    sum += addresses;
    if (!f.bare) {
      const total = 20 + segmentLength;
      const id = f.id;
      const fragment = f.fragment;
      const proto = (ttl << 8) | TCP_PROTOCOL;
      let ip = 0x4500 + tos + total + id + fragment + proto + addresses;
      ip = (ip & 0xffff) + (ip >>> 16);
      ip = ~((ip & 0xffff) + (ip >>> 16)) & 0xffff;
      w.setUint32(0, ((0x4500 | tos) << 16) | total);
      w.setUint32(4, (id << 16) | fragment);
      w.setUint32(8, (proto << 16) | ip);
      w.setUint32(12, (s0 << 16) | s1);
      w.setUint32(16, (d0 << 16) | d1);
      t = 20;
    }
  } else {
    for (let i = 0; i < 16; i += 2) sum += ((src[i]! << 8) | src[i + 1]!) + ((dst[i]! << 8) | dst[i + 1]!);
    if (!f.bare) {
      w.setUint32(0, (0x60000000 | (tos << 20) | f.flowLabel) >>> 0);
      w.setUint32(4, (segmentLength << 16) | (TCP_PROTOCOL << 8) | ttl);
      for (let i = 0; i < 16; i++) {
        w.setUint8(8 + i, src[i]!);
        w.setUint8(24 + i, dst[i]!);
      }
      t = 40;
    }
  }

  const srcPort = f.srcPort;
  const dstPort = f.dstPort;
  const seq = f.seq;
  const ack = f.ack;
  const window = f.window;
  const urgent = f.urgentPointer;
  const offsetFlags = ((tcpLength >>> 2) << 12) | f.flags;
  w.setUint32(t, (srcPort << 16) | dstPort);
  w.setUint32(t + 4, seq);
  w.setUint32(t + 8, ack);
  w.setUint32(t + 12, (offsetFlags << 16) | window);
  w.setUint16(t + 18, urgent);
  sum += srcPort + dstPort + halves(seq) + halves(ack) + offsetFlags + window + urgent;

  // Options in Linux's order (tcp_options_write): MSS; SACK-permitted and timestamps together;
  // NOP + window scale; NOP NOP + SACK blocks. Each group is whole 32-bit words.
  let o = t + 20;
  const mss = f.mss;
  if (mss >= 0) {
    w.setUint32(o, 0x02040000 | mss);
    sum += 0x0204 + mss;
    o += 4;
  }
  if (f.timestamp) {
    const value = f.tsValue;
    const echo = f.tsEcho;
    // SACK-permitted takes the place of the two NOPs in front of the timestamps.
    const first = f.sackPermitted ? 0x0402 : 0x0101;
    w.setUint32(o, (first << 16) | 0x080a);
    w.setUint32(o + 4, value);
    w.setUint32(o + 8, echo);
    sum += first + 0x080a + halves(value) + halves(echo);
    o += 12;
  } else if (f.sackPermitted) {
    w.setUint32(o, 0x01010402);
    sum += 0x0101 + 0x0402;
    o += 4;
  }
  const scale = f.windowScale;
  if (scale >= 0) {
    w.setUint32(o, 0x01030300 | scale);
    sum += 0x0103 + 0x0300 + scale;
    o += 4;
  }
  const blocks = f.sackBlocks;
  if (blocks > 0) {
    const length = 2 + 8 * blocks;
    w.setUint32(o, 0x01010500 | length);
    sum += 0x0101 + 0x0500 + length;
    o += 4;
    const edges = f.sackEdges;
    for (let k = 0; k < 2 * blocks; k++, o += 4) {
      const edge = edges[k]!;
      w.setUint32(o, edge);
      sum += halves(edge);
    }
  }
  // Padding up to a wanted header length (zero words add nothing to the sum).
  for (const end = t + tcpLength; o < end; o += 4) w.setUint32(o, 0);

  // Under 2^21 here (a few dozen 17-bit terms), so two folds reach 16 bits.
  sum = (sum & 0xffff) + (sum >>> 16);
  w.setUint16(t + 16, ~((sum & 0xffff) + (sum >>> 16)) & 0xffff);
}
