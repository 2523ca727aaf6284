// IP header bytes outside the codec's TCP paths: where the addresses sit, filling in an IPv4
// header checksum after a rewrite, and finding the upper-layer message of a packet that is not
// TCP (ICMP for the stack). The stack decides what to do with them; only this layer reads bytes.

import { readUint16 } from './bytes.js';

/** The IP version of a raw IP packet (its first nibble; 0 for an empty array). */
export function ipVersionOf(packet: Uint8Array): number {
  return packet.length === 0 ? 0 : packet[0]! >> 4;
}

/** Offset of the source address in an IPv4 (12) or IPv6 (8) header. */
export function srcAddressAt(version: number): number {
  return version === 4 ? 12 : 8;
}

/** Offset of the destination address in an IPv4 (16) or IPv6 (24) header. */
export function dstAddressAt(version: number): number {
  return version === 4 ? 16 : 24;
}

/** The IPv4 header's ECN codepoint or IPv6's (RFC 3168 §5: the low 2 bits of TOS / traffic class). */
export function ecnOf(packet: Uint8Array, version: number): number {
  return (version === 4 ? packet[1]! : packet[1]! >> 4) & 3;
}

/** Fills in the header checksum of the IPv4 header at the start of `packet` (after a rewrite). */
export function setIpv4HeaderChecksum(packet: Uint8Array): void {
  const headerLength = (packet[0]! & 0x0f) * 4;
  packet[10] = 0;
  packet[11] = 0;
  // 10 to 30 words: a JS loop is cheaper than a call into WebAssembly for this little.
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  sum = ~sum & 0xffff;
  packet[10] = sum >> 8;
  packet[11] = sum & 0xff;
}

/** Where a packet's upper-layer message lies, for the protocols the stack handles besides TCP. */
export interface UpperLayer {
  version: 4 | 6;
  /** IP protocol / IPv6 next header of the message. */
  protocol: number;
  /** Offset and length of the message (ICMP header onwards). */
  offset: number;
  length: number;
  /** Offsets of the source and destination addresses. */
  srcOffset: number;
  dstOffset: number;
}

export const HOP_BY_HOP = 0;
export const ROUTING = 43;
export const FRAGMENT = 44;
export const DESTINATION_OPTIONS = 60;

/**
 * Parses the IP header(s) of a non-TCP packet, or returns null when malformed or fragmented
 * (fragments go to reassembly first). The IPv4 header checksum is the caller's to check: the
 * batch decoder reports it per row (SegmentTable.ipChecksumState).
 */
export function upperLayer(packet: Uint8Array): UpperLayer | null {
  const version = ipVersionOf(packet);
  if (version === 4) {
    if (packet.length < 20) return null;
    const headerLength = (packet[0]! & 0x0f) * 4;
    const total = readUint16(packet, 2);
    const fragment = readUint16(packet, 6) & 0x3fff; // MF bit + offset
    if (headerLength < 20 || total < headerLength || total > packet.length || fragment !== 0) return null;
    return {
      version: 4,
      protocol: packet[9]!,
      offset: headerLength,
      length: total - headerLength,
      srcOffset: 12,
      dstOffset: 16,
    };
  }
  if (version === 6) {
    if (packet.length < 40) return null;
    const end = 40 + readUint16(packet, 4);
    if (end > packet.length) return null;
    let next = packet[6]!;
    let at = 40;
    while (next === HOP_BY_HOP || next === ROUTING || next === DESTINATION_OPTIONS) {
      if (at + 8 > end) return null;
      const length = (packet[at + 1]! + 1) * 8;
      next = packet[at]!;
      at += length;
      if (at > end) return null;
    }
    return { version: 6, protocol: next, offset: at, length: end - at, srcOffset: 8, dstOffset: 24 };
  }
  return null;
}
