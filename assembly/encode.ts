// Serializes a TCP header with options, and optionally the IPv4 or IPv6 header in front of it,
// from an encode request record (layout.ts ENCODE_*). Both checksums are computed here.
//
// The caller places the payload in memory with at least ENCODE_HEADROOM bytes free before it;
// the headers are written backwards from the payload, so the payload is never copied.

import { storeBe16, storeBe32 } from './bytes';
import { onesSum, pseudoSum4, pseudoSum6 } from './checksum';
import * as L from './layout';
import { KIND_EOL, KIND_MSS, KIND_NOP, KIND_SACK, KIND_SACK_PERMITTED, KIND_TIMESTAMP, KIND_WSCALE } from './tcp';

const PROTO_TCP: u32 = 6;
const MAX_OPTION_BYTES: i32 = 40;
/** Scratch for the options being built; more than 40 bytes so an overlong list is detected. */
const OPTIONS: usize = memory.data(96);

// memory.copy / memory.fill are out-of-line calls in V8, costly next to the few bytes a header
// needs moved; these loops stay inline.

/** Copies n (<= 60) bytes, a word at a time. */
// @ts-ignore: decorator
@inline function copySmall(dst: usize, src: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) store<u32>(dst + i, load<u32>(src + i));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** Zeroes n (< 4: header padding) bytes. */
// @ts-ignore: decorator
@inline function zeroSmall(dst: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) store<u8>(dst + i, 0);
}

let optionLength: i32 = 0;
let failure: i32 = 0;
/** Which typed values have been written, and how many raw entries, in explicit-order mode. */
let usedTyped: i32 = 0;
let rawUsed: u64 = 0;

// @ts-ignore: decorator
@inline function put8(v: u32): void {
  if (optionLength < 96) store<u8>(OPTIONS + <usize>optionLength, <u8>v);
  optionLength++;
}

// @ts-ignore: decorator
@inline function put16(v: u32): void {
  if (optionLength + 2 <= 96) storeBe16(OPTIONS + <usize>optionLength, v);
  optionLength += 2;
}

// @ts-ignore: decorator
@inline function put32(v: u32): void {
  if (optionLength + 4 <= 96) storeBe32(OPTIONS + <usize>optionLength, v);
  optionLength += 4;
}

function putMss(req: usize): void {
  put8(KIND_MSS); put8(4); put16(<u32>load<u16>(req + L.ENCODE_MSS));
}

function putWindowScale(req: usize): void {
  put8(KIND_WSCALE); put8(3); put8(<u32>load<u8>(req + L.ENCODE_WINDOW_SCALE));
}

function putTimestamp(req: usize): void {
  put8(KIND_TIMESTAMP); put8(10);
  put32(load<u32>(req + L.ENCODE_TS_VALUE));
  put32(load<u32>(req + L.ENCODE_TS_ECHO));
}

function putSack(req: usize): void {
  const blocks = <i32>load<u8>(req + L.ENCODE_SACK_COUNT);
  put8(KIND_SACK); put8(2 + (blocks << 3));
  for (let b = 0; b < blocks; b++) {
    put32(load<u32>(req + L.ENCODE_SACK + (<usize>b << 3)));
    put32(load<u32>(req + L.ENCODE_SACK + (<usize>b << 3) + 4));
  }
}

function putRaw(req: usize, index: i32): void {
  const entry = req + L.ENCODE_RAW + (<usize>index << 2);
  const kind = <u32>load<u8>(entry);
  const total = <i32>load<u8>(entry, 1);
  const data = req + L.ENCODE_RAW_DATA + <usize>load<u16>(entry, 2);
  put8(kind);
  put8(<u32>total);
  for (let i = 0; i < total - 2; i++) put8(<u32>load<u8>(data + <usize>i));
}

// @ts-ignore: decorator
@inline function has(req: usize, bit: i32): bool {
  return (<i32>load<u16>(req + L.ENCODE_OPTION_MASK) & bit) != 0;
}

/**
 * Canonical layout, as Linux lays out its own options: MSS, SACK-permitted and timestamps
 * together, window scale after a NOP, SACK blocks after two NOPs, then any raw options.
 */
function buildCanonical(req: usize): void {
  if (has(req, L.OPTION_BIT_MSS)) putMss(req);
  const sackOk = has(req, L.OPTION_BIT_SACK_PERMITTED);
  const ts = has(req, L.OPTION_BIT_TIMESTAMP);
  if (sackOk && ts) {
    put8(KIND_SACK_PERMITTED); put8(2);
    putTimestamp(req);
  } else if (ts) {
    put8(KIND_NOP); put8(KIND_NOP);
    putTimestamp(req);
  } else if (sackOk) {
    put8(KIND_NOP); put8(KIND_NOP);
    put8(KIND_SACK_PERMITTED); put8(2);
  }
  if (has(req, L.OPTION_BIT_WSCALE)) {
    put8(KIND_NOP);
    putWindowScale(req);
  }
  if (has(req, L.OPTION_BIT_SACK)) {
    put8(KIND_NOP); put8(KIND_NOP);
    putSack(req);
  }
  const raws = <i32>load<u8>(req + L.ENCODE_RAW_COUNT);
  for (let r = 0; r < raws; r++) putRaw(req, r);
}

/** Takes the typed value for `kind` the first time it is asked for; later ones come raw. */
function takeTyped(req: usize, kind: u32, bit: i32): bool {
  if (!has(req, bit) || (usedTyped & bit) != 0) return false;
  usedTyped |= bit;
  return true;
}

/** The next unused raw entry of `kind`, or -1. */
function takeRaw(req: usize, kind: u32): i32 {
  const raws = <i32>load<u8>(req + L.ENCODE_RAW_COUNT);
  for (let r = 0; r < raws; r++) {
    const bit: u64 = <u64>1 << <u64>r;
    if ((rawUsed & bit) == 0 && <u32>load<u8>(req + L.ENCODE_RAW + (<usize>r << 2)) == kind) {
      rawUsed |= bit;
      return r;
    }
  }
  return -1;
}

/** Explicit order: every listed kind, typed value first, then raw entries of the same kind. */
function buildOrdered(req: usize, count: i32): void {
  usedTyped = 0;
  rawUsed = 0;
  for (let k = 0; k < count; k++) {
    const kind = <u32>load<u8>(req + L.ENCODE_KINDS + <usize>k);
    if (kind == KIND_EOL || kind == KIND_NOP) { put8(kind); continue; }
    if (kind == KIND_MSS && takeTyped(req, kind, L.OPTION_BIT_MSS)) { putMss(req); continue; }
    if (kind == KIND_WSCALE && takeTyped(req, kind, L.OPTION_BIT_WSCALE)) { putWindowScale(req); continue; }
    if (kind == KIND_SACK_PERMITTED && takeTyped(req, kind, L.OPTION_BIT_SACK_PERMITTED)) {
      put8(KIND_SACK_PERMITTED); put8(2);
      continue;
    }
    if (kind == KIND_SACK && takeTyped(req, kind, L.OPTION_BIT_SACK)) { putSack(req); continue; }
    if (kind == KIND_TIMESTAMP && takeTyped(req, kind, L.OPTION_BIT_TIMESTAMP)) { putTimestamp(req); continue; }
    const r = takeRaw(req, kind);
    if (r < 0) { failure = L.ENCODE_MISSING_OPTION; return; }
    putRaw(req, r);
  }
}

/**
 * Encodes the request at `req` around the payload at `payload` (length in the request).
 * Returns the address of the first byte written, or the negated ENCODE_* failure code.
 */
export function encode(req: usize, payload: usize): i32 {
  failure = L.ENCODE_OK;
  optionLength = 0;
  const kindCount = <i32>load<u8>(req + L.ENCODE_KIND_COUNT);
  if (kindCount == 255) buildCanonical(req);
  else buildOrdered(req, kindCount);
  if (failure != L.ENCODE_OK) return -failure;
  if (optionLength > MAX_OPTION_BYTES) return -L.ENCODE_OPTIONS_TOO_LONG;
  let hl = (20 + optionLength + 3) & ~3;
  const wanted = <i32>load<u16>(req + L.ENCODE_HEADER_LENGTH);
  if (wanted != 0) {
    if (wanted < hl || wanted > 60 || (wanted & 3) != 0) return -L.ENCODE_BAD_HEADER_LENGTH;
    hl = wanted;
  }
  const payloadLength = load<u32>(req + L.ENCODE_PAYLOAD_LENGTH);
  const segmentLength = <u32>hl + payloadLength;

  const tcp = payload - <usize>hl;
  storeBe16(tcp, <u32>load<u16>(req + L.ENCODE_SRC_PORT));
  storeBe16(tcp + 2, <u32>load<u16>(req + L.ENCODE_DST_PORT));
  storeBe32(tcp + 4, load<u32>(req + L.ENCODE_SEQ));
  storeBe32(tcp + 8, load<u32>(req + L.ENCODE_ACK));
  storeBe16(tcp + 12, (<u32>(hl >> 2) << 12) | (<u32>load<u16>(req + L.ENCODE_FLAGS) & 0x0fff));
  storeBe16(tcp + 14, <u32>load<u16>(req + L.ENCODE_WINDOW));
  store<u16>(tcp + 16, 0);
  storeBe16(tcp + 18, <u32>load<u16>(req + L.ENCODE_URGENT));
  copySmall(tcp + 20, OPTIONS, <usize>optionLength);
  zeroSmall(tcp + 20 + <usize>optionLength, <usize>(hl - 20 - optionLength));

  const version = <i32>load<u8>(req + L.ENCODE_IP_VERSION);
  const src = req + L.ENCODE_SRC;
  const dst = req + L.ENCODE_DST;
  const pseudo = version == 4
    ? pseudoSum4(src, dst, PROTO_TCP, segmentLength)
    : pseudoSum6(src, dst, PROTO_TCP, segmentLength);
  storeBe16(tcp + 16, ~onesSum(tcp, segmentLength, pseudo) & 0xffff);

  if (load<u8>(req + L.ENCODE_MODE) == 1) return <i32>tcp;
  if (version == 4) return <i32>writeIpv4(req, tcp, segmentLength);
  return <i32>writeIpv6(req, tcp, segmentLength);
}

function writeIpv4(req: usize, tcp: usize, segmentLength: u32): isize {
  const optionBytes = <i32>load<u8>(req + L.ENCODE_IP_OPTIONS_LENGTH);
  if (optionBytes > MAX_OPTION_BYTES) return -L.ENCODE_BAD_IP_OPTIONS;
  const ihl = (20 + optionBytes + 3) & ~3;
  const total = <u32>ihl + segmentLength;
  if (total > 0xffff) return -L.ENCODE_TOO_LONG;
  const ip = tcp - <usize>ihl;
  store<u8>(ip, <u8>(0x40 | (ihl >> 2)));
  store<u8>(ip, load<u8>(req + L.ENCODE_TOS), 1);
  storeBe16(ip + 2, total);
  storeBe16(ip + 4, <u32>load<u16>(req + L.ENCODE_IP_ID));
  storeBe16(ip + 6, <u32>load<u16>(req + L.ENCODE_FRAGMENT_FIELD));
  store<u8>(ip, load<u8>(req + L.ENCODE_TTL), 8);
  store<u8>(ip, <u8>PROTO_TCP, 9);
  store<u16>(ip + 10, 0);
  store<u32>(ip + 12, load<u32>(req + L.ENCODE_SRC));
  store<u32>(ip + 16, load<u32>(req + L.ENCODE_DST));
  copySmall(ip + 20, req + L.ENCODE_IP_OPTIONS, <usize>optionBytes);
  zeroSmall(ip + 20 + <usize>optionBytes, <usize>(ihl - 20 - optionBytes));
  storeBe16(ip + 10, ~onesSum(ip, <usize>ihl, 0) & 0xffff);
  return <isize>ip;
}

function writeIpv6(req: usize, tcp: usize, segmentLength: u32): isize {
  if (segmentLength > 0xffff) return -L.ENCODE_TOO_LONG;
  const ip = tcp - 40;
  const first = (<u32>6 << 28) | (<u32>load<u8>(req + L.ENCODE_TOS) << 20) | (load<u32>(req + L.ENCODE_FLOW_LABEL) & 0xfffff);
  storeBe32(ip, first);
  storeBe16(ip + 4, segmentLength);
  store<u8>(ip, <u8>PROTO_TCP, 6);
  store<u8>(ip, load<u8>(req + L.ENCODE_TTL), 7);
  copySmall(ip + 8, req + L.ENCODE_SRC, 16);
  copySmall(ip + 24, req + L.ENCODE_DST, 16);
  return <isize>ip;
}
