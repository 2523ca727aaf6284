// encodePacket / encodeInto / encodeTcp: plain objects in, wire bytes out. Every value is checked
// here into one HeaderFields record; the JS header writer (encode-header.ts) lays out the
// headers and both checksums with the payload summed in WASM, and the WASM encoder takes what
// that writer does not lay out (an explicit option order, raw options, IPv4 options).

import { formatIpv4, formatIpv6, toAddress, type ParsedAddress } from '../base/address.js';
import { codec, type Codec } from './module.js';
import { SMALL_SUM_BYTES } from './checksum-small.js';
import { builtHeaders, HeaderFields, measureHeaders, payloadSum, TOO_LONG, writeHeaders } from './encode-header.js';
import {
  copyPayloadIn,
  LINUX_OPTION_ORDER,
  putOptionKind,
  putRawOption,
  putRequest,
  runEncoder,
} from './encode-request.js';
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

function int(name: string, value: unknown, max: number, fallback?: number): number {
  // Fast path, small enough for V8 to inline at each of the ~20 call sites: `>>> 0` maps every
  // number that is not an integer in 0..2^32-1 (NaN, fractions, negatives, too large) to a
  // different value. Number.isInteger is slower on V8's hot path.
  if (typeof value === 'number' && value >>> 0 === value && value <= max) return value;
  if (value === undefined && fallback !== undefined) return fallback;
  return otherInt(name, value, max, fallback);
}

/** int() for a missing required value or a bad one: throws. */
function otherInt(name: string, value: unknown, max: number, fallback: number | undefined): number {
  if (value === undefined && fallback === undefined) throw new TypeError(`${name} is required`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer 0..${max}, got ${String(value)}`);
  }
  return value;
}

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;

/**
 * The checked values of the packet being encoded, read by the JS header writer or copied into
 * the WASM encoder's request. One record for every call: no object per packet.
 */
const F = new HeaderFields();

// Every value is checked here, once, into F; the writers trust F. Both fillers return whether
// the JS header writer can lay out their part (see fill()).
function fillTcp(f: HeaderFields, tcp: TcpHeaderInit): boolean {
  if (typeof tcp !== 'object' || tcp === null) throw new TypeError('tcp must be an object');
  f.srcPort = int('tcp.srcPort', tcp.srcPort, U16);
  f.dstPort = int('tcp.dstPort', tcp.dstPort, U16);
  f.seq = int('tcp.seq', tcp.seq, U32, 0);
  f.ack = int('tcp.ack', tcp.ack, U32, 0);
  f.flags = int('tcp.flags', tcp.flags, 0xfff, 0);
  f.window = int('tcp.window', tcp.window, U16, 65535);
  f.urgentPointer = int('tcp.urgentPointer', tcp.urgentPointer, U16, 0);
  f.headerLength = int('tcp.headerLength', tcp.headerLength, 60, 0);

  const o = tcp.options ?? NO_OPTIONS;
  const mss = o.mss;
  f.mss = mss === undefined ? -1 : int('options.mss', mss, U16, 0);
  const scale = o.windowScale;
  f.windowScale = scale === undefined ? -1 : int('options.windowScale', scale, U8, 0);
  f.sackPermitted = !!o.sackPermitted;
  const ts = o.timestamp;
  f.timestamp = ts !== undefined;
  if (ts !== undefined) {
    f.tsValue = int('options.timestamp.value', ts.value, U32, 0);
    f.tsEcho = int('options.timestamp.echo', ts.echo, U32, 0);
  }
  const sack = o.sack;
  const sackCount = sack === undefined ? 0 : sack.length;
  if (sackCount > 4) throw new RangeError(`at most 4 SACK blocks fit in a header, got ${sackCount}`);
  const edges = f.sackEdges;
  for (let b = 0; b < sackCount; b++) {
    // Indexed, not destructured: destructuring goes through the iterator protocol.
    const block = sack![b]!;
    edges[2 * b] = int('SACK left edge', block[0], U32);
    edges[2 * b + 1] = int('SACK right edge', block[1], U32);
  }
  f.sackBlocks = sackCount;
  return o.kinds === undefined && (o.unknown === undefined || o.unknown.length === 0);
}

function fillIp(f: HeaderFields, ip: IpHeaderInit<AddressInit>, src: ParsedAddress, dst: ParsedAddress): boolean {
  const v6 = src.version === 6;
  const hop = v6 && ip.hopLimit !== undefined ? ip.hopLimit : ip.ttl;
  const tos = v6 && ip.trafficClass !== undefined ? ip.trafficClass : ip.tos;
  const offset = int('ip.fragmentOffset', ip.fragmentOffset, 0x1fff * 8, 0);
  if (offset % 8 !== 0) throw new RangeError('ip.fragmentOffset must be a multiple of 8');
  f.fragment = ((ip.dontFragment ?? true) ? 0x4000 : 0) | (ip.moreFragments ? 0x2000 : 0) | (offset / 8);
  const options = ip.options;
  const optionBytes = options === undefined ? 0 : options.length;
  if (optionBytes > 0 && v6) throw new TypeError('ip.options are IPv4 options; IPv6 extension headers are not encoded');
  if (optionBytes > 40) throw new RangeError('IPv4 options exceed 40 bytes');
  f.version = src.version;
  f.src = src.bytes;
  f.dst = dst.bytes;
  f.ttl = int('ip.ttl', hop, U8, 64);
  f.tos = int('ip.tos', tos, U8, 0);
  f.id = int('ip.id', ip.id, U16, 0);
  f.flowLabel = int('ip.flowLabel', ip.flowLabel, 0xfffff, 0);
  return optionBytes === 0;
}

function describe(a: ParsedAddress): string {
  return a.version === 4 ? formatIpv4(a.bytes) : formatIpv6(a.bytes);
}

/**
 * Checks the whole packet into F. Returns true when the JS header writer can lay it out: all
 * but an explicit option order, raw options and IPv4 options, which go to the WASM encoder.
 */
function fill(bare: boolean, ip: IpHeaderInit<AddressInit>, tcp: TcpHeaderInit, payload: Uint8Array): boolean {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  if (typeof ip !== 'object' || ip === null) throw new TypeError('ip must be an object with src and dst');
  const src = toAddress(ip.src);
  const dst = toAddress(ip.dst);
  if (src.version !== dst.version)
    throw new TypeError(`address families differ: ${describe(src)} and ${describe(dst)}`);
  const ipSimple = fillIp(F, ip, src, dst);
  const tcpSimple = fillTcp(F, tcp);
  F.bare = bare;
  return ipSimple && tcpSimple;
}

/**
 * The WASM encoder's way, for what fill() found the JS writer cannot lay out: builds the packet
 * in the codec's encode area and returns its address in WASM memory; its length is left in
 * `builtLength`. Nothing outside WASM memory is written, so a caller that finds the result does
 * not fit can still throw without a partial write.
 */
function encodeWithRequest(
  c: Codec,
  ip: IpHeaderInit<AddressInit>,
  tcp: TcpHeaderInit,
  payload: Uint8Array,
  payloadLength: number,
): number {
  const o = tcp.options ?? NO_OPTIONS;
  const raw = o.unknown ?? NO_RAW;
  if (raw.length > 40) throw new RangeError('too many raw options');
  const kinds = o.kinds;
  if (kinds !== undefined && kinds.length > 40) throw new RangeError('TCP options exceed 40 bytes');
  const payloadAt = copyPayloadIn(c, payload);
  putRequest(
    c,
    F,
    payloadLength,
    raw.length,
    kinds === undefined ? LINUX_OPTION_ORDER : kinds.length,
    ip.options ?? EMPTY,
  );
  let dataAt = 0;
  for (let r = 0; r < raw.length; r++) {
    const { kind, data } = raw[r]!;
    int('raw option kind', kind, U8);
    if (kind < 2) throw new RangeError('raw options cannot be EOL (0) or NOP (1); list those in kinds');
    if (!(data instanceof Uint8Array)) throw new TypeError('raw option data must be a Uint8Array');
    if (dataAt + data.length > 40 - 2) throw new RangeError('TCP options exceed 40 bytes');
    putRawOption(c, r, kind, data, dataAt);
    dataAt += data.length;
  }
  if (kinds !== undefined) {
    for (let k = 0; k < kinds.length; k++) putOptionKind(c, k, int('option kind', kinds[k], U8));
  }
  const start = runEncoder(c, payloadAt);
  builtLength = payloadAt + payloadLength - start;
  return start;
}

/** Length of the packet the last encodeWithRequest built (module state: saves an object per call). */
let builtLength = 0;

/**
 * The packet whose headers writeHeaders just built, as a new array: the headers, then `n`
 * payload bytes. Up to 64 bytes V8 keeps a typed array's bytes on its own heap, and copying
 * the headers with the Uint8Array constructor is cheapest (measured for 52 B: 29 ns, against
 * 43 ns for a new array + set and 84 ns for a pooled view + set). Past 64 bytes a fresh
 * ArrayBuffer costs about a microsecond and the pool (pool.ts) wins.
 */
function packetOf(total: number, payload: Uint8Array, n: number): Uint8Array {
  const headers = builtHeaders(total - n);
  if (n === 0 && total <= 64) return new Uint8Array(headers);
  const out = total <= 64 ? new Uint8Array(total) : allocBytes(total);
  out.set(headers);
  if (n > 0) out.set(payload, total - n);
  return out;
}

function run(
  c: Codec,
  bare: boolean,
  ip: IpHeaderInit<AddressInit>,
  tcp: TcpHeaderInit,
  payload: Uint8Array,
): Uint8Array {
  const simple = fill(bare, ip, tcp, payload);
  const n = payload.length; // read once: typed-array getters are not free
  if (n > 0xffff) throw new RangeError(TOO_LONG);
  if (simple) {
    const total = measureHeaders(F, n);
    const sum = payloadSum(c, payload, n);
    writeHeaders(F, n, sum);
    return packetOf(total, payload, n);
  }
  const start = encodeWithRequest(c, ip, tcp, payload, n);
  const length = builtLength;
  const out = allocBytes(length);
  // A view made with the constructor: subarray() goes through the species protocol, ~2x slower.
  out.set(new Uint8Array(c.memoryBuffer(), start, length));
  return out;
}

/** encodeInto found the packet longer than the room left in the target; nothing was written. */
export class EncodeSpaceError extends RangeError {
  /** Bytes the packet needs. */
  readonly needed: number;
  /** Bytes from `offset` to the end of the target. */
  readonly available: number;

  constructor(needed: number, available: number) {
    super(`the packet needs ${needed} bytes, the target has ${available} from the offset`);
    this.name = 'EncodeSpaceError';
    this.needed = needed;
    this.available = available;
  }
}

/** encodeInto on a given codec instance. */
export function encodeIntoWith(c: Codec, packet: PacketInit<AddressInit>, target: Uint8Array, offset = 0): number {
  if (typeof packet !== 'object' || packet === null) throw new TypeError('packet must be an object');
  if (!(target instanceof Uint8Array)) throw new TypeError('target must be a Uint8Array');
  const targetLength = target.length;
  if (typeof offset !== 'number' || offset >>> 0 !== offset || offset > targetLength) {
    throw new RangeError(`offset must be an integer 0..${targetLength}, got ${String(offset)}`);
  }
  const ip = packet.ip;
  const tcp = packet.tcp;
  const payload = packet.payload ?? EMPTY;
  const simple = fill(false, ip, tcp, payload);
  const n = payload.length;
  if (n > 0xffff) throw new RangeError(TOO_LONG);
  // Copying a payload into WASM memory (to sum or encode it there) may grow memory, and a
  // target inside WASM memory (inputArea) would then read as empty: its place is read first.
  // Short payloads are summed in JS (payloadSum), so they never grow it, and a header-only
  // packet skips the read (reading byteOffset was ~15% of encodeInto for an ACK).
  const copies = !simple || n >= SMALL_SUM_BYTES;
  const targetOffset = copies ? target.byteOffset : 0;
  const generation = c.generation;
  let start = 0;
  let length: number;
  if (simple) {
    length = measureHeaders(F, n);
    if (length > targetLength - offset) throw new EncodeSpaceError(length, targetLength - offset);
  } else {
    start = encodeWithRequest(c, ip, tcp, payload, n);
    length = builtLength;
    if (length > targetLength - offset) throw new EncodeSpaceError(length, targetLength - offset);
  }
  const sum = simple ? payloadSum(c, payload, n) : 0;
  // A grow replaced memory.buffer: a target inside WASM memory now reads as empty.
  if (copies && c.generation !== generation && target.length !== targetLength)
    target = c.viewAt(targetOffset, targetLength);
  if (simple) {
    writeHeaders(F, n, sum);
    target.set(builtHeaders(length - n), offset);
    if (n > 0) target.set(payload, offset + length - n);
  } else {
    // TypedArray.prototype.set copies through a clone when source and target share a buffer,
    // so a target inside WASM memory is safe even if it overlaps the encoder's scratch area.
    target.set(new Uint8Array(c.memoryBuffer(), start, length), offset);
  }
  return length;
}

/**
 * encodePacket without the copy out: writes the packet into `target` at `offset` and returns
 * its length. `target` may be an ordinary Uint8Array (a Buffer, a frame under construction with
 * room for a link header) or a view of WASM memory from inputArea, which decodeBatch and
 * internetChecksum then read in place. When the packet does not fit, throws EncodeSpaceError
 * (a RangeError) and leaves `target` untouched.
 */
export function encodeInto(packet: PacketInit<AddressInit>, target: Uint8Array, offset = 0): number {
  return encodeIntoWith(codec(), packet, target, offset);
}

/** encodePacket on a given codec instance. */
export function encodePacketWith(c: Codec, packet: PacketInit<AddressInit>): Uint8Array {
  if (typeof packet !== 'object' || packet === null) throw new TypeError('packet must be an object');
  return run(c, false, packet.ip, packet.tcp, packet.payload ?? EMPTY);
}

/**
 * encodePacket through the WASM encoder for every packet, even those the JS header writer lays
 * out: the tests hold the two ways byte for byte (and error for error) equal. Not exported from
 * the package.
 * @internal
 */
export function encodePacketByRequest(packet: PacketInit<AddressInit>, bare = false): Uint8Array {
  const c = codec();
  const payload = packet.payload ?? EMPTY;
  fill(bare, packet.ip, packet.tcp, payload);
  const n = payload.length;
  if (n > 0xffff) throw new RangeError(TOO_LONG);
  const start = encodeWithRequest(c, packet.ip, packet.tcp, payload, n);
  return new Uint8Array(c.memoryBuffer(), start, builtLength).slice();
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
export function encodeTcp(
  tcp: TcpHeaderInit,
  payload: Uint8Array = EMPTY,
  addresses: { src: AddressInit; dst: AddressInit },
): Uint8Array {
  if (typeof addresses !== 'object' || addresses === null)
    throw new TypeError('encodeTcp needs { src, dst } addresses for the checksum');
  return run(codec(), true, { src: addresses.src, dst: addresses.dst }, tcp, payload);
}
