// ICMP and ICMPv6 error messages about TCP segments we sent (RFC 792, RFC 4443, RFC 1122
// §4.2.3.9, RFC 5927): what the error means for the connection, and which connection it is
// about, from the quoted IP header and the first 8 bytes of the quoted TCP header.
//
// Errors map to errno codes as Linux does (net/ipv4/icmp.c icmp_err_convert, net/ipv6/icmp.c
// icmpv6_err_convert). Fragmentation Needed (RFC 1191) and Packet Too Big (RFC 8201) carry the
// next-hop MTU instead.

import type { ConnectionErrorCode } from '../tcp/events.js';
import { readIcmpTcpQuote } from '../wire/icmp.js';

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
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOPROTOOPT',
  'ECONNREFUSED',
  null,
  'EOPNOTSUPP',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENONET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
];

/** ICMPv6 Destination Unreachable codes 0..6 → errno (Linux's icmpv6_err_convert). */
const V6_UNREACH: readonly ConnectionErrorCode[] = [
  'ENETUNREACH',
  'EACCES',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'ECONNREFUSED',
  'EACCES',
  'EACCES',
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
 * version (wire/icmp.ts reads the bytes). Null when it is not an error we act on (other types
 * and codes) or the quote does not identify a TCP segment.
 */
export function readIcmpTcpError(version: 4 | 6, message: Uint8Array): IcmpTcpError | null {
  const q = readIcmpTcpQuote(version, message);
  if (q === null) return null;
  const { type, code: icmpCode } = q;
  let kind: 'unreachable' | 'mtu';
  let code: ConnectionErrorCode = 'EHOSTUNREACH';
  let mtu = 0;
  if (version === 4) {
    if (type === ICMP_DEST_UNREACH && icmpCode === ICMP_FRAG_NEEDED) {
      kind = 'mtu';
      mtu = q.rest & 0xffff;
      // RFC 1191 §5: an old router leaves it 0; guess the next plateau below the quoted length.
      if (mtu === 0) mtu = PLATEAUS.find((p) => p < q.quotedLength) ?? 68;
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
    mtu = q.rest;
  } else if (type === ICMPV6_DEST_UNREACH && icmpCode < V6_UNREACH.length) {
    kind = 'unreachable';
    code = V6_UNREACH[icmpCode]!;
  } else if (type === ICMPV6_TIME_EXCEEDED) {
    kind = 'unreachable';
  } else {
    return null;
  }
  return {
    kind,
    code,
    mtu,
    srcOffset: q.srcOffset,
    dstOffset: q.dstOffset,
    srcPort: q.srcPort,
    dstPort: q.dstPort,
    seq: q.seq,
  };
}

/** The path MTU to use for a report of `mtu`, never below the version's minimum. */
export function clampPathMtu(version: 4 | 6, mtu: number): number {
  return Math.max(mtu, version === 4 ? MIN_PMTU_V4 : MIN_PMTU_V6);
}
