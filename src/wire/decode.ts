// decodeFrame / decodeIp: one frame in, one plain DecodedPacket out (or a DecodeError). The
// detail-record reading below is shared with decodeFrameInto (decoded-frame.ts), which refills
// one reused result instead.

import { DecodeError, type DecodeErrorCode } from './errors.js';
import { formatAddress, formatIpv4 } from '../base/address.js';
import { CHECKSUM_STATUS, LinkType } from './constants.js';
import { STATUS_NAMES } from './layout.js';
import { codec, type Codec } from './module.js';
import type { DecodedPacket, Ipv4Info, Ipv6Info, TcpHeader, TcpOptions } from './types.js';

const STATUS_MESSAGES: Record<Exclude<DecodeErrorCode, 'BAD_CAPTURE'>, string> = {
  TRUNCATED: 'the captured bytes end inside a header',
  BAD_DATA_OFFSET: 'TCP data offset is below 5 words or beyond the segment',
  BAD_OPTION: 'malformed TCP option list',
  NOT_TCP: 'the IP packet does not carry TCP',
  FRAGMENT: 'a non-first IP fragment carries no TCP header',
  BAD_IP_HEADER: 'malformed IP header',
  UNSUPPORTED_LINK: 'unsupported link type',
  NOT_IP: 'the link layer does not carry IP',
};

/** The DecodeError for a non-zero status from the WebAssembly decoder. */
export function statusError(status: number, offset: number, linkType: number): DecodeError {
  const code = STATUS_NAMES[status] as Exclude<DecodeErrorCode, 'BAD_CAPTURE'> | undefined;
  if (!code || (code as string) === 'OK') {
    return new DecodeError('BAD_IP_HEADER', `decoder returned unknown status ${status}`, offset);
  }
  const detail = code === 'UNSUPPORTED_LINK' ? ` ${linkType}` : ` (at byte ${offset})`;
  return new DecodeError(code, `${STATUS_MESSAGES[code]}${detail}`, offset);
}

/** The argument checks decodeFrame and decodeFrameInto make before touching the codec. */
export function checkInput(data: Uint8Array, linkType: number, originalLength: number | undefined): void {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  // `(x & 0xffff) === x` holds exactly for the integers 0..65535 (not NaN, fractions, -0 aside).
  if ((linkType & 0xffff) !== linkType || typeof linkType !== 'number') {
    throw new TypeError(`linkType must be an integer 0..65535, got ${String(linkType)}`);
  }
  if (
    originalLength !== undefined &&
    (!Number.isInteger(originalLength) || originalLength < 0 || originalLength > 0x7fffffff)
  ) {
    throw new TypeError(`originalLength must be a non-negative integer, got ${String(originalLength)}`);
  }
}

/**
 * Decodes one captured frame of the given pcap link type down to its TCP segment. The checksum
 * is verified against the IPv4/IPv6 pseudo-header. Throws DecodeError for anything that is not a
 * well-formed TCP segment.
 *
 * `originalLength` is the frame's length on the wire (a capture record's originalLength). When
 * given, an IP header that claims more bytes than the frame carried is bounded by it, as tshark
 * does; either way a datagram that is not wholly captured has an 'unverifiable' checksum.
 */
export function decodeFrame(data: Uint8Array, linkType: number, originalLength?: number): DecodedPacket {
  checkInput(data, linkType, originalLength);
  return decodeWith(codec(), data, linkType, originalLength);
}

/** Decodes a raw IPv4 or IPv6 packet (no link header). */
export function decodeIp(data: Uint8Array): DecodedPacket {
  return decodeFrame(data, LinkType.RAW);
}

/**
 * Where each detail-record field sits, as an index into the codec's 8-, 16- or 32-bit view of
 * WASM memory (the record is 64-byte aligned and every field naturally aligned), so a field is
 * one typed-array load: no DataView calls, no offset arithmetic per packet.
 */
export interface DetailIndex {
  codec: Codec;
  status: number;
  errorOffset: number;
  ipVersion: number;
  checksumState: number;
  ipChecksumState: number;
  ipOffset: number;
  tcpOffset: number;
  srcOffset: number;
  dstOffset: number;
  pseudoSrc: number;
  pseudoDst: number;
  ttl: number;
  tos: number;
  extensionCount: number;
  extensions: number;
  optionCount: number;
  options: number;
  ipId: number;
  fragment: number;
  flowLabel: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  expected: number;
  headerLength: number;
  payloadOffset: number;
  payloadCaptured: number;
  payloadWire: number;
  optionMask: number;
  mss: number;
  windowScale: number;
  sackCount: number;
  tsValue: number;
  tsEcho: number;
  sack: number;
}

let index: DetailIndex | undefined;

/** The detail record's field indexes for codec `c` (computed once per codec instance). */
export function detailIndex(c: Codec): DetailIndex {
  if (index !== undefined && index.codec === c) return index;
  const D = c.layout.DETAIL;
  const at = (field: number) => c.detail + field;
  return (index = {
    codec: c,
    status: at(D.STATUS) >>> 2,
    errorOffset: at(D.ERROR_OFFSET) >>> 2,
    ipVersion: at(D.IP_VERSION),
    checksumState: at(D.CHECKSUM_STATE),
    ipChecksumState: at(D.IP_CHECKSUM_STATE),
    ipOffset: at(D.IP_OFFSET) >>> 2,
    tcpOffset: at(D.TCP_OFFSET) >>> 2,
    srcOffset: at(D.SRC_OFFSET) >>> 2,
    dstOffset: at(D.DST_OFFSET) >>> 2,
    pseudoSrc: at(D.PSEUDO_SRC_OFFSET) >>> 2,
    pseudoDst: at(D.PSEUDO_DST_OFFSET) >>> 2,
    ttl: at(D.TTL),
    tos: at(D.TOS),
    extensionCount: at(D.EXTENSION_COUNT),
    extensions: at(D.EXTENSIONS),
    optionCount: at(D.OPTION_COUNT),
    options: at(D.OPTIONS),
    ipId: at(D.IP_ID) >>> 1,
    fragment: at(D.FRAGMENT_FIELD) >>> 1,
    flowLabel: at(D.FLOW_LABEL) >>> 2,
    srcPort: at(D.SRC_PORT) >>> 1,
    dstPort: at(D.DST_PORT) >>> 1,
    seq: at(D.SEQ) >>> 2,
    ack: at(D.ACK) >>> 2,
    flags: at(D.FLAGS) >>> 1,
    window: at(D.WINDOW) >>> 1,
    checksum: at(D.CHECKSUM) >>> 1,
    urgent: at(D.URGENT) >>> 1,
    expected: at(D.EXPECTED_CHECKSUM) >>> 1,
    headerLength: at(D.HEADER_LENGTH) >>> 1,
    payloadOffset: at(D.PAYLOAD_OFFSET) >>> 2,
    payloadCaptured: at(D.PAYLOAD_CAPTURED) >>> 2,
    payloadWire: at(D.PAYLOAD_WIRE) >>> 2,
    optionMask: at(D.OPTION_MASK) >>> 1,
    mss: at(D.MSS) >>> 1,
    windowScale: at(D.WINDOW_SCALE),
    sackCount: at(D.SACK_COUNT),
    tsValue: at(D.TS_VALUE) >>> 2,
    tsEcho: at(D.TS_ECHO) >>> 2,
    sack: at(D.SACK) >>> 2,
  });
}

/** decodeFrame on a given codec instance (tests use this to compare the SIMD and scalar builds). */
export function decodeWith(c: Codec, data: Uint8Array, linkType: number, originalLength = 0): DecodedPacket {
  const x = detailIndex(c);
  const ptr = c.placeCounted(data);
  const status = c.exports.decodeDetail(ptr, c.placedLength, linkType, originalLength, c.detail);
  // Views taken after the call: placing the input may have grown (and so replaced) memory.
  const h8 = c.bytes();
  const h16 = c.u16();
  const h32 = c.u32();
  if (status !== 0) throw statusError(status, h32[x.errorOffset]! | 0, linkType);

  const ipOffset = h32[x.ipOffset]!;
  const tcpOffset = h32[x.tcpOffset]!;
  const srcOffset = h32[x.srcOffset]!;
  const dstOffset = h32[x.dstOffset]!;
  // Addresses and IP fields are read from the placed copy in WASM memory: one monomorphic view.
  const ip =
    h8[x.ipVersion] === 4
      ? ipv4Info(h8, h16, x, ptr, ipOffset, srcOffset, dstOffset)
      : ipv6Info(h8, h32, x, ptr, ipOffset, srcOffset, dstOffset);

  const payloadOffset = h32[x.payloadOffset]!;
  const checksumState = h8[x.checksumState]!;
  const tcp: TcpHeader = {
    srcPort: h16[x.srcPort]!,
    dstPort: h16[x.dstPort]!,
    seq: h32[x.seq]!,
    ack: h32[x.ack]!,
    headerLength: h16[x.headerLength]!,
    flags: h16[x.flags]!,
    window: h16[x.window]!,
    checksum: h16[x.checksum]!,
    urgentPointer: h16[x.urgent]!,
    options: readOptions(c, h8, h16, h32, x, data, tcpOffset),
  };
  const payload = data.subarray(payloadOffset, payloadOffset + h32[x.payloadCaptured]!);
  const payloadLength = h32[x.payloadWire]!;
  const offsets = { ip: ipOffset, tcp: tcpOffset, payload: payloadOffset };
  // One literal per outcome, so every decoded packet of a kind shares one hidden class.
  const packet: DecodedPacket =
    checksumState !== 2
      ? {
          ip,
          tcp,
          payload,
          payloadLength,
          checksumStatus: CHECKSUM_STATUS[checksumState]!,
          offsets,
          expectedChecksum: h16[x.expected]!,
        }
      : { ip, tcp, payload, payloadLength, checksumStatus: 'unverifiable', offsets };
  const pseudoHeader = readPseudoHeader(h8, h32, x, ptr, srcOffset, dstOffset);
  if (pseudoHeader !== undefined) packet.pseudoHeader = pseudoHeader;
  return packet;
}

/** The checksum's pseudo-header addresses, when they are not the IP header's own (rare). */
export function readPseudoHeader(
  h8: Uint8Array,
  h32: Uint32Array,
  x: DetailIndex,
  ptr: number,
  srcOffset: number,
  dstOffset: number,
): { src: string; dst: string } | undefined {
  const pseudoSrc = h32[x.pseudoSrc]!;
  const pseudoDst = h32[x.pseudoDst]!;
  if (pseudoSrc === srcOffset && pseudoDst === dstOffset) return undefined;
  const version = h8[x.ipVersion] === 4 ? 4 : 6;
  return { src: formatAddress(h8, ptr + pseudoSrc, version), dst: formatAddress(h8, ptr + pseudoDst, version) };
}

function ipv4Info(
  h8: Uint8Array,
  h16: Uint16Array,
  x: DetailIndex,
  ptr: number,
  ipOffset: number,
  srcOffset: number,
  dstOffset: number,
): Ipv4Info {
  const fragment = h16[x.fragment]!;
  const at = ptr + ipOffset;
  const headerLength = (h8[at]! & 15) * 4;
  const ip: Ipv4Info = {
    version: 4,
    src: formatIpv4(h8, ptr + srcOffset),
    dst: formatIpv4(h8, ptr + dstOffset),
    ttl: h8[x.ttl]!,
    tos: h8[x.tos]!,
    id: h16[x.ipId]!,
    dontFragment: (fragment & 0x4000) !== 0,
    moreFragments: (fragment & 0x2000) !== 0,
    fragmentOffset: (fragment & 0x1fff) * 8,
    headerLength,
    totalLength: (h8[at + 2]! << 8) | h8[at + 3]!,
    headerChecksum: h8[x.ipChecksumState] === 0 ? 'good' : 'bad',
  };
  if (headerLength > 20) ip.options = h8.slice(at + 20, at + headerLength);
  return ip;
}

function ipv6Info(
  h8: Uint8Array,
  h32: Uint32Array,
  x: DetailIndex,
  ptr: number,
  ipOffset: number,
  srcOffset: number,
  dstOffset: number,
): Ipv6Info {
  const count = h8[x.extensionCount]!;
  const extensions = new Array<number>(count);
  for (let i = 0; i < count; i++) extensions[i] = h8[x.extensions + i]!;
  const at = ptr + ipOffset;
  return {
    version: 6,
    src: formatAddress(h8, ptr + srcOffset, 6),
    dst: formatAddress(h8, ptr + dstOffset, 6),
    hopLimit: h8[x.ttl]!,
    trafficClass: h8[x.tos]!,
    flowLabel: h32[x.flowLabel]!,
    payloadLength: (h8[at + 4]! << 8) | h8[at + 5]!,
    extensionHeaders: extensions,
  };
}

function readOptions(
  c: Codec,
  h8: Uint8Array,
  h16: Uint16Array,
  h32: Uint32Array,
  x: DetailIndex,
  data: Uint8Array,
  tcpOffset: number,
): TcpOptions {
  const count = h8[x.optionCount]!;
  if (count === 0) return { kinds: [] };
  const B = c.layout.OPTION_BIT;
  const kinds = new Array<number>(count);
  const options: TcpOptions = { kinds };
  const unknown = readOptionKinds(h8, x, count, kinds, data, tcpOffset);
  if (unknown !== undefined) options.unknown = unknown;
  const mask = h16[x.optionMask]!;
  if (mask === 0) return options;
  if (mask & B.MSS) options.mss = h16[x.mss]!;
  if (mask & B.WSCALE) options.windowScale = h8[x.windowScale]!;
  if (mask & B.SACK_PERMITTED) options.sackPermitted = true;
  if (mask & B.TIMESTAMP) options.timestamp = { value: h32[x.tsValue]!, echo: h32[x.tsEcho]! };
  if (mask & B.SACK) options.sack = readSack(h8, h32, x);
  return options;
}

/**
 * Writes the `count` option kinds into `kinds` (which has room for them) and returns the options
 * kept raw (copies out of `data`), or undefined when there are none.
 */
export function readOptionKinds(
  h8: Uint8Array,
  x: DetailIndex,
  count: number,
  kinds: number[],
  data: Uint8Array,
  tcpOffset: number,
): TcpOptions['unknown'] {
  let unknown: TcpOptions['unknown'];
  for (let i = 0; i < count; i++) {
    const entry = x.options + 4 * i;
    const kind = h8[entry]!;
    kinds[i] = kind;
    if (kind <= 1 || h8[entry + 3] === 1) continue;
    const start = tcpOffset + h8[entry + 1]!;
    (unknown ??= []).push({ kind, data: data.slice(start + 2, start + h8[entry + 2]!) });
  }
  return unknown;
}

/** The SACK blocks of the detail record, as new pairs. */
export function readSack(h8: Uint8Array, h32: Uint32Array, x: DetailIndex): Array<[number, number]> {
  const blocks = h8[x.sackCount]!;
  const sack = new Array<[number, number]>(blocks);
  for (let b = 0; b < blocks; b++) sack[b] = [h32[x.sack + 2 * b]!, h32[x.sack + 2 * b + 1]!];
  return sack;
}
