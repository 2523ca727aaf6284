// The WASM encoder's request record, written in one place, from the same HeaderFields the JS
// header writer (encode-header.ts) reads. encode.ts sends here only what that writer cannot lay
// out: an explicit option order (options.kinds), raw options (options.unknown), IPv4 options.
// Nothing else knows the record's field offsets.
//
// No clearing of the request between calls: every field the WASM encoder reads unconditionally
// is written by putRequest, and the rest (option values, SACK blocks, kinds, raw and IP options)
// are read only as far as the mask and counts say.

import { BAD_HEADER_LENGTH, OPTIONS_TOO_LONG, TOO_LONG, type HeaderFields } from './encode-header.js';
import type { Codec } from './module.js';

/** `kindCount` for putRequest: no explicit option order, Linux's with NOP alignment. */
export const LINUX_OPTION_ORDER = 255;

/** Copies `payload` into the copy area after the encoder's header room; returns its address. */
export function copyPayloadIn(c: Codec, payload: Uint8Array): number {
  // copyIn: the payload may be a view of the caller's input area, which a grow would detach.
  return c.copyIn(payload, c.layout.ENCODE.HEADROOM);
}

/** Copies 4 or 16 address bytes. */
function putAddress(heap: Uint8Array, at: number, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) heap[at + i] = bytes[i]!;
}

/**
 * Everything HeaderFields holds, the payload length, and the counts of what only the WASM
 * encoder lays out: `rawCount` raw options (putRawOption), `kindCount` explicit kinds
 * (putOptionKind) or LINUX_OPTION_ORDER, and the IPv4 options (at most 40 bytes).
 */
export function putRequest(
  c: Codec,
  f: HeaderFields,
  payloadLength: number,
  rawCount: number,
  kindCount: number,
  ipOptions: Uint8Array,
): void {
  const E = c.layout.ENCODE;
  const B = c.layout.OPTION_BIT;
  const req = c.request;
  const heap = c.bytes();
  const v = c.dataView();
  putAddress(heap, req + E.SRC, f.src);
  putAddress(heap, req + E.DST, f.dst);
  v.setUint8(req + E.IP_VERSION, f.version);
  v.setUint8(req + E.MODE, f.bare ? 1 : 0);
  v.setUint32(req + E.PAYLOAD_LENGTH, payloadLength, true);
  v.setUint8(req + E.TTL, f.ttl);
  v.setUint8(req + E.TOS, f.tos);
  v.setUint16(req + E.IP_ID, f.id, true);
  v.setUint16(req + E.FRAGMENT_FIELD, f.fragment, true);
  v.setUint32(req + E.FLOW_LABEL, f.flowLabel, true);
  const n = ipOptions.length;
  v.setUint8(req + E.IP_OPTIONS_LENGTH, n);
  if (n > 0) heap.set(ipOptions, req + E.IP_OPTIONS);

  v.setUint16(req + E.SRC_PORT, f.srcPort, true);
  v.setUint16(req + E.DST_PORT, f.dstPort, true);
  v.setUint32(req + E.SEQ, f.seq, true);
  v.setUint32(req + E.ACK, f.ack, true);
  v.setUint16(req + E.FLAGS, f.flags, true);
  v.setUint16(req + E.WINDOW, f.window, true);
  v.setUint16(req + E.URGENT, f.urgentPointer, true);
  v.setUint16(req + E.HEADER_LENGTH, f.headerLength, true);

  let mask = 0;
  if (f.mss >= 0) {
    mask |= B.MSS;
    v.setUint16(req + E.MSS, f.mss, true);
  }
  if (f.windowScale >= 0) {
    mask |= B.WSCALE;
    v.setUint8(req + E.WINDOW_SCALE, f.windowScale);
  }
  if (f.sackPermitted) mask |= B.SACK_PERMITTED;
  if (f.timestamp) {
    mask |= B.TIMESTAMP;
    v.setUint32(req + E.TS_VALUE, f.tsValue, true);
    v.setUint32(req + E.TS_ECHO, f.tsEcho, true);
  }
  const blocks = f.sackBlocks;
  if (blocks > 0) mask |= B.SACK;
  for (let k = 0; k < 2 * blocks; k++) v.setUint32(req + E.SACK + 4 * k, f.sackEdges[k]!, true);
  v.setUint16(req + E.OPTION_MASK, mask, true);
  v.setUint8(req + E.SACK_COUNT, blocks);
  v.setUint8(req + E.RAW_COUNT, rawCount);
  v.setUint8(req + E.KIND_COUNT, kindCount);
}

/** Raw option `index`: its kind and data (without kind and length bytes) at `dataAt` in the raw area. */
export function putRawOption(c: Codec, index: number, kind: number, data: Uint8Array, dataAt: number): void {
  const E = c.layout.ENCODE;
  const entry = c.request + E.RAW + 4 * index;
  const v = c.dataView();
  v.setUint8(entry, kind);
  v.setUint8(entry + 1, data.length + 2);
  v.setUint16(entry + 2, dataAt, true);
  c.bytes().set(data, c.request + E.RAW_DATA + dataAt);
}

/** Explicit option kind `index` (options written in exactly the order of these kinds). */
export function putOptionKind(c: Codec, index: number, kind: number): void {
  c.dataView().setUint8(c.request + c.layout.ENCODE.KINDS + index, kind);
}

/**
 * Runs the encoder on the filled request for the payload at `payloadAt` (from copyPayloadIn).
 * Returns the address where the packet starts; it ends at `payloadAt + payloadLength`.
 */
export function runEncoder(c: Codec, payloadAt: number): number {
  const start = c.exports.encode(c.request, payloadAt);
  if (start < 0) throw new RangeError(encodeFailure(c, -start));
  return start;
}

function encodeFailure(c: Codec, code: number): string {
  const E = c.layout.ENCODE;
  switch (code) {
    case E.OPTIONS_TOO_LONG:
      return OPTIONS_TOO_LONG;
    case E.BAD_HEADER_LENGTH:
      return BAD_HEADER_LENGTH;
    case E.MISSING_OPTION:
      return 'options.kinds lists a kind that has no typed value or unknown[] entry left';
    case E.TOO_LONG:
      return TOO_LONG;
    case E.BAD_IP_OPTIONS:
      return 'IPv4 options exceed 40 bytes';
    default:
      return `encoder failed with code ${code}`;
  }
}
