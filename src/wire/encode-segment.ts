// encodeSegmentBytes: the engine's TcpSegment values in, IP packets out, for a host (the stack)
// that keeps each connection's addresses as bytes. The segment's values go into a HeaderFields
// record and the JS header writer (encode-header.ts) lays them out, as it does for encodePacket;
// the tests hold the result byte for byte equal to encodePacket and to the WASM encoder.
//
// Either way, a segment that declares headroom (TcpSegment.headroom) gets its headers written
// into that room, in front of its payload, and the packet is a view of the payload's buffer: no
// copy of the payload. Without headroom the payload is copied into a packet of its own.

import { codec } from './module.js';
import { builtHeaders, HeaderFields, measureHeaders, payloadSum, writeHeaders } from './encode-header.js';
import { encodePacket, type AddressInit } from './encode.js';
import { allocBytes } from './pool.js';
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
  const f = F;
  f.version = version;
  f.bare = false;
  f.src = src;
  f.dst = dst;
  f.ttl = DEFAULT_HOP_LIMIT;
  f.tos = seg.ecn ?? 0; // RFC 3168 §5: the low 2 bits of TOS / traffic class
  f.id = 0; // identification 0 with DF, as Linux for atomic datagrams (RFC 6864)
  f.fragment = DONT_FRAGMENT;
  f.flowLabel = 0;
  f.srcPort = seg.srcPort;
  f.dstPort = seg.dstPort;
  f.seq = seg.seq >>> 0;
  f.ack = seg.ack >>> 0;
  f.flags = seg.flags;
  f.window = seg.window;
  f.urgentPointer = seg.urgentPointer;
  f.headerLength = 0;
  f.mss = seg.mss ?? -1;
  f.windowScale = seg.windowScale ?? -1;
  f.sackPermitted = !!seg.sackPermitted;
  const tsVal = seg.tsVal;
  f.timestamp = tsVal !== undefined;
  if (tsVal !== undefined) {
    f.tsValue = tsVal >>> 0;
    f.tsEcho = (seg.tsEcr ?? 0) >>> 0;
  }
  const sack = seg.sack;
  // Flat edges, left/right pairs; an odd last edge is ignored, at most 4 blocks.
  const blocks = sack === undefined ? 0 : Math.min(4, sack.length >> 1);
  for (let k = 0; k < 2 * blocks; k++) f.sackEdges[k] = sack![k]! >>> 0;
  f.sackBlocks = blocks;

  const payload = seg.payload;
  const n = payload.length;
  // Throws only for options that cannot fit, which the engine never asks for.
  const total = measureHeaders(f, n);
  const headerLength = total - n;
  // The payload goes into WASM memory once (if long enough to be worth it), to be summed there.
  const sum = payloadSum(codec(), payload, n);
  let packet: Uint8Array;
  if (claimHeadroom(seg, headerLength)) {
    // The segment's own room before its payload: the headers go there, and header + payload
    // leave as one array with no further copy of the payload.
    packet = new Uint8Array(payload.buffer, payload.byteOffset - headerLength, total);
  } else {
    packet = allocBytes(total);
    if (n > 0) packet.set(payload, headerLength);
  }
  writeHeaders(f, n, sum);
  packet.set(builtHeaders(headerLength));
  return packet;
}

/** The values of the segment being encoded (one record, reused: no object per segment). */
const F = new HeaderFields();

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
