// IPv4 and IPv6 headers: find the TCP header, the datagram's extent, and the addresses the TCP
// pseudo-header must use. Every read is checked against the captured length first.

import { be16, be32, u8at } from './bytes';
import { ipv4HeaderSum } from './checksum';
import * as S from './state';
import {
  STATUS_BAD_IP_HEADER, STATUS_FRAGMENT, STATUS_NOT_TCP, STATUS_OK, STATUS_TRUNCATED,
} from './status';
import { FRAGMENT_BIT_FRAGMENT, FRAGMENT_BIT_LATER, FRAGMENT_BIT_MORE } from './layout';

const PROTO_TCP: u32 = 6;
const IPV6_HOP_BY_HOP: u32 = 0;
const IPV6_ROUTING: u32 = 43;
const IPV6_FRAGMENT: u32 = 44;
const IPV6_AUTH: u32 = 51;
const IPV6_DEST_OPTIONS: u32 = 60;

const IPV4_OPT_EOL: u32 = 0;
const IPV4_OPT_NOP: u32 = 1;
const IPV4_OPT_LSRR: u32 = 131;
const IPV4_OPT_SSRR: u32 = 137;

const IPV6_OPT_PAD1: u32 = 0;
const IPV6_OPT_JUMBO: u32 = 0xc2;
const IPV6_OPT_HOME_ADDRESS: u32 = 0xc9;

/** Extension headers walked before the datagram is declared malformed. */
const MAX_IPV6_HEADERS: i32 = 16;

// @ts-ignore: decorator
@inline function fail(status: i32, offset: i32): i32 {
  S.errorOffset = offset;
  return status;
}

// @ts-ignore: decorator
@inline function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/**
 * A loose or strict source route that is not yet exhausted names the final destination as its
 * last address; the sender's pseudo-header used that address (RFC 9293 §3.1, RFC 791).
 */
function scanIpv4Options(p: usize, start: i32, end: i32): void {
  let i = start;
  while (i < end) {
    const type = u8at(p + i);
    if (type == IPV4_OPT_EOL) return;
    if (type == IPV4_OPT_NOP) { i++; continue; }
    if (i + 1 >= end) return;
    const olen = <i32>u8at(p + i + 1);
    if (olen < 2 || i + olen > end) return;
    if ((type == IPV4_OPT_LSRR || type == IPV4_OPT_SSRR) && olen >= 7) {
      const pointer = <i32>u8at(p + i + 2);
      const last = i + olen - 4;
      if (pointer <= olen - 3) S.pseudoDstOffset = last;
    }
    i += olen;
  }
}

export function parseIpv4(p: usize, len: i32): i32 {
  const o = S.ipOffset;
  if (len - o < 20) return fail(STATUS_TRUNCATED, o);
  const vihl = u8at(p + o);
  if ((vihl >> 4) != 4) return fail(STATUS_BAD_IP_HEADER, o);
  const ihl = <i32>(vihl & 15) << 2;
  if (ihl < 20) return fail(STATUS_BAD_IP_HEADER, o);
  if (o + ihl > len) return fail(STATUS_TRUNCATED, o);
  // Checked as soon as the header is all here, so receivers get the verdict for every packet,
  // TCP or not, and need not sum the header again (RFC 791 §3.1, RFC 1122 §3.2.1.2).
  S.ipChecksumState = ipv4HeaderSum(p + o, <usize>ihl) == 0xffff ? 0 : 1;
  // Likewise the fragment bits, before the protocol check: fragments of any protocol are reassembled.
  S.fragmentField = <i32>be16(p + o + 6);
  const more = (S.fragmentField & 0x2000) != 0;
  const later = (S.fragmentField & 0x1fff) != 0;
  if (more || later) S.fragmentBits = FRAGMENT_BIT_FRAGMENT | (more ? FRAGMENT_BIT_MORE : 0) | (later ? FRAGMENT_BIT_LATER : 0);
  const total = <i32>be16(p + o + 2);
  if (total == 0) {
    // Segmentation offload: the capturing host saw one large datagram before the NIC split it
    // and wrote 0 as its length (tshark assumes the same). The capture is all there is.
    S.wireEnd = S.frameEnd == 0x7fffffff ? len : S.frameEnd;
  } else {
    if (total < ihl) return fail(STATUS_BAD_IP_HEADER, o + 2);
    S.wireEnd = o + total;
  }
  S.capturedEnd = min(len, S.wireEnd);
  S.reportedEnd = min(S.frameEnd, S.wireEnd);
  S.tos = <i32>u8at(p + o + 1);
  S.ipId = <i32>be16(p + o + 4);
  S.ttl = <i32>u8at(p + o + 8);
  S.srcOffset = o + 12;
  S.dstOffset = o + 16;
  S.pseudoSrcOffset = o + 12;
  S.pseudoDstOffset = o + 16;
  if (ihl > 20) scanIpv4Options(p, o + 20, o + ihl);
  if (u8at(p + o + 9) != PROTO_TCP) return fail(STATUS_NOT_TCP, o + 9);
  if ((S.fragmentField & 0x1fff) != 0) return fail(STATUS_FRAGMENT, o + 6);
  S.fragmented = (S.fragmentField & 0x2000) != 0;
  S.tcpOffset = o + ihl;
  return STATUS_OK;
}

/**
 * The TLV options of a hop-by-hop or destination options header. Two matter to the checksum:
 * a Jumbo Payload option (RFC 2675, hop-by-hop) gives the real datagram length, and a Home
 * Address option (RFC 6275, destination options) is the pseudo-header's source.
 */
function scanOptionsHeader(p: usize, start: i32, end: i32, hopByHop: bool, payloadLengthField: u32): void {
  let i = start;
  while (i < end) {
    const type = u8at(p + i);
    if (type == IPV6_OPT_PAD1) { i++; continue; }
    if (i + 1 >= end) return;
    const olen = <i32>u8at(p + i + 1);
    if (i + 2 + olen > end) return;
    if (hopByHop) {
      if (type == IPV6_OPT_JUMBO && olen == 4 && payloadLengthField == 0) {
        S.wireEnd = S.ipOffset + 40 + <i32>be32(p + i + 2);
      }
    } else if (type == IPV6_OPT_HOME_ADDRESS && olen == 16) {
      S.pseudoSrcOffset = i + 2;
    }
    i += 2 + olen;
  }
}

/**
 * Routing header with segments left: the pseudo-header's destination is the final one
 * (RFC 8200 §8.1): the last address of type 0, the one address of type 2, and segment 0 of a
 * segment routing header (type 4, RFC 8754), which lists segments in reverse.
 */
function scanRouting(p: usize, o: i32, hlen: i32): void {
  const type = u8at(p + o + 2);
  const segmentsLeft = u8at(p + o + 3);
  if (segmentsLeft == 0) return;
  const addresses = (hlen - 8) >> 4;
  if (addresses <= 0) return;
  if (type == 0) S.pseudoDstOffset = o + 8 + ((addresses - 1) << 4);
  else if (type == 2 || type == 4) S.pseudoDstOffset = o + 8;
}

export function parseIpv6(p: usize, len: i32): i32 {
  const o = S.ipOffset;
  if (len - o < 40) return fail(STATUS_TRUNCATED, o);
  const first = be32(p + o);
  if ((first >> 28) != 6) return fail(STATUS_BAD_IP_HEADER, o);
  S.tos = <i32>((first >> 20) & 0xff);
  S.flowLabel = <i32>(first & 0xfffff);
  const payloadLength = be16(p + o + 4);
  // A zero payload length is a jumbogram (resolved by its hop-by-hop option below) or a
  // segmentation-offload capture; until told otherwise the capture is the datagram.
  S.wireEnd = payloadLength == 0 ? (S.frameEnd == 0x7fffffff ? len : S.frameEnd) : o + 40 + <i32>payloadLength;
  S.ttl = <i32>u8at(p + o + 7);
  S.srcOffset = o + 8;
  S.dstOffset = o + 24;
  S.pseudoSrcOffset = o + 8;
  S.pseudoDstOffset = o + 24;
  S.ipChecksumState = 2;
  let next = u8at(p + o + 6);
  let off = o + 40;
  let headers = 0;
  while (next != PROTO_TCP) {
    if (next != IPV6_HOP_BY_HOP && next != IPV6_ROUTING && next != IPV6_FRAGMENT
      && next != IPV6_AUTH && next != IPV6_DEST_OPTIONS) {
      return fail(STATUS_NOT_TCP, off);
    }
    if (++headers > MAX_IPV6_HEADERS) return fail(STATUS_BAD_IP_HEADER, off);
    if (off + 2 > len) return fail(STATUS_TRUNCATED, off);
    let hlen: i32;
    if (next == IPV6_FRAGMENT) hlen = 8;
    else if (next == IPV6_AUTH) hlen = (<i32>u8at(p + off + 1) + 2) << 2;
    else hlen = (<i32>u8at(p + off + 1) + 1) << 3;
    if (off + hlen > len) return fail(STATUS_TRUNCATED, off);
    if (S.extensionCount < S.MAX_EXTENSIONS) {
      store<u8>(S.EXTENSIONS + S.extensionCount, <u8>next);
      S.extensionCount++;
    }
    if (next == IPV6_HOP_BY_HOP || next == IPV6_DEST_OPTIONS) {
      scanOptionsHeader(p, off + 2, off + hlen, next == IPV6_HOP_BY_HOP, payloadLength);
    } else if (next == IPV6_ROUTING) {
      scanRouting(p, off, hlen);
    } else if (next == IPV6_FRAGMENT) {
      const field = be16(p + off + 2);
      S.fragmentField = <i32>field;
      S.fragmentBits = FRAGMENT_BIT_FRAGMENT | ((field & 1) != 0 ? FRAGMENT_BIT_MORE : 0)
        | ((field & 0xfff8) != 0 ? FRAGMENT_BIT_LATER : 0);
      // A later fragment carries no transport header; say what it would have carried.
      if ((field & 0xfff8) != 0) return fail(u8at(p + off) == PROTO_TCP ? STATUS_FRAGMENT : STATUS_NOT_TCP, off);
      if (field & 1) S.fragmented = true;
    }
    if (off + hlen > S.wireEnd) return fail(STATUS_BAD_IP_HEADER, off);
    next = u8at(p + off);
    off += hlen;
  }
  S.capturedEnd = min(len, S.wireEnd);
  S.reportedEnd = min(S.frameEnd, S.wireEnd);
  S.tcpOffset = off;
  return STATUS_OK;
}
