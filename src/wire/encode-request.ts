// The WASM encoder's request record, written in one place. Both ways into the encoder fill it
// through these helpers: encode.ts (encodePacket / encodeTcp: plain objects, every value checked
// there first) and encode-segment.ts (the engine's TcpSegment, values trusted). Nothing else
// knows the record's field offsets, so the two cannot drift apart.
//
// No clearing of the request between calls: every field the WASM encoder reads unconditionally
// is written by putIpRequest / putTcpRequest / beginOptions, and the rest (option values, SACK
// blocks, kinds, raw and IP options) are read only as far as the mask and counts say.

import type { Codec } from './module.js';

/** `kindCount` for beginOptions: no explicit option order, Linux's with NOP alignment. */
export const LINUX_OPTION_ORDER = 255;

/** Copies `payload` into the copy area after the encoder's header room; returns its address. */
export function copyPayloadIn(c: Codec, payload: Uint8Array): number {
  // copyIn: the payload may be a view of the caller's input area, which a grow would detach.
  return c.copyIn(payload, c.layout.ENCODE.HEADROOM);
}

/** Copies 4 or 16 address bytes: a loop beats TypedArray.set's fixed cost at this size. */
function putAddress(heap: Uint8Array, at: number, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) heap[at + i] = bytes[i]!;
}

/**
 * The IP part of the request and the payload length. `mode` 0 builds an IP packet, 1 a bare TCP
 * segment (checksummed over the addresses' pseudo-header). `fragmentField` is the IPv4 flags +
 * fragment offset field as on the wire (0x4000 = DF). `ipOptions`: IPv4 only, at most 40 bytes.
 */
export function putIpRequest(
  c: Codec,
  version: 4 | 6,
  mode: 0 | 1,
  src: Uint8Array,
  dst: Uint8Array,
  payloadLength: number,
  ttl: number,
  tos: number,
  id: number,
  fragmentField: number,
  flowLabel: number,
  ipOptions: Uint8Array | null,
): void {
  const E = c.layout.ENCODE;
  const req = c.request;
  const heap = c.bytes();
  putAddress(heap, req + E.SRC, src);
  putAddress(heap, req + E.DST, dst);
  const v = c.dataView();
  v.setUint8(req + E.IP_VERSION, version);
  v.setUint8(req + E.MODE, mode);
  v.setUint32(req + E.PAYLOAD_LENGTH, payloadLength, true);
  v.setUint8(req + E.TTL, ttl);
  v.setUint8(req + E.TOS, tos);
  v.setUint16(req + E.IP_ID, id, true);
  v.setUint16(req + E.FRAGMENT_FIELD, fragmentField, true);
  v.setUint32(req + E.FLOW_LABEL, flowLabel, true);
  const n = ipOptions === null ? 0 : ipOptions.length;
  v.setUint8(req + E.IP_OPTIONS_LENGTH, n);
  if (n > 0) heap.set(ipOptions!, req + E.IP_OPTIONS);
}

/** The fixed TCP header fields. `headerLength` 0 lets the encoder size the header itself. */
export function putTcpRequest(
  c: Codec,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  urgentPointer: number,
  headerLength: number,
): void {
  const E = c.layout.ENCODE;
  const req = c.request;
  const v = c.dataView();
  v.setUint16(req + E.SRC_PORT, srcPort, true);
  v.setUint16(req + E.DST_PORT, dstPort, true);
  v.setUint32(req + E.SEQ, seq, true);
  v.setUint32(req + E.ACK, ack, true);
  v.setUint16(req + E.FLAGS, flags, true);
  v.setUint16(req + E.WINDOW, window, true);
  v.setUint16(req + E.URGENT, urgentPointer, true);
  v.setUint16(req + E.HEADER_LENGTH, headerLength, true);
}

/**
 * Starts the option part: no typed options yet, `sackCount` blocks (written with putSackBlock),
 * `rawCount` raw options (putRawOption), and `kindCount` explicit kinds (putOptionKind) or
 * LINUX_OPTION_ORDER. The put* calls below add their bit to the option mask.
 */
export function beginOptions(c: Codec, sackCount: number, rawCount: number, kindCount: number): void {
  const E = c.layout.ENCODE;
  const req = c.request;
  const v = c.dataView();
  v.setUint16(req + E.OPTION_MASK, sackCount > 0 ? c.layout.OPTION_BIT.SACK : 0, true);
  v.setUint8(req + E.SACK_COUNT, sackCount);
  v.setUint8(req + E.RAW_COUNT, rawCount);
  v.setUint8(req + E.KIND_COUNT, kindCount);
}

function addOption(c: Codec, bit: number): void {
  const at = c.request + c.layout.ENCODE.OPTION_MASK;
  const v = c.dataView();
  v.setUint16(at, v.getUint16(at, true) | bit, true);
}

export function putMss(c: Codec, mss: number): void {
  c.dataView().setUint16(c.request + c.layout.ENCODE.MSS, mss, true);
  addOption(c, c.layout.OPTION_BIT.MSS);
}

export function putWindowScale(c: Codec, shift: number): void {
  c.dataView().setUint8(c.request + c.layout.ENCODE.WINDOW_SCALE, shift);
  addOption(c, c.layout.OPTION_BIT.WSCALE);
}

export function putSackPermitted(c: Codec): void {
  addOption(c, c.layout.OPTION_BIT.SACK_PERMITTED);
}

export function putTimestamp(c: Codec, value: number, echo: number): void {
  const E = c.layout.ENCODE;
  const v = c.dataView();
  v.setUint32(c.request + E.TS_VALUE, value, true);
  v.setUint32(c.request + E.TS_ECHO, echo, true);
  addOption(c, c.layout.OPTION_BIT.TIMESTAMP);
}

/** SACK block `index` (0..3) as absolute [left, right). */
export function putSackBlock(c: Codec, index: number, left: number, right: number): void {
  const at = c.request + c.layout.ENCODE.SACK + 8 * index;
  const v = c.dataView();
  v.setUint32(at, left, true);
  v.setUint32(at + 4, right, true);
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

export const TOO_LONG = 'the packet exceeds the 65535-byte IP length limit';

function encodeFailure(c: Codec, code: number): string {
  const E = c.layout.ENCODE;
  switch (code) {
    case E.OPTIONS_TOO_LONG:
      return 'TCP options exceed 40 bytes';
    case E.BAD_HEADER_LENGTH:
      return 'tcp.headerLength is below what the options need, above 60, or not a multiple of 4';
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
