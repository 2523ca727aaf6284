// The decode pipeline (link -> IP -> TCP) and the detail record it fills for the per-packet API;
// the batch API (batch.ts) writes its results as rows of typed-array columns instead.

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
