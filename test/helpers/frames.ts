// Builders for test frames: link headers around IP packets, IPv6 extension headers, and
// hand-assembled TCP headers for cases the encoder refuses to produce.

import { encodePacket, encodeTcp, parseAddress, type TcpHeaderInit } from '../../src/index.js';
import { referenceChecksum, referencePseudoSum } from './reference.js';

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function be16(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 0xff);
}

export function be32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export const V4 = { src: '192.0.2.1', dst: '192.0.2.2' };
export const V6 = { src: '2001:db8::1', dst: '2001:db8::2' };

export const SAMPLE_TCP: TcpHeaderInit = {
  srcPort: 40000,
  dstPort: 80,
  seq: 0x01020304,
  ack: 0xa0b0c0d0,
  flags: 0x18,
  window: 501,
  options: { timestamp: { value: 1000, echo: 2000 } },
};

export function ipv4Packet(tcp: TcpHeaderInit = SAMPLE_TCP, payload = new Uint8Array(10).fill(0x61)): Uint8Array {
  return encodePacket({ ip: { ...V4, id: 0x1234, ttl: 63 }, tcp, payload });
}

export function ipv6Packet(tcp: TcpHeaderInit = SAMPLE_TCP, payload = new Uint8Array(10).fill(0x62)): Uint8Array {
  return encodePacket({ ip: { ...V6, hopLimit: 61, flowLabel: 0x12345 }, tcp, payload });
}

export function ethernet(ip: Uint8Array, ethertype: number, tags: Array<[tpid: number, vid: number]> = []): Uint8Array {
  const macs = Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
  const tagBytes = tags.map(([tpid, vid]) => concat(be16(tpid), be16(vid)));
  return concat(macs, ...tagBytes, be16(ethertype), ip);
}

export function sll(ip: Uint8Array, protocol: number): Uint8Array {
  // packet type, ARPHRD_ETHER, address length 6, address (8 bytes), protocol
  return concat(be16(0), be16(1), be16(6), new Uint8Array(8), be16(protocol), ip);
}

export function sll2(ip: Uint8Array, protocol: number): Uint8Array {
  // protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address
  return concat(be16(protocol), be16(0), be32(3), be16(1), Uint8Array.of(0, 6), new Uint8Array(8), ip);
}

export function nullHeader(ip: Uint8Array, family: number, littleEndian: boolean): Uint8Array {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, family, littleEndian);
  return concat(h, ip);
}

/** An IPv6 extension header: next header byte, then `body` padded to a multiple of 8. */
export interface Extension {
  type: number;
  /** Bytes after the next-header byte (hdr ext len and the rest), length a multiple of 8 minus 1. */
  body: Uint8Array;
}

/** Options header (hop-by-hop or destination) carrying the given TLV options, padded with PadN. */
export function optionsHeader(type: 0 | 60, options: Uint8Array): Extension {
  let total = 2 + options.length;
  const padding = (8 - (total % 8)) % 8;
  const pad =
    padding === 0
      ? new Uint8Array(0)
      : padding === 1
        ? Uint8Array.of(0)
        : concat(Uint8Array.of(1, padding - 2), new Uint8Array(padding - 2));
  total += padding;
  return { type, body: concat(Uint8Array.of(total / 8 - 1), options, pad) };
}

export function routingHeader(
  routingType: number,
  segmentsLeft: number,
  addresses: string[],
  lastEntry = 0,
): Extension {
  const addressBytes = addresses.map((a) => parseAddress(a).bytes);
  const reserved = routingType === 4 ? Uint8Array.of(lastEntry, 0, 0, 0) : new Uint8Array(4);
  return {
    type: 43,
    body: concat(Uint8Array.of(addresses.length * 2, routingType, segmentsLeft), reserved, ...addressBytes),
  };
}

export function fragmentHeader(offsetBytes: number, more: boolean, id = 0xdeadbeef): Extension {
  return { type: 44, body: concat(Uint8Array.of(0), be16(offsetBytes | (more ? 1 : 0)), be32(id)) };
}

/**
 * An IPv6 packet with extension headers in front of a TCP segment whose checksum covers the
 * pseudo-header of `pseudo` (which differs from the header's addresses for HAO / routing).
 */
export function ipv6WithExtensions(
  extensions: Extension[],
  opts: {
    src?: string;
    dst?: string;
    pseudo?: { src: string; dst: string };
    tcp?: TcpHeaderInit;
    payload?: Uint8Array;
    payloadLengthField?: number;
    finalNextHeader?: number;
  } = {},
): Uint8Array {
  const src = opts.src ?? V6.src;
  const dst = opts.dst ?? V6.dst;
  const segment = encodeTcp(
    opts.tcp ?? SAMPLE_TCP,
    opts.payload ?? new Uint8Array(7).fill(0x63),
    opts.pseudo ?? { src, dst },
  );
  const chain = extensions.map((e, i) =>
    concat(Uint8Array.of(extensions[i + 1]?.type ?? opts.finalNextHeader ?? 6), e.body),
  );
  const body = concat(...chain, segment);
  const header = concat(
    be32((6 << 28) | 0x1234),
    be16(opts.payloadLengthField ?? body.length),
    Uint8Array.of(extensions[0]?.type ?? opts.finalNextHeader ?? 6, 64),
    parseAddress(src).bytes,
    parseAddress(dst).bytes,
  );
  return concat(header, body);
}

/**
 * A hand-built IPv4 packet around raw TCP header bytes (for malformed headers the encoder will
 * not write). The TCP checksum is made correct over the given bytes.
 */
export function ipv4AroundRawTcp(tcpBytes: Uint8Array, opts: { totalLength?: number } = {}): Uint8Array {
  const segment = tcpBytes.slice();
  if (segment.length >= 18) {
    segment[16] = 0;
    segment[17] = 0;
    const s = parseAddress(V4.src).bytes;
    const d = parseAddress(V4.dst).bytes;
    const c = referenceChecksum(segment, referencePseudoSum(s, d, segment.length));
    segment[16] = c >> 8;
    segment[17] = c & 0xff;
  }
  const header = concat(
    Uint8Array.of(0x45, 0),
    be16(opts.totalLength ?? 20 + segment.length),
    be16(1),
    be16(0x4000),
    Uint8Array.of(64, 6),
    be16(0),
    parseAddress(V4.src).bytes,
    parseAddress(V4.dst).bytes,
  );
  const c = referenceChecksum(header);
  header[10] = c >> 8;
  header[11] = c & 0xff;
  return concat(header, segment);
}

/** A bare 20-byte TCP header plus `options` bytes, data offset set to cover them (or `dataOffset`). */
export function rawTcp(options: Uint8Array, dataOffset?: number, flagsWord?: number): Uint8Array {
  const doff = dataOffset ?? (20 + options.length) / 4;
  const word = (doff << 12) | (flagsWord ?? 0x010);
  return concat(be16(1234), be16(80), be32(1), be32(2), be16(word), be16(1000), be16(0), be16(0), options);
}
