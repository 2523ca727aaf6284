// decodeBatch: many frames per call, one row of typed-array columns per frame.
//
// Most captured TCP is one of a few shapes: Ethernet or raw IP, an IPv4 header without options
// that is not a fragment, or an IPv6 header straight to TCP; no options, or NOP NOP Timestamp.
// Those rows take a fast path that keeps the packet in locals and writes the columns directly:
// the general stages (link.ts, ip.ts, tcp.ts) keep their state in globals for the detail record
// and cost about three times as much per ACK. The fast path only ever produces a row that
// decodes; it hands every frame it does not fully handle (any error, fragments, IP options,
// extension headers, offload lengths) to the general path, so both give identical rows.

import { decodePacket } from './decode';
import { fold64, sumNative } from './checksum';
import { parseOptionValues } from './tcp';
import * as S from './state';
import * as L from './layout';
import { LINK_ETHERNET, LINK_IPV4, LINK_IPV6, LINK_RAW } from './link';
import { STATUS_OK } from './status';

// ---- Batch: column base pointers, set once per batch area by configureBatch().
let cStatus: usize = 0;
let cIpVersion: usize = 0;
let cChecksumState: usize = 0;
let cHeaderLength: usize = 0;
let cWindowScale: usize = 0;
let cOptionMask: usize = 0;
let cFlags: usize = 0;
let cSrcPort: usize = 0;
let cDstPort: usize = 0;
let cWindow: usize = 0;
let cUrgent: usize = 0;
let cChecksum: usize = 0;
let cMss: usize = 0;
let cSeq: usize = 0;
let cAck: usize = 0;
let cTsValue: usize = 0;
let cTsEcho: usize = 0;
let cPayloadOffset: usize = 0;
let cPayloadLength: usize = 0;
let cPayloadWireLength: usize = 0;
let cSrcAddressOffset: usize = 0;
let cDstAddressOffset: usize = 0;
let cIpChecksumState: usize = 0;
let cFragment: usize = 0;

/** Points the batch columns at an area of `capacity` rows starting at `base`. */
export function configureBatch(base: usize, capacity: i32): void {
  cStatus = base + L.columnOffset(L.COLUMN_STATUS, capacity);
  cIpVersion = base + L.columnOffset(L.COLUMN_IP_VERSION, capacity);
  cChecksumState = base + L.columnOffset(L.COLUMN_CHECKSUM_STATE, capacity);
  cHeaderLength = base + L.columnOffset(L.COLUMN_HEADER_LENGTH, capacity);
  cWindowScale = base + L.columnOffset(L.COLUMN_WINDOW_SCALE, capacity);
  cOptionMask = base + L.columnOffset(L.COLUMN_OPTION_MASK, capacity);
  cFlags = base + L.columnOffset(L.COLUMN_FLAGS, capacity);
  cSrcPort = base + L.columnOffset(L.COLUMN_SRC_PORT, capacity);
  cDstPort = base + L.columnOffset(L.COLUMN_DST_PORT, capacity);
  cWindow = base + L.columnOffset(L.COLUMN_WINDOW, capacity);
  cUrgent = base + L.columnOffset(L.COLUMN_URGENT, capacity);
  cChecksum = base + L.columnOffset(L.COLUMN_CHECKSUM, capacity);
  cMss = base + L.columnOffset(L.COLUMN_MSS, capacity);
  cSeq = base + L.columnOffset(L.COLUMN_SEQ, capacity);
  cAck = base + L.columnOffset(L.COLUMN_ACK, capacity);
  cTsValue = base + L.columnOffset(L.COLUMN_TS_VALUE, capacity);
  cTsEcho = base + L.columnOffset(L.COLUMN_TS_ECHO, capacity);
  cPayloadOffset = base + L.columnOffset(L.COLUMN_PAYLOAD_OFFSET, capacity);
  cPayloadLength = base + L.columnOffset(L.COLUMN_PAYLOAD_LENGTH, capacity);
  cPayloadWireLength = base + L.columnOffset(L.COLUMN_PAYLOAD_WIRE_LENGTH, capacity);
  cSrcAddressOffset = base + L.columnOffset(L.COLUMN_SRC_ADDRESS_OFFSET, capacity);
  cDstAddressOffset = base + L.columnOffset(L.COLUMN_DST_ADDRESS_OFFSET, capacity);
  cIpChecksumState = base + L.columnOffset(L.COLUMN_IP_CHECKSUM_STATE, capacity);
  cFragment = base + L.columnOffset(L.COLUMN_FRAGMENT, capacity);
}

// @ts-ignore: decorator
@inline function writeRow(i: usize, status: i32): void {
  store<u8>(cStatus + i, <u8>status);
  // IP-level facts whatever the status: the receiver needs them for packets that are not TCP.
  store<u8>(cIpChecksumState + i, <u8>S.ipChecksumState);
  store<u8>(cFragment + i, <u8>S.fragmentBits);
  const i2 = i << 1;
  const i4 = i << 2;
  // One branch per row rather than a select per column: rows are nearly always all OK or all not.
  if (status == STATUS_OK) {
    store<u8>(cIpVersion + i, <u8>S.ipVersion);
    store<u8>(cChecksumState + i, <u8>S.checksumState);
    store<u8>(cHeaderLength + i, <u8>S.headerLength);
    store<u8>(cWindowScale + i, <u8>S.windowScale);
    store<u8>(cOptionMask + i, <u8>S.optionMask);
    store<u16>(cFlags + i2, <u16>S.flags);
    store<u16>(cSrcPort + i2, <u16>S.srcPort);
    store<u16>(cDstPort + i2, <u16>S.dstPort);
    store<u16>(cWindow + i2, <u16>S.window);
    store<u16>(cUrgent + i2, <u16>S.urgentPointer);
    store<u16>(cChecksum + i2, <u16>S.checksum);
    store<u16>(cMss + i2, <u16>S.mss);
    store<u32>(cSeq + i4, S.seq);
    store<u32>(cAck + i4, S.ack);
    store<u32>(cTsValue + i4, S.tsValue);
    store<u32>(cTsEcho + i4, S.tsEcho);
    store<u32>(cPayloadOffset + i4, S.payloadOffset);
    store<u32>(cPayloadLength + i4, S.payloadCaptured);
    store<u32>(cPayloadWireLength + i4, S.payloadWire);
    store<u32>(cSrcAddressOffset + i4, S.srcOffset);
    store<u32>(cDstAddressOffset + i4, S.dstOffset);
  } else {
    store<u8>(cIpVersion + i, 0);
    store<u8>(cChecksumState + i, 2);
    store<u8>(cHeaderLength + i, 0);
    store<u8>(cWindowScale + i, 0);
    store<u8>(cOptionMask + i, 0);
    store<u16>(cFlags + i2, 0);
    store<u16>(cSrcPort + i2, 0);
    store<u16>(cDstPort + i2, 0);
    store<u16>(cWindow + i2, 0);
    store<u16>(cUrgent + i2, 0);
    store<u16>(cChecksum + i2, 0);
    store<u16>(cMss + i2, 0);
    store<u32>(cSeq + i4, 0);
    store<u32>(cAck + i4, 0);
    store<u32>(cTsValue + i4, 0);
    store<u32>(cTsEcho + i4, 0);
    store<u32>(cPayloadOffset + i4, 0);
    store<u32>(cPayloadLength + i4, 0);
    store<u32>(cPayloadWireLength + i4, 0);
    store<u32>(cSrcAddressOffset + i4, 0);
    store<u32>(cDstAddressOffset + i4, 0);
  }
}

/** Whether decodeBatch tries the fast path; tests turn it off to compare the two paths' rows. */
let fastPath = true;

/** Rows the fast path decoded since the module started (tests check that it is exercised). */
let fastRows = 0;

export function setBatchFastPath(on: i32): void {
  fastPath = on != 0;
}

export function batchFastRows(): i32 {
  return fastRows;
}

/** fastRow's answer when the frame needs the general path. */
const SLOW: i32 = -1;

/** NOP NOP kind 8 length 10 as a little-endian word: the Timestamp layout Linux and BSD send. */
const NOP_NOP_TIMESTAMP: u32 = 0x0a080101;
/** NOP NOP kind 5 (SACK), the first three bytes of a little-endian word; the fourth is its length. */
const NOP_NOP_SACK: u32 = 0x050101;

// @ts-ignore: decorator
@inline function swap16(x: u32): u32 {
  return ((x & 0xff) << 8) | ((x >> 8) & 0xff);
}

// @ts-ignore: decorator
@inline function min(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/**
 * Decodes a frame of a common shape into row i and returns STATUS_OK, or returns SLOW having
 * written nothing. Header words are loaded once, little-endian, and serve both the fields
 * (byte-swapped in pairs) and the checksums (summed as they are: see sumNative).
 */
// @ts-ignore: decorator
@inline function fastRow(p: usize, len: i32, linkType: i32, verify: bool, original: i32, i: usize): i32 {
  let o = 0;
  let version: u32 = 0;
  if (linkType == LINK_ETHERNET) {
    if (len < 14) return SLOW;
    // The EtherType as loaded little-endian: 0x0800 reads 0x0008, 0x86dd reads 0xdd86.
    const type = <u32>load<u16>(p + 12);
    if (type == 0x0008) version = 4;
    else if (type == 0xdd86) version = 6;
    else return SLOW;
    o = 14;
  } else if (linkType == LINK_RAW || linkType == LINK_IPV4 || linkType == LINK_IPV6) {
    if (len < 1) return SLOW;
    version = <u32>load<u8>(p) >> 4;
    if ((linkType == LINK_IPV4 && version != 4) || (linkType == LINK_IPV6 && version != 6)) return SLOW;
  } else {
    return SLOW;
  }
  const q = p + <usize>o;
  let wireEnd: i32;
  let tcp: i32;
  let pseudo: u64;
  let ipChecksumState: u32;
  let src: i32;
  if (version == 4) {
    // IPv4 header and the TCP fixed header captured; version 4, IHL 5 (no options).
    if (len - o < 40) return SLOW;
    const w0 = load<u32>(q);
    if ((w0 & 0xff) != 0x45) return SLOW;
    const w1 = load<u32>(q, 4);
    // MF or a fragment offset (flags word & 0x3fff, byte-swapped): the general path.
    if ((w1 >> 16) & 0xff3f) return SLOW;
    const w2 = load<u32>(q, 8);
    if (((w2 >> 8) & 0xff) != 6) return SLOW;
    const total = <i32>swap16(w0 >> 16);
    // 0 is a segmentation-offload capture; both it and a length below the header go the general way.
    if (total < 20) return SLOW;
    const addresses = <u64>load<u32>(q, 12) + <u64>load<u32>(q, 16);
    ipChecksumState = fold64(<u64>w0 + <u64>w1 + <u64>w2 + addresses) == 0xffff ? 0 : 1;
    pseudo = addresses;
    wireEnd = o + total;
    src = o + 12;
    tcp = o + 20;
  } else if (version == 6) {
    if (len - o < 60) return SLOW;
    const w0 = load<u32>(q);
    if ((w0 & 0xf0) != 0x60) return SLOW;
    const w1 = load<u32>(q, 4);
    // Next header TCP, no extension headers; a zero payload length (jumbogram, offload) is general.
    if (((w1 >> 16) & 0xff) != 6) return SLOW;
    const payload = <i32>swap16(w1 & 0xffff);
    if (payload == 0) return SLOW;
    const a = load<u64>(q, 8);
    const b = load<u64>(q, 16);
    const c = load<u64>(q, 24);
    const d = load<u64>(q, 32);
    pseudo = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32)
      + (c & 0xffffffff) + (c >> 32) + (d & 0xffffffff) + (d >> 32);
    ipChecksumState = 2;
    wireEnd = o + 40 + payload;
    src = o + 8;
    tcp = o + 40;
  } else {
    return SLOW;
  }

  if (wireEnd - tcp < 20) return SLOW;
  const t = p + <usize>tcp;
  const ports = load<u32>(t);
  const seq = load<u32>(t, 4);
  const ack = load<u32>(t, 8);
  const w3 = load<u32>(t, 12);
  const w4 = load<u32>(t, 16);
  const hl = <i32>((w3 & 0xf0) >> 2);
  if (hl < 20 || tcp + hl > wireEnd || tcp + hl > len) return SLOW;
  let mask: u32 = 0;
  let mss: u32 = 0;
  let windowScale: u32 = 0;
  let tsValue: u32 = 0;
  let tsEcho: u32 = 0;
  let sum: u64 = 0;
  if (hl == 32 && load<u32>(t, 20) == NOP_NOP_TIMESTAMP) {
    const value = load<u32>(t, 24);
    const echo = load<u32>(t, 28);
    tsValue = bswap<u32>(value);
    tsEcho = bswap<u32>(echo);
    mask = S.OPT_TIMESTAMP;
    sum = <u64>NOP_NOP_TIMESTAMP + <u64>value + <u64>echo;
  } else if (hl > 20) {
    const head = load<u32>(t, 20);
    if ((head & 0xffffff) == NOP_NOP_SACK && <i32>(head >> 24) == hl - 22 && hl >= 32 && ((hl - 24) & 7) == 0) {
      // NOP NOP SACK of 1 to 4 blocks filling the option area: a receiver's ACK without timestamps.
      mask = S.OPT_SACK;
    } else {
      if (parseOptionValues(p, tcp, tcp + hl) != STATUS_OK) return SLOW;
      mask = S.optionMask;
      mss = S.mss;
      windowScale = S.windowScale;
      tsValue = S.tsValue;
      tsEcho = S.tsEcho;
    }
    if (verify) for (let k = 20; k < hl; k += 4) sum += <u64>load<u32>(t + <usize>k);
  }
  const payloadOffset = tcp + hl;
  const frameEnd = original <= 0 ? 0x7fffffff : (original < len ? len : original);
  const capturedEnd = min(len, wireEnd);
  const reportedEnd = min(frameEnd, wireEnd);
  let checksumState: u32 = 3;
  if (verify) {
    if (capturedEnd < wireEnd) {
      checksumState = 2;
    } else {
      // Pseudo-header (addresses, protocol, TCP length < 2^16 here), header, options, payload.
      sum += pseudo + <u64>(0x0600 + swap16(<u32>(wireEnd - tcp)))
        + <u64>ports + <u64>seq + <u64>ack + <u64>w3 + <u64>w4;
      if (wireEnd > payloadOffset) sum += sumNative(p + <usize>payloadOffset, <usize>(wireEnd - payloadOffset));
      checksumState = fold64(sum) == 0xffff ? 0 : 1;
    }
  }
  const i2 = i << 1;
  const i4 = i << 2;
  const portWord = bswap<u32>(ports);
  const word3 = bswap<u32>(w3);
  const word4 = bswap<u32>(w4);
  store<u8>(cStatus + i, STATUS_OK);
  store<u8>(cIpChecksumState + i, <u8>ipChecksumState);
  store<u8>(cFragment + i, 0);
  store<u8>(cIpVersion + i, <u8>version);
  store<u8>(cChecksumState + i, <u8>checksumState);
  store<u8>(cHeaderLength + i, <u8>hl);
  store<u8>(cWindowScale + i, <u8>windowScale);
  store<u8>(cOptionMask + i, <u8>mask);
  store<u16>(cFlags + i2, <u16>((word3 >> 16) & 0x0fff));
  store<u16>(cSrcPort + i2, <u16>(portWord >> 16));
  store<u16>(cDstPort + i2, <u16>portWord);
  store<u16>(cWindow + i2, <u16>word3);
  store<u16>(cUrgent + i2, <u16>word4);
  store<u16>(cChecksum + i2, <u16>(word4 >> 16));
  store<u16>(cMss + i2, <u16>mss);
  store<u32>(cSeq + i4, bswap<u32>(seq));
  store<u32>(cAck + i4, bswap<u32>(ack));
  store<u32>(cTsValue + i4, tsValue);
  store<u32>(cTsEcho + i4, tsEcho);
  store<u32>(cPayloadOffset + i4, payloadOffset);
  store<u32>(cPayloadLength + i4, capturedEnd - payloadOffset);
  store<u32>(cPayloadWireLength + i4, reportedEnd - payloadOffset);
  store<u32>(cSrcAddressOffset + i4, src);
  store<u32>(cDstAddressOffset + i4, src + (version == 4 ? 4 : 16));
  return STATUS_OK;
}

/**
 * Decodes `count` frames of one buffer at `data`: frame i starts `offsets[i]` bytes in and is
 * `lengths[i]` bytes long, with link type `linkTypes[i]` (u16) or, when `linkTypes` is 0, the
 * single `linkType`, and original length `originals[i]` (u32; when `originals` is 0, unknown).
 * Row i of the configured columns describes frame i, with offsets relative to the frame's start.
 * Returns how many frames decoded as TCP.
 */
export function decodeBatch(
  data: usize, offsets: usize, lengths: usize, linkTypes: usize, linkType: i32, originals: usize, count: i32, verify: i32,
): i32 {
  let good = 0;
  let fast = 0;
  const check = verify != 0;
  const tryFast = fastPath;
  S.listOptions = false;
  for (let i = 0; i < count; i++) {
    const k = <usize>i;
    const lt = linkTypes ? <i32>load<u16>(linkTypes + (k << 1)) : linkType;
    const original = originals ? <i32>load<u32>(originals + (k << 2)) : 0;
    const p = data + <usize>load<u32>(offsets + (k << 2));
    const len = <i32>load<u32>(lengths + (k << 2));
    let status = tryFast ? fastRow(p, len, lt, check, original, k) : SLOW;
    if (status == SLOW) {
      status = decodePacket(p, len, lt, check, original);
      writeRow(k, status);
    } else {
      fast++;
    }
    if (status == STATUS_OK) good++;
  }
  fastRows += fast;
  return good;
}
