// Conversions between the codec's views of a segment (the decoded TcpHeader / DecodedPacket, a
// SegmentTable row) and the engine's TcpSegment, so an embedder of Connection never converts by
// hand: decode a packet, hand segmentFromPacket(p) to the connection; encode what it returns with
// encodePacket(packetFromSegment(seg, src, dst)) (or encodeSegmentBytes on a hot path).

import type { AddressInit, PacketInit, TcpHeaderInit } from './encode.js';
import type { TcpSegment } from './segment.js';
import type { DecodedPacket, TcpHeader, TcpOptions } from './types.js';

/**
 * The engine's segment for a decoded TCP header and its payload. Typed options are carried over
 * (timestamps as tsVal/tsEcr, SACK blocks flattened); options the engine has no use for
 * (`unknown`, the kind order) are left out. `ecn` is the IP header's ECN codepoint (RFC 3168 §5).
 * The payload is used as given (not copied).
 */
export function segmentFromHeader(tcp: TcpHeader, payload: Uint8Array, ecn = 0): TcpSegment {
  const seg: TcpSegment = {
    srcPort: tcp.srcPort,
    dstPort: tcp.dstPort,
    seq: tcp.seq,
    ack: tcp.ack,
    flags: tcp.flags,
    window: tcp.window,
    urgentPointer: tcp.urgentPointer,
    payload,
  };
  const o = tcp.options;
  if (o.mss !== undefined) seg.mss = o.mss;
  if (o.windowScale !== undefined) seg.windowScale = o.windowScale;
  if (o.sackPermitted) seg.sackPermitted = true;
  if (o.timestamp !== undefined) {
    seg.tsVal = o.timestamp.value;
    seg.tsEcr = o.timestamp.echo;
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    const flat: number[] = [];
    for (const [left, right] of o.sack) flat.push(left, right);
    seg.sack = flat;
  }
  if ((ecn & 3) !== 0) seg.ecn = ecn & 3;
  return seg;
}

/**
 * The engine's segment for a packet from decodeIp / decodeFrame, ECN codepoint included. The
 * payload is the packet's captured payload: a view into the decoded input, not a copy.
 */
export function segmentFromPacket(packet: DecodedPacket): TcpSegment {
  const ip = packet.ip;
  const ecn = (ip.version === 4 ? ip.tos : ip.trafficClass) & 3;
  return segmentFromHeader(packet.tcp, packet.payload, ecn);
}

/**
 * The TcpHeaderInit that encodes `seg`'s header (encodePacket / encodeTcp): options in Linux's
 * order, header length and checksum left to the encoder.
 */
export function headerFromSegment(seg: TcpSegment): TcpHeaderInit {
  const options: Partial<TcpOptions> = {};
  if (seg.mss !== undefined) options.mss = seg.mss;
  if (seg.windowScale !== undefined) options.windowScale = seg.windowScale;
  if (seg.sackPermitted) options.sackPermitted = true;
  if (seg.tsVal !== undefined) options.timestamp = { value: seg.tsVal, echo: seg.tsEcr ?? 0 };
  const sack = seg.sack;
  if (sack !== undefined && sack.length > 1) {
    const blocks: Array<[number, number]> = [];
    for (let i = 0; i + 1 < sack.length; i += 2) blocks.push([sack[i]!, sack[i + 1]!]);
    options.sack = blocks;
  }
  return {
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    seq: seg.seq,
    ack: seg.ack,
    flags: seg.flags,
    window: seg.window,
    urgentPointer: seg.urgentPointer,
    options,
  };
}

/**
 * The encodePacket input for `seg` from `src` to `dst`: what a stack sends (TTL 64, DF, IP ID
 * 0, the segment's ECN codepoint in the TOS / traffic class byte). The payload is not copied.
 */
export function packetFromSegment<A extends AddressInit>(seg: TcpSegment, src: A, dst: A): PacketInit<A> {
  const ecn = seg.ecn ?? 0;
  return {
    ip: ecn === 0 ? { src, dst } : { src, dst, tos: ecn, trafficClass: ecn },
    tcp: headerFromSegment(seg),
    payload: seg.payload,
  };
}
