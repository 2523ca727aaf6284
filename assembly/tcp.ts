// TCP header and options (RFC 9293 §3.1, RFC 7323, RFC 2018), and checksum verification.

import { be16, be32, u8at } from './bytes';
import { onesSum, pseudoSum4, pseudoSum6, fold32 } from './checksum';
import * as S from './state';
import {
  STATUS_BAD_DATA_OFFSET, STATUS_BAD_IP_HEADER, STATUS_BAD_OPTION, STATUS_OK, STATUS_TRUNCATED,
} from './status';

export const KIND_EOL: u32 = 0;
export const KIND_NOP: u32 = 1;
export const KIND_MSS: u32 = 2;
export const KIND_WSCALE: u32 = 3;
export const KIND_SACK_PERMITTED: u32 = 4;
export const KIND_SACK: u32 = 5;
export const KIND_TIMESTAMP: u32 = 8;

const PROTO_TCP: u32 = 6;

// @ts-ignore: decorator
@inline function fail(status: i32, offset: i32): i32 {
  S.errorOffset = offset;
  return status;
}

// @ts-ignore: decorator
@inline function recordOption(kind: u32, offset: i32, length: i32, typed: bool): void {
  // Only the detail record lists options; batch rows have no column for them.
  if (S.listOptions && S.optionCount < S.MAX_OPTIONS) {
    // One little-endian word: kind, offset, length, typed flag in byte order.
    store<u32>(S.OPTION_LIST + (<usize>S.optionCount << 2),
      (kind & 0xff) | ((<u32>offset & 0xff) << 8) | ((<u32>length & 0xff) << 16) | (typed ? 0x1000000 : 0));
    S.optionCount++;
  }
}

/**
 * Which well-known kinds have been met. The typed value of a kind is its first occurrence, and
 * only if that occurrence is well formed; every other occurrence stays raw. That rule lets the
 * encoder put each option back where it was.
 */
let seenKinds: u32 = 0;

/** Takes the first occurrence of a kind as typed if its length is right. */
// @ts-ignore: decorator
@inline function claim(kind: u32, wellFormed: bool): bool {
  const bit: u32 = 1 << kind;
  const first = (seenKinds & bit) == 0;
  seenKinds |= bit;
  if (first && !wellFormed) S.optionMask |= S.OPT_OTHER;
  return first && wellFormed;
}

/** Parses options between the fixed header and `end`; a malformed list is BAD_OPTION. */
function parseOptions(p: usize, tcp: i32, end: i32): i32 {
  let i = tcp + 20;
  while (i < end) {
    const kind = u8at(p + i);
    // EOL ends the list, but what follows it is padding that a capture still shows, so it is
    // walked like tshark does: the kind list then covers every byte of the header.
    if (kind <= KIND_NOP) {
      recordOption(kind, i - tcp, 1, false);
      i++;
      continue;
    }
    if (i + 1 >= end) return fail(STATUS_BAD_OPTION, i);
    const olen = <i32>u8at(p + i + 1);
    if (olen < 2 || i + olen > end) return fail(STATUS_BAD_OPTION, i + 1);
    let typed = false;
    const q = p + i + 2;
    if (kind == KIND_MSS) {
      if ((typed = claim(kind, olen == 4))) {
        S.mss = be16(q);
        S.optionMask |= S.OPT_MSS;
      }
    } else if (kind == KIND_WSCALE) {
      if ((typed = claim(kind, olen == 3))) {
        S.windowScale = u8at(q);
        S.optionMask |= S.OPT_WSCALE;
      }
    } else if (kind == KIND_SACK_PERMITTED) {
      if ((typed = claim(kind, olen == 2))) S.optionMask |= S.OPT_SACK_PERMITTED;
    } else if (kind == KIND_SACK) {
      const blocks = (olen - 2) >> 3;
      if ((typed = claim(kind, olen >= 10 && ((olen - 2) & 7) == 0 && blocks <= S.MAX_SACK_BLOCKS))) {
        for (let b = 0; b < blocks; b++) {
          store<u32>(S.SACK_EDGES + (<usize>b << 3), be32(q + (<usize>b << 3)));
          store<u32>(S.SACK_EDGES + (<usize>b << 3), be32(q + (<usize>b << 3) + 4), 4);
        }
        S.sackCount = blocks;
        S.optionMask |= S.OPT_SACK;
      }
    } else if (kind == KIND_TIMESTAMP) {
      if ((typed = claim(kind, olen == 10))) {
        S.tsValue = be32(q);
        S.tsEcho = be32(q + 4);
        S.optionMask |= S.OPT_TIMESTAMP;
      }
    } else {
      S.optionMask |= S.OPT_OTHER;
    }
    recordOption(kind, i - tcp, olen, typed);
    i += olen;
  }
  return STATUS_OK;
}

/**
 * The options of a header whose fixed part starts at `tcp` and whose option area ends at `end`,
 * for the batch's fast path: fills only S.optionMask, mss, windowScale, tsValue and tsEcho (and
 * the SACK edges, unused there). Returns STATUS_OK or BAD_OPTION as parseTcp would.
 */
export function parseOptionValues(p: usize, tcp: i32, end: i32): i32 {
  S.optionMask = 0;
  S.mss = 0;
  S.windowScale = 0;
  S.tsValue = 0;
  S.tsEcho = 0;
  seenKinds = 0;
  return parseOptions(p, tcp, end);
}

/** Decodes the TCP header at S.tcpOffset; verifies the checksum when `verify` is set. */
export function parseTcp(p: usize, len: i32, verify: bool): i32 {
  const o = S.tcpOffset;
  if (S.wireEnd - o < 20) return fail(STATUS_BAD_IP_HEADER, o);
  if (len - o < 20) return fail(STATUS_TRUNCATED, o);
  S.srcPort = be16(p + o);
  S.dstPort = be16(p + o + 2);
  S.seq = be32(p + o + 4);
  S.ack = be32(p + o + 8);
  const word = be16(p + o + 12);
  const hl = <i32>(word >> 12) << 2;
  S.flags = word & 0x0fff;
  S.window = be16(p + o + 14);
  S.checksum = be16(p + o + 16);
  S.urgentPointer = be16(p + o + 18);
  S.headerLength = hl;
  if (hl < 20 || o + hl > S.wireEnd) return fail(STATUS_BAD_DATA_OFFSET, o + 12);
  if (o + hl > len) return fail(STATUS_TRUNCATED, o + 20);
  seenKinds = 0;
  if (hl > 20) {
    const status = parseOptions(p, o, o + hl);
    if (status != STATUS_OK) return status;
  }
  S.payloadOffset = o + hl;
  // Where the IP header claims more than the frame carried (tshark: "IPv4 total length exceeds
  // packet length"), the payload on the wire is what the frame held; the checksum is then
  // unverifiable because part of the datagram never arrived.
  S.payloadWire = S.reportedEnd - S.payloadOffset;
  S.payloadCaptured = S.capturedEnd - S.payloadOffset;
  if (verify) verifyChecksum(p);
  else S.checksumState = 3; // not checked: the caller asked for speed over verification
  return STATUS_OK;
}

/** Sets checksumState and expectedChecksum for the segment [tcpOffset, wireEnd). */
function verifyChecksum(p: usize): void {
  if (S.fragmented || S.capturedEnd < S.wireEnd) {
    S.checksumState = 2;
    return;
  }
  const length = <u32>(S.wireEnd - S.tcpOffset);
  const pseudo = S.ipVersion == 4
    ? pseudoSum4(p + S.pseudoSrcOffset, p + S.pseudoDstOffset, PROTO_TCP, length)
    : pseudoSum6(p + S.pseudoSrcOffset, p + S.pseudoDstOffset, PROTO_TCP, length);
  const sum = onesSum(p + S.tcpOffset, length, pseudo);
  S.checksumState = sum == 0xffff ? 0 : 1;
  // The sum with the checksum field taken back out, complemented: what the field should hold.
  S.expectedChecksum = ~fold32(sum + (~S.checksum & 0xffff)) & 0xffff;
}
