// decodeFrame / decodeIp: one frame in, one plain DecodedPacket out (or a DecodeError).

import { DecodeError, type DecodeErrorCode } from '../errors.js';
import { formatAddress } from './address.js';
import { CHECKSUM_STATUS, LinkType } from './constants.js';
import { STATUS_NAMES } from './layout.js';
import { codec, type Codec } from './module.js';
import type { DecodedPacket, IpInfo, TcpOptions } from './types.js';

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

function checkInput(data: Uint8Array, linkType: number, originalLength: number | undefined): void {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  // `(x & 0xffff) === x` holds exactly for the integers 0..65535 (not NaN, fractions, -0 aside).
  if ((linkType & 0xffff) !== linkType || typeof linkType !== 'number') {
    throw new TypeError(`linkType must be an integer 0..65535, got ${String(linkType)}`);
  }
  if (originalLength !== undefined && (!Number.isInteger(originalLength) || originalLength < 0 || originalLength > 0x7fffffff)) {
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

/** decodeFrame on a given codec instance (tests use this to compare the SIMD and scalar builds). */
export function decodeWith(c: Codec, data: Uint8Array, linkType: number, originalLength = 0): DecodedPacket {
  const ptr = c.placeCounted(data);
  const D = c.layout.DETAIL;
  const out = c.detail;
  const status = c.exports.decodeDetail(ptr, c.placedLength, linkType, originalLength, out);
  const v = c.dataView();
  if (status !== 0) throw statusError(status, v.getInt32(out + D.ERROR_OFFSET, true), linkType);

  const version = v.getUint8(out + D.IP_VERSION) as 4 | 6;
  const ipOffset = v.getUint32(out + D.IP_OFFSET, true);
  const tcpOffset = v.getUint32(out + D.TCP_OFFSET, true);
  const srcOffset = v.getUint32(out + D.SRC_OFFSET, true);
  const dstOffset = v.getUint32(out + D.DST_OFFSET, true);
  const src = formatAddress(data, srcOffset, version);
  const dst = formatAddress(data, dstOffset, version);
  let ip: IpInfo;
  if (version === 4) {
    const fragment = v.getUint16(out + D.FRAGMENT_FIELD, true);
    const headerLength = (data[ipOffset]! & 15) * 4;
    ip = {
      version, src, dst,
      ttl: v.getUint8(out + D.TTL),
      tos: v.getUint8(out + D.TOS),
      id: v.getUint16(out + D.IP_ID, true),
      dontFragment: (fragment & 0x4000) !== 0,
      moreFragments: (fragment & 0x2000) !== 0,
      fragmentOffset: (fragment & 0x1fff) * 8,
      headerLength,
      totalLength: (data[ipOffset + 2]! << 8) | data[ipOffset + 3]!,
      headerChecksum: v.getUint8(out + D.IP_CHECKSUM_STATE) === 0 ? 'good' : 'bad',
    };
    if (headerLength > 20) ip.options = data.slice(ipOffset + 20, ipOffset + headerLength);
  } else {
    const extensions: number[] = [];
    for (let i = 0; i < v.getUint8(out + D.EXTENSION_COUNT); i++) extensions.push(v.getUint8(out + D.EXTENSIONS + i));
    ip = {
      version, src, dst,
      hopLimit: v.getUint8(out + D.TTL),
      trafficClass: v.getUint8(out + D.TOS),
      flowLabel: v.getUint32(out + D.FLOW_LABEL, true),
      payloadLength: (data[ipOffset + 4]! << 8) | data[ipOffset + 5]!,
      extensionHeaders: extensions,
    };
  }

  const payloadOffset = v.getUint32(out + D.PAYLOAD_OFFSET, true);
  const checksumState = v.getUint8(out + D.CHECKSUM_STATE);
  const packet: DecodedPacket = {
    ip,
    tcp: {
      srcPort: v.getUint16(out + D.SRC_PORT, true),
      dstPort: v.getUint16(out + D.DST_PORT, true),
      seq: v.getUint32(out + D.SEQ, true),
      ack: v.getUint32(out + D.ACK, true),
      headerLength: v.getUint16(out + D.HEADER_LENGTH, true),
      flags: v.getUint16(out + D.FLAGS, true),
      window: v.getUint16(out + D.WINDOW, true),
      checksum: v.getUint16(out + D.CHECKSUM, true),
      urgentPointer: v.getUint16(out + D.URGENT, true),
      options: readOptions(c, v, out, data, tcpOffset),
    },
    payload: data.subarray(payloadOffset, payloadOffset + v.getUint32(out + D.PAYLOAD_CAPTURED, true)),
    payloadLength: v.getUint32(out + D.PAYLOAD_WIRE, true),
    checksum: CHECKSUM_STATUS[checksumState]!,
    offsets: { ip: ipOffset, tcp: tcpOffset, payload: payloadOffset },
  };
  if (checksumState !== 2) packet.expectedChecksum = v.getUint16(out + D.EXPECTED_CHECKSUM, true);
  const pseudoSrc = v.getUint32(out + D.PSEUDO_SRC_OFFSET, true);
  const pseudoDst = v.getUint32(out + D.PSEUDO_DST_OFFSET, true);
  if (pseudoSrc !== srcOffset || pseudoDst !== dstOffset) {
    packet.pseudoHeader = {
      src: formatAddress(data, pseudoSrc, version),
      dst: formatAddress(data, pseudoDst, version),
    };
  }
  return packet;
}

function readOptions(c: Codec, v: DataView, out: number, data: Uint8Array, tcpOffset: number): TcpOptions {
  const D = c.layout.DETAIL;
  const B = c.layout.OPTION_BIT;
  const count = v.getUint8(out + D.OPTION_COUNT);
  const mask = v.getUint16(out + D.OPTION_MASK, true);
  const options: TcpOptions = { kinds: new Array<number>(count) };
  for (let i = 0; i < count; i++) {
    const entry = out + D.OPTIONS + 4 * i;
    const kind = v.getUint8(entry);
    options.kinds[i] = kind;
    if (kind <= 1 || v.getUint8(entry + 3) === 1) continue;
    const start = tcpOffset + v.getUint8(entry + 1);
    (options.unknown ??= []).push({ kind, data: data.slice(start + 2, start + v.getUint8(entry + 2)) });
  }
  if (mask & B.MSS) options.mss = v.getUint16(out + D.MSS, true);
  if (mask & B.WSCALE) options.windowScale = v.getUint8(out + D.WINDOW_SCALE);
  if (mask & B.SACK_PERMITTED) options.sackPermitted = true;
  if (mask & B.TIMESTAMP) {
    options.timestamp = { value: v.getUint32(out + D.TS_VALUE, true), echo: v.getUint32(out + D.TS_ECHO, true) };
  }
  if (mask & B.SACK) {
    options.sack = [];
    for (let b = 0; b < v.getUint8(out + D.SACK_COUNT); b++) {
      const at = out + D.SACK + 8 * b;
      options.sack.push([v.getUint32(at, true), v.getUint32(at + 4, true)]);
    }
  }
  return options;
}
