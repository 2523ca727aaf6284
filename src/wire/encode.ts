// encodePacket / encodeTcp: plain objects in, wire bytes out, checksums computed in WASM.

import { formatIpv4, formatIpv6, toAddress, type ParsedAddress } from '../base/address.js';
import { codec, type Codec } from './module.js';
import {
  beginOptions,
  copyPayloadIn,
  LINUX_OPTION_ORDER,
  putIpRequest,
  putMss,
  putOptionKind,
  putRawOption,
  putSackBlock,
  putSackPermitted,
  putTcpRequest,
  putTimestamp,
  putWindowScale,
  runEncoder,
  TOO_LONG,
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

// Every value is checked here; encode-request.ts writes it into the encoder's request record.
function writeTcp(c: Codec, tcp: TcpHeaderInit): void {
  if (typeof tcp !== 'object' || tcp === null) throw new TypeError('tcp must be an object');
  putTcpRequest(
    c,
    int('tcp.srcPort', tcp.srcPort, U16),
    int('tcp.dstPort', tcp.dstPort, U16),
    int('tcp.seq', tcp.seq, U32, 0),
    int('tcp.ack', tcp.ack, U32, 0),
    int('tcp.flags', tcp.flags, 0xfff, 0),
    int('tcp.window', tcp.window, U16, 65535),
    int('tcp.urgentPointer', tcp.urgentPointer, U16, 0),
    int('tcp.headerLength', tcp.headerLength, 60, 0),
  );

  const o = tcp.options ?? NO_OPTIONS;
  const sack = o.sack;
  const sackCount = sack?.length ?? 0;
  if (sackCount > 4) throw new RangeError(`at most 4 SACK blocks fit in a header, got ${sackCount}`);
  const raw = o.unknown ?? NO_RAW;
  if (raw.length > 40) throw new RangeError('too many raw options');
  const kinds = o.kinds;
  if (kinds !== undefined && kinds.length > 40) throw new RangeError('TCP options exceed 40 bytes');
  beginOptions(c, sackCount, raw.length, kinds === undefined ? LINUX_OPTION_ORDER : kinds.length);
  if (o.mss !== undefined) putMss(c, int('options.mss', o.mss, U16, 0));
  if (o.windowScale !== undefined) putWindowScale(c, int('options.windowScale', o.windowScale, U8, 0));
  if (o.sackPermitted) putSackPermitted(c);
  if (o.timestamp !== undefined) {
    putTimestamp(
      c,
      int('options.timestamp.value', o.timestamp.value, U32, 0),
      int('options.timestamp.echo', o.timestamp.echo, U32, 0),
    );
  }
  for (let b = 0; b < sackCount; b++) {
    // Indexed, not destructured: destructuring goes through the iterator protocol.
    const block = sack![b]!;
    putSackBlock(c, b, int('SACK left edge', block[0], U32), int('SACK right edge', block[1], U32));
  }
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
}

function writeIp(
  c: Codec,
  mode: 0 | 1,
  ip: IpHeaderInit<AddressInit>,
  src: ParsedAddress,
  dst: ParsedAddress,
  payloadLength: number,
): void {
  const hop = src.version === 6 && ip.hopLimit !== undefined ? ip.hopLimit : ip.ttl;
  const tos = src.version === 6 && ip.trafficClass !== undefined ? ip.trafficClass : ip.tos;
  const offset = int('ip.fragmentOffset', ip.fragmentOffset, 0x1fff * 8, 0);
  if (offset % 8 !== 0) throw new RangeError('ip.fragmentOffset must be a multiple of 8');
  const fragment = ((ip.dontFragment ?? true) ? 0x4000 : 0) | (ip.moreFragments ? 0x2000 : 0) | (offset / 8);
  const options = ip.options ?? EMPTY;
  if (options.length > 0 && src.version === 6)
    throw new TypeError('ip.options are IPv4 options; IPv6 extension headers are not encoded');
  if (options.length > 40) throw new RangeError('IPv4 options exceed 40 bytes');
  putIpRequest(
    c,
    src.version,
    mode,
    src.bytes,
    dst.bytes,
    payloadLength,
    int('ip.ttl', hop, U8, 64),
    int('ip.tos', tos, U8, 0),
    int('ip.id', ip.id, U16, 0),
    fragment,
    int('ip.flowLabel', ip.flowLabel, 0xfffff, 0),
    options,
  );
}

function describe(a: ParsedAddress): string {
  return a.version === 4 ? formatIpv4(a.bytes) : formatIpv6(a.bytes);
}

/** Length of the packet the last encodeAt built (module state: saves an object per call). */
let builtLength = 0;

/**
 * Builds the packet in the codec's encode area and returns its address in WASM memory; its
 * length is left in `builtLength`. Nothing outside WASM memory is written, so a caller that
 * finds the result does not fit can still throw without a partial write.
 */
function encodeAt(
  c: Codec,
  mode: 0 | 1,
  ip: IpHeaderInit<AddressInit>,
  tcp: TcpHeaderInit,
  payload: Uint8Array,
): number {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  if (typeof ip !== 'object' || ip === null) throw new TypeError('ip must be an object with src and dst');
  const src = toAddress(ip.src);
  const dst = toAddress(ip.dst);
  if (src.version !== dst.version)
    throw new TypeError(`address families differ: ${describe(src)} and ${describe(dst)}`);
  const payloadLength = payload.length; // read once: typed-array getters are not free
  if (payloadLength > 0xffff) throw new RangeError(TOO_LONG);
  const payloadAt = copyPayloadIn(c, payload);
  writeIp(c, mode, ip, src, dst, payloadLength);
  writeTcp(c, tcp);
  const start = runEncoder(c, payloadAt);
  builtLength = payloadAt + payloadLength - start;
  return start;
}

function run(
  c: Codec,
  mode: 0 | 1,
  ip: IpHeaderInit<AddressInit>,
  tcp: TcpHeaderInit,
  payload: Uint8Array,
): Uint8Array {
  const start = encodeAt(c, mode, ip, tcp, payload);
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
  // Read before encoding: if the target is a view of WASM memory (inputArea) and the encoder
  // grows memory, the view detaches and reads as length 0 afterwards.
  const targetLength = target.length;
  const targetOffset = target.byteOffset;
  const inWasm = target.buffer === c.memoryBuffer();
  if (typeof offset !== 'number' || offset >>> 0 !== offset || offset > targetLength) {
    throw new RangeError(`offset must be an integer 0..${targetLength}, got ${String(offset)}`);
  }
  const start = encodeAt(c, 0, packet.ip, packet.tcp, packet.payload ?? EMPTY);
  const length = builtLength;
  if (length > targetLength - offset) throw new EncodeSpaceError(length, targetLength - offset);
  const memory = c.memoryBuffer();
  if (inWasm && target.buffer !== memory) target = new Uint8Array(memory, targetOffset, targetLength);
  // TypedArray.prototype.set copies through a clone when source and target share a buffer, so
  // a target inside WASM memory is safe even if it overlaps the encoder's scratch area.
  target.set(new Uint8Array(memory, start, length), offset);
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
export function encodeTcp(
  tcp: TcpHeaderInit,
  payload: Uint8Array = EMPTY,
  addresses: { src: AddressInit; dst: AddressInit },
): Uint8Array {
  if (typeof addresses !== 'object' || addresses === null)
    throw new TypeError('encodeTcp needs { src, dst } addresses for the checksum');
  return run(codec(), 1, { src: addresses.src, dst: addresses.dst }, tcp, payload);
}
