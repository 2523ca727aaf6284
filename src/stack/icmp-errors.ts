// ICMP and ICMPv6 error messages about TCP segments we sent (RFC 792, RFC 4443, RFC 1122
// §4.2.3.9, RFC 5927): what the error means for the connection, and which connection it is
// about, from the quoted IP header and the first 8 bytes of the quoted TCP header.
//
// Errors map to errno codes as Linux does (net/ipv4/icmp.c icmp_err_convert, net/ipv6/icmp.c
// icmpv6_err_convert). Fragmentation Needed (RFC 1191) and Packet Too Big (RFC 8201) carry the
// next-hop MTU instead.

import type { ConnectionErrorCode } from '../tcp/events.js';

export const ICMP_DEST_UNREACH = 3;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_FRAG_NEEDED = 4;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;

/**
 * The smallest path MTU we accept. IPv4: Linux's default min_pmtu, 552 (RFC 1191 allows 68, but
 * a forged Fragmentation Needed could then cut a connection to 28-byte segments, RFC 5927 §7).
 * IPv6: 1280, the minimum link MTU (RFC 8201 §4: a smaller report is not acted on below it).
 */
export const MIN_PMTU_V4 = 552;
export const MIN_PMTU_V6 = 1280;

/** RFC 1191 §7's plateau table, for a Fragmentation Needed from a router that leaves the MTU 0. */
const PLATEAUS = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];

/** IPv4 Destination Unreachable codes 0..15 → errno (Linux's icmp_err_convert; 4 is PMTU). */
const V4_UNREACH: readonly (ConnectionErrorCode | null)[] = [
  'ENETUNREACH', 'EHOSTUNREACH', 'ENOPROTOOPT', 'ECONNREFUSED', null, 'EOPNOTSUPP',
  'ENETUNREACH', 'EHOSTDOWN', 'ENONET', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH',
];

/** ICMPv6 Destination Unreachable codes 0..6 → errno (Linux's icmpv6_err_convert). */
const V6_UNREACH: readonly ConnectionErrorCode[] = [
  'ENETUNREACH', 'EACCES', 'EHOSTUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EACCES', 'EACCES',
];

export interface IcmpTcpError {
  /** 'unreachable': `code` is what connect() reports; 'mtu': `mtu` is the next-hop MTU. */
  kind: 'unreachable' | 'mtu';
  code: ConnectionErrorCode;
  mtu: number;
  /** Where the quoted (inner) source and destination addresses start in `message`. */
  srcOffset: number;
  dstOffset: number;
  /** The quoted TCP header's ports and sequence number: our port first (we sent it). */
  srcPort: number;
  dstPort: number;
  seq: number;
}

/**
 * Reads an ICMP(v6) error (checksum already checked) quoting a TCP segment of the same IP
 * version. Null when it is not an error we act on (other types and codes) or the quote is too
 * short to identify the segment: RFC 792 quotes the IP header and 8 bytes, enough for the ports
 * and the sequence number.
 */
export function readIcmpTcpError(version: 4 | 6, message: Uint8Array): IcmpTcpError | null {
  if (message.length < 8) return null;
  const type = message[0]!;
  const icmpCode = message[1]!;
  let kind: 'unreachable' | 'mtu';
  let code: ConnectionErrorCode = 'EHOSTUNREACH';
  let mtu = 0;
  if (version === 4) {
    if (type === ICMP_DEST_UNREACH && icmpCode === ICMP_FRAG_NEEDED) {
      kind = 'mtu';
      mtu = (message[6]! << 8) | message[7]!;
    } else if (type === ICMP_DEST_UNREACH && icmpCode < V4_UNREACH.length) {
      kind = 'unreachable';
      code = V4_UNREACH[icmpCode]!;
    } else if (type === ICMP_TIME_EXCEEDED) {
      kind = 'unreachable'; // a soft error (TTL expired in transit): EHOSTUNREACH, as Linux
    } else {
      return null;
    }
  } else if (type === ICMPV6_PACKET_TOO_BIG && icmpCode === 0) {
    kind = 'mtu';
    mtu = ((message[4]! << 24) | (message[5]! << 16) | (message[6]! << 8) | message[7]!) >>> 0;
  } else if (type === ICMPV6_DEST_UNREACH && icmpCode < V6_UNREACH.length) {
    kind = 'unreachable';
    code = V6_UNREACH[icmpCode]!;
  } else if (type === ICMPV6_TIME_EXCEEDED) {
    kind = 'unreachable';
  } else {
    return null;
  }

  // The quoted packet starts after the 8-byte ICMP header.
  const inner = 8;
  let tcp: number;
  let srcOffset: number;
  let dstOffset: number;
  if (version === 4) {
    if (message.length < inner + 20 || message[inner]! >> 4 !== 4) return null;
    const ihl = (message[inner]! & 0x0f) * 4;
    // Protocol TCP, not a later fragment (those quote no TCP header).
    if (ihl < 20 || message[inner + 9] !== 6 || (((message[inner + 6]! << 8) | message[inner + 7]!) & 0x1fff) !== 0) return null;
    tcp = inner + ihl;
    srcOffset = inner + 12;
    dstOffset = inner + 16;
    if (kind === 'mtu' && mtu === 0) {
      // RFC 1191 §5: an old router; guess the next plateau below the quoted packet's length.
      const total = (message[inner + 2]! << 8) | message[inner + 3]!;
      mtu = PLATEAUS.find((p) => p < total) ?? 68;
    }
  } else {
    // The quoted IPv6 header's next header must be TCP (extension headers: not ours to send).
    if (message.length < inner + 40 || message[inner]! >> 4 !== 6 || message[inner + 6] !== 6) return null;
    tcp = inner + 40;
    srcOffset = inner + 8;
    dstOffset = inner + 24;
  }
  if (message.length < tcp + 8) return null;
  const srcPort = (message[tcp]! << 8) | message[tcp + 1]!;
  const dstPort = (message[tcp + 2]! << 8) | message[tcp + 3]!;
  const seq = ((message[tcp + 4]! << 24) | (message[tcp + 5]! << 16) | (message[tcp + 6]! << 8) | message[tcp + 7]!) >>> 0;
  return { kind, code, mtu, srcOffset, dstOffset, srcPort, dstPort, seq };
}

/** The path MTU to use for a report of `mtu`, never below the version's minimum. */
export function clampPathMtu(version: 4 | 6, mtu: number): number {
  return Math.max(mtu, version === 4 ? MIN_PMTU_V4 : MIN_PMTU_V6);
}
