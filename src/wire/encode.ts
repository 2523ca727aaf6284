// encodePacket / encodeTcp: plain objects in, wire bytes out, checksums computed in WASM.

import { formatIpv4, formatIpv6, toAddress, type ParsedAddress } from './address.js';
import { codec, type Codec } from './module.js';
import { allocBytes } from './pool.js';
import type { TcpOptions } from './types.js';

/** A TCP header to encode. Omitted fields are 0, except `window` (65535). */
export interface TcpHeaderInit {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  /** TcpFlags bits; the three reserved bits (0xe00) are written as given. */
  flags?: number;
  window?: number;
  urgentPointer?: number;
  /** Header length in bytes; zero padding is added after the options to reach it. */
  headerLength?: number;
  /** Ignored: the checksum is always computed. Present so a decoded header can be passed in. */
  checksum?: number;
  /**
   * With `kinds`, options are written in exactly that order (values from the typed fields, then
   * from `unknown` for repeated or unknown kinds); without, in Linux's order with NOP alignment.
   */
  options?: Partial<TcpOptions>;
}

/** An address as encodePacket / encodeTcp take it: text, or parsed once with parseAddress. */
export type AddressInit = string | ParsedAddress;

/**
 * IP header fields; the address family of `src`/`dst` selects IPv4 or IPv6. The encoders take
 * addresses as text or as ParsedAddress objects (`IpHeaderInit<AddressInit>`: parse once, encode
 * many times); text goes through a small cache of parsed addresses, so repeating the same
 * strings is cheap too. The type parameter defaults to string, as the fields always were.
 */
export interface IpHeaderInit<A extends AddressInit = string> {
  src: A;
  dst: A;
  /** IPv4 TTL, or IPv6 hop limit when `hopLimit` is absent. Default 64. */
  ttl?: number;
  hopLimit?: number;
  /** IPv4 TOS byte; IPv6 traffic class when `trafficClass` is absent. */
  tos?: number;
  trafficClass?: number;
  /** IPv4 identification. Default 0. */
  id?: number;
  /** IPv4 DF bit. Default true, as Linux sends TCP. */
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes, a multiple of 8. */
  fragmentOffset?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
  /** Raw IPv4 options (padded with EOL to a multiple of 4 bytes, at most 40). */
  options?: Uint8Array;
}

export interface PacketInit<A extends AddressInit = string> {
  ip: IpHeaderInit<A>;
  tcp: TcpHeaderInit;
  payload?: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const NO_RAW: NonNullable<TcpOptions['unknown']> = [];
const NO_OPTIONS: Partial<TcpOptions> = {};

/** Copies 4 or 16 address bytes: a loop beats TypedArray.set's fixed cost at this size. */
function putAddress(heap: Uint8Array, at: number, address: ParsedAddress): void {
  const b = address.bytes;
  for (let i = 0; i < b.length; i++) heap[at + i] = b[i]!;
}

function int(name: string, value: unknown, max: number, fallback?: number): number {
  // Fast path: `>>> 0` maps every number that is not an integer in 0..2^32-1 (NaN, fractions,
  // negatives, too large) to a different value. Number.isInteger is slower on V8's hot path.
  if (typeof value === 'number' && value >>> 0 === value && value <= max) return value;
  if (value === undefined) {
    if (fallback === undefined) throw new TypeError(`${name} is required`);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer 0..${max}, got ${String(value)}`);
  }
  return value;
}

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

function writeTcp(c: Codec, v: DataView, req: number, tcp: TcpHeaderInit): void {
  const E = c.layout.ENCODE;
  const B = c.layout.OPTION_BIT;
  if (typeof tcp !== 'object' || tcp === null) throw new TypeError('tcp must be an object');
  v.setUint16(req + E.SRC_PORT, int('tcp.srcPort', tcp.srcPort, U16), true);
  v.setUint16(req + E.DST_PORT, int('tcp.dstPort', tcp.dstPort, U16), true);
  v.setUint32(req + E.SEQ, int('tcp.seq', tcp.seq, U32, 0), true);
  v.setUint32(req + E.ACK, int('tcp.ack', tcp.ack, U32, 0), true);
  v.setUint16(req + E.FLAGS, int('tcp.flags', tcp.flags, 0xfff, 0), true);
  v.setUint16(req + E.WINDOW, int('tcp.window', tcp.window, U16, 65535), true);
  v.setUint16(req + E.URGENT, int('tcp.urgentPointer', tcp.urgentPointer, U16, 0), true);
  v.setUint16(req + E.HEADER_LENGTH, int('tcp.headerLength', tcp.headerLength, 60, 0), true);

  const o = tcp.options ?? NO_OPTIONS;
  let mask = 0;
  if (o.mss !== undefined) {
    mask |= B.MSS;
    v.setUint16(req + E.MSS, int('options.mss', o.mss, U16, 0), true);
  }
  if (o.windowScale !== undefined) {
    mask |= B.WSCALE;
    v.setUint8(req + E.WINDOW_SCALE, int('options.windowScale', o.windowScale, U8, 0));
  }
  if (o.sackPermitted) mask |= B.SACK_PERMITTED;
  if (o.timestamp !== undefined) {
    mask |= B.TIMESTAMP;
    v.setUint32(req + E.TS_VALUE, int('options.timestamp.value', o.timestamp.value, U32, 0), true);
    v.setUint32(req + E.TS_ECHO, int('options.timestamp.echo', o.timestamp.echo, U32, 0), true);
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    if (o.sack.length > 4) throw new RangeError(`at most 4 SACK blocks fit in a header, got ${o.sack.length}`);
    mask |= B.SACK;
    for (let b = 0; b < o.sack.length; b++) {
      // Indexed, not destructured: destructuring goes through the iterator protocol.
      const block = o.sack[b]!;
      v.setUint32(req + E.SACK + 8 * b, int('SACK left edge', block[0], U32), true);
      v.setUint32(req + E.SACK + 8 * b + 4, int('SACK right edge', block[1], U32), true);
    }
  }
  v.setUint8(req + E.SACK_COUNT, o.sack?.length ?? 0);
  v.setUint16(req + E.OPTION_MASK, mask, true);

  const raw = o.unknown ?? NO_RAW;
  if (raw.length > 40) throw new RangeError('too many raw options');
  let dataAt = 0;
  for (let r = 0; r < raw.length; r++) {
    const { kind, data } = raw[r]!;
    int('raw option kind', kind, U8);
    if (kind < 2) throw new RangeError('raw options cannot be EOL (0) or NOP (1); list those in kinds');
    if (!(data instanceof Uint8Array)) throw new TypeError('raw option data must be a Uint8Array');
    if (dataAt + data.length > 40 - 2) throw new RangeError('TCP options exceed 40 bytes');
    const entry = req + E.RAW + 4 * r;
    v.setUint8(entry, kind);
    v.setUint8(entry + 1, data.length + 2);
    v.setUint16(entry + 2, dataAt, true);
    c.bytes().set(data, req + E.RAW_DATA + dataAt);
    dataAt += data.length;
  }
  v.setUint8(req + E.RAW_COUNT, raw.length);

  if (o.kinds === undefined) {
    v.setUint8(req + E.KIND_COUNT, 255);
  } else {
    if (o.kinds.length > 40) throw new RangeError('TCP options exceed 40 bytes');
    for (let k = 0; k < o.kinds.length; k++) v.setUint8(req + E.KINDS + k, int('option kind', o.kinds[k], U8));
    v.setUint8(req + E.KIND_COUNT, o.kinds.length);
  }
}

function writeIp(c: Codec, v: DataView, req: number, ip: IpHeaderInit<AddressInit>, src: ParsedAddress): void {
  const E = c.layout.ENCODE;
  const hop = src.version === 6 && ip.hopLimit !== undefined ? ip.hopLimit : ip.ttl;
  v.setUint8(req + E.TTL, int('ip.ttl', hop, U8, 64));
  const tos = src.version === 6 && ip.trafficClass !== undefined ? ip.trafficClass : ip.tos;
  v.setUint8(req + E.TOS, int('ip.tos', tos, U8, 0));
  v.setUint16(req + E.IP_ID, int('ip.id', ip.id, U16, 0), true);
  const offset = int('ip.fragmentOffset', ip.fragmentOffset, 0x1fff * 8, 0);
  if (offset % 8 !== 0) throw new RangeError('ip.fragmentOffset must be a multiple of 8');
  const fragment = ((ip.dontFragment ?? true) ? 0x4000 : 0) | (ip.moreFragments ? 0x2000 : 0) | (offset / 8);
  v.setUint16(req + E.FRAGMENT_FIELD, fragment, true);
  v.setUint32(req + E.FLOW_LABEL, int('ip.flowLabel', ip.flowLabel, 0xfffff, 0), true);
  const options = ip.options ?? EMPTY;
  if (options.length > 0 && src.version === 6) throw new TypeError('ip.options are IPv4 options; IPv6 extension headers are not encoded');
  if (options.length > 40) throw new RangeError('IPv4 options exceed 40 bytes');
  v.setUint8(req + E.IP_OPTIONS_LENGTH, options.length);
  if (options.length > 0) c.bytes().set(options, req + E.IP_OPTIONS);
}

function encodeFailure(c: Codec, code: number): string {
  const E = c.layout.ENCODE;
  switch (code) {
    case E.OPTIONS_TOO_LONG: return 'TCP options exceed 40 bytes';
    case E.BAD_HEADER_LENGTH: return 'tcp.headerLength is below what the options need, above 60, or not a multiple of 4';
    case E.MISSING_OPTION: return 'options.kinds lists a kind that has no typed value or unknown[] entry left';
    case E.TOO_LONG: return TOO_LONG;
    case E.BAD_IP_OPTIONS: return 'IPv4 options exceed 40 bytes';
    default: return `encoder failed with code ${code}`;
  }
}

const TOO_LONG = 'the packet exceeds the 65535-byte IP length limit';

function describe(a: ParsedAddress): string {
  return a.version === 4 ? formatIpv4(a.bytes) : formatIpv6(a.bytes);
}

function run(c: Codec, mode: 0 | 1, ip: IpHeaderInit<AddressInit>, tcp: TcpHeaderInit, payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  if (typeof ip !== 'object' || ip === null) throw new TypeError('ip must be an object with src and dst');
  const src = toAddress(ip.src);
  const dst = toAddress(ip.dst);
  if (src.version !== dst.version) throw new TypeError(`address families differ: ${describe(src)} and ${describe(dst)}`);
  const payloadLength = payload.length; // read once: typed-array getters are not free
  if (payloadLength > 0xffff) throw new RangeError(TOO_LONG);
  const E = c.layout.ENCODE;
  const headroom = E.HEADROOM;
  // copyIn: the payload may be a view of the caller's input area, which a grow would detach.
  const payloadAt = c.copyIn(payload, headroom);
  const req = c.request;
  const heap = c.bytes();
  // No clearing of the request: every field the WASM encoder reads unconditionally is written
  // below, and the rest (option values, SACK blocks, kinds, raw and IP options) are read only
  // as far as the mask and counts written below say.
  putAddress(heap, req + E.SRC, src);
  putAddress(heap, req + E.DST, dst);
  const v = c.dataView();
  v.setUint8(req + E.IP_VERSION, src.version);
  v.setUint8(req + E.MODE, mode);
  v.setUint32(req + E.PAYLOAD_LENGTH, payloadLength, true);
  writeIp(c, v, req, ip, src);
  writeTcp(c, v, req, tcp);
  const start = c.exports.encode(req, payloadAt);
  if (start < 0) throw new RangeError(encodeFailure(c, -start));
  // A view made with the constructor: subarray() goes through the species protocol, ~2x slower.
  const length = payloadAt + payloadLength - start;
  const out = allocBytes(length);
  out.set(new Uint8Array(c.memoryBuffer(), start, length));
  return out;
}

/** encodePacket on a given codec instance. */
export function encodePacketWith(c: Codec, packet: PacketInit<AddressInit>): Uint8Array {
  if (typeof packet !== 'object' || packet === null) throw new TypeError('packet must be an object');
  return run(c, 0, packet.ip, packet.tcp, packet.payload ?? EMPTY);
}

/**
 * Builds an IPv4 or IPv6 packet (by the address family of ip.src / ip.dst) carrying the TCP
 * segment, with the IPv4 header checksum and the TCP checksum filled in. Small results share an
 * ArrayBuffer with others (like Node's Buffer pool): use byteOffset when viewing `.buffer`.
 */
export function encodePacket(packet: PacketInit<AddressInit>): Uint8Array {
  return encodePacketWith(codec(), packet);
}

/** Builds a bare TCP segment whose checksum covers the pseudo-header of `addresses`. */
export function encodeTcp(tcp: TcpHeaderInit, payload: Uint8Array = EMPTY,
  addresses: { src: AddressInit; dst: AddressInit }): Uint8Array {
  if (typeof addresses !== 'object' || addresses === null) throw new TypeError('encodeTcp needs { src, dst } addresses for the checksum');
  return run(codec(), 1, { src: addresses.src, dst: addresses.dst }, tcp, payload);
}
