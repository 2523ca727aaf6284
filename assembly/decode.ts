// The decode pipeline (link -> IP -> TCP) and the two ways its results leave: one detail record
// for the friendly per-packet API, or one row of typed-array columns for the batch API.

import { frame, announcedVersion, versionNibble } from './link';
import { parseIpv4, parseIpv6 } from './ip';
import { parseTcp } from './tcp';
import * as S from './state';
import * as L from './layout';
import { STATUS_BAD_IP_HEADER, STATUS_OK, STATUS_TRUNCATED } from './status';

/** Clears what an earlier packet may have left in the state the stages fill in conditionally. */
// @ts-ignore: decorator
@inline function reset(): void {
  S.errorOffset = 0;
  S.ipVersion = 0;
  S.fragmented = false;
  S.fragmentField = 0;
  S.fragmentBits = 0;
  S.ipChecksumState = 2;
  S.ipId = 0;
  S.flowLabel = 0;
  S.extensionCount = 0;
  S.checksumState = 2;
  S.expectedChecksum = 0;
  S.optionMask = 0;
  S.optionCount = 0;
  S.sackCount = 0;
  S.mss = 0;
  S.windowScale = 0;
  S.tsValue = 0;
  S.tsEcho = 0;
}

/**
 * Decodes one frame of `len` captured bytes at `p` that was `originalLength` bytes on the wire
 * (0 when unknown); fills the state; returns a status.
 */
export function decodePacket(p: usize, len: i32, linkType: i32, verify: bool, originalLength: i32): i32 {
  reset();
  S.frameEnd = originalLength <= 0 ? 0x7fffffff : (originalLength < len ? len : originalLength);
  let status = frame(p, len, linkType);
  if (status != STATUS_OK) return status;
  const o = S.ipOffset;
  if (o >= len) {
    S.errorOffset = o;
    return STATUS_TRUNCATED;
  }
  const nibble = versionNibble(p + o);
  if (announcedVersion != 0 && nibble != announcedVersion) {
    S.errorOffset = o;
    return STATUS_BAD_IP_HEADER;
  }
  S.ipVersion = nibble;
  if (nibble == 4) status = parseIpv4(p, len);
  else if (nibble == 6) status = parseIpv6(p, len);
  else {
    S.errorOffset = o;
    return STATUS_BAD_IP_HEADER;
  }
  if (status != STATUS_OK) return status;
  return parseTcp(p, len, verify);
}

/** Copies n bytes rounded up to whole 4-byte words (n <= 160). */
// @ts-ignore: decorator
@inline function copyWords(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

/** Decodes one frame and writes the detail record at `out`. Returns the status. */
export function decodeDetail(p: usize, len: i32, linkType: i32, originalLength: i32, out: usize): i32 {
  S.listOptions = true;
  const status = decodePacket(p, len, linkType, true, originalLength);
  store<i32>(out + L.DETAIL_STATUS, status);
  store<i32>(out + L.DETAIL_ERROR_OFFSET, S.errorOffset);
  if (status != STATUS_OK) return status;
  store<u8>(out + L.DETAIL_IP_VERSION, <u8>S.ipVersion);
  store<u8>(out + L.DETAIL_CHECKSUM_STATE, <u8>S.checksumState);
  store<u8>(out + L.DETAIL_IP_CHECKSUM_STATE, <u8>S.ipChecksumState);
  store<u8>(out + L.DETAIL_FRAGMENTED, S.fragmented ? 1 : 0);
  store<u32>(out + L.DETAIL_IP_OFFSET, S.ipOffset);
  store<u32>(out + L.DETAIL_TCP_OFFSET, S.tcpOffset);
  store<u32>(out + L.DETAIL_WIRE_END, S.wireEnd);
  store<u32>(out + L.DETAIL_CAPTURED_END, S.capturedEnd);
  store<u32>(out + L.DETAIL_SRC_OFFSET, S.srcOffset);
  store<u32>(out + L.DETAIL_DST_OFFSET, S.dstOffset);
  store<u32>(out + L.DETAIL_PSEUDO_SRC_OFFSET, S.pseudoSrcOffset);
  store<u32>(out + L.DETAIL_PSEUDO_DST_OFFSET, S.pseudoDstOffset);
  store<u8>(out + L.DETAIL_TTL, <u8>S.ttl);
  store<u8>(out + L.DETAIL_TOS, <u8>S.tos);
  store<u8>(out + L.DETAIL_EXTENSION_COUNT, <u8>S.extensionCount);
  store<u8>(out + L.DETAIL_OPTION_COUNT, <u8>S.optionCount);
  store<u16>(out + L.DETAIL_IP_ID, <u16>S.ipId);
  store<u16>(out + L.DETAIL_FRAGMENT_FIELD, <u16>S.fragmentField);
  store<u32>(out + L.DETAIL_FLOW_LABEL, S.flowLabel);
  store<u16>(out + L.DETAIL_SRC_PORT, <u16>S.srcPort);
  store<u16>(out + L.DETAIL_DST_PORT, <u16>S.dstPort);
  store<u32>(out + L.DETAIL_SEQ, S.seq);
  store<u32>(out + L.DETAIL_ACK, S.ack);
  store<u16>(out + L.DETAIL_FLAGS, <u16>S.flags);
  store<u16>(out + L.DETAIL_WINDOW, <u16>S.window);
  store<u16>(out + L.DETAIL_CHECKSUM, <u16>S.checksum);
  store<u16>(out + L.DETAIL_URGENT, <u16>S.urgentPointer);
  store<u16>(out + L.DETAIL_EXPECTED_CHECKSUM, <u16>S.expectedChecksum);
  store<u16>(out + L.DETAIL_HEADER_LENGTH, <u16>S.headerLength);
  store<u32>(out + L.DETAIL_PAYLOAD_OFFSET, S.payloadOffset);
  store<u32>(out + L.DETAIL_PAYLOAD_CAPTURED, S.payloadCaptured);
  store<u32>(out + L.DETAIL_PAYLOAD_WIRE, S.payloadWire);
  store<u16>(out + L.DETAIL_OPTION_MASK, <u16>S.optionMask);
  store<u16>(out + L.DETAIL_MSS, <u16>S.mss);
  store<u8>(out + L.DETAIL_WINDOW_SCALE, <u8>S.windowScale);
  store<u8>(out + L.DETAIL_SACK_COUNT, <u8>S.sackCount);
  store<u32>(out + L.DETAIL_TS_VALUE, S.tsValue);
  store<u32>(out + L.DETAIL_TS_ECHO, S.tsEcho);
  // Word loops, not memory.copy: V8 makes that an out-of-line call, costly next to these few
  // bytes. Whole words may copy a little beyond the counts; the record has room and the
  // TypeScript side reads only as far as the counts say.
  copyWords(out + L.DETAIL_SACK, S.SACK_EDGES, <usize>S.sackCount << 3);
  copyWords(out + L.DETAIL_EXTENSIONS, S.EXTENSIONS, <usize>S.extensionCount);
  copyWords(out + L.DETAIL_OPTIONS, S.OPTION_LIST, <usize>S.optionCount << 2);
  return status;
}

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
  S.listOptions = false;
  for (let i = 0; i < count; i++) {
    const k = <usize>i;
    const lt = linkTypes ? <i32>load<u16>(linkTypes + (k << 1)) : linkType;
    const original = originals ? <i32>load<u32>(originals + (k << 2)) : 0;
    const status = decodePacket(data + <usize>load<u32>(offsets + (k << 2)), <i32>load<u32>(lengths + (k << 2)), lt, verify != 0, original);
    writeRow(k, status);
    if (status == STATUS_OK) good++;
  }
  return good;
}
