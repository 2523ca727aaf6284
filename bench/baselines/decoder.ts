// A pure-JS, object-per-layer packet decoder in the style of the `pcap` npm package's decoders
// (node_pcap decode/ethernet_packet.js, ipv4.js, ipv6.js, tcp.js): every layer is an object with
// a decode(raw, offset, ...) method that fills its fields and builds the next layer as its
// `payload`; addresses are small objects formatted only on toString(). Our own code, written to
// that shape, so decodeFrame/decodeBatch are compared with how JS packet code is usually written.
//
// Unlike node_pcap it also verifies the TCP checksum (pseudo-header + segment) with the best
// pure-JS sum from ./checksum.ts, because our decoders always do: without it the comparison
// would leave out the part that costs the most on full-size segments. Beyond node_pcap it
// bounds TCP by the IP length (Ethernet pads short frames), reads SACK blocks of any count and
// skips unknown options by their length instead of throwing.

import { bestJsSumRange } from './checksum.js';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const PROTO_TCP = 6;

export type ChecksumVerdict = 'good' | 'bad' | 'unverifiable';

function be16(raw: Uint8Array, at: number): number {
  return (raw[at]! << 8) | raw[at + 1]!;
}

function be32(raw: Uint8Array, at: number): number {
  return ((raw[at]! << 24) | (raw[at + 1]! << 16) | (raw[at + 2]! << 8) | raw[at + 3]!) >>> 0;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export class EthernetAddr {
  readonly addr: number[];

  constructor(raw: Uint8Array, offset: number) {
    this.addr = [raw[offset]!, raw[offset + 1]!, raw[offset + 2]!, raw[offset + 3]!, raw[offset + 4]!, raw[offset + 5]!];
  }

  toString(): string {
    return this.addr.map(hex2).join(':');
  }
}

export class IPv4Addr {
  readonly addr: number[] = new Array<number>(4);

  decode(raw: Uint8Array, offset: number): this {
    for (let i = 0; i < 4; i++) this.addr[i] = raw[offset + i]!;
    return this;
  }

  toString(): string {
    return this.addr.join('.');
  }
}

export class IPv6Addr {
  readonly addr: number[] = new Array<number>(16);

  decode(raw: Uint8Array, offset: number): this {
    for (let i = 0; i < 16; i++) this.addr[i] = raw[offset + i]!;
    return this;
  }

  /** Long form (no :: compression), as node_pcap prints it. */
  toString(): string {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(hex2(this.addr[i]!) + hex2(this.addr[i + 1]!));
    return groups.join(':');
  }
}

export class TCPFlags {
  nonce = false;
  cwr = false;
  ece = false;
  urg = false;
  ack = false;
  psh = false;
  rst = false;
  syn = false;
  fin = false;

  decode(high: number, low: number): this {
    this.nonce = (high & 1) !== 0;
    this.cwr = (low & 0x80) !== 0;
    this.ece = (low & 0x40) !== 0;
    this.urg = (low & 0x20) !== 0;
    this.ack = (low & 0x10) !== 0;
    this.psh = (low & 0x08) !== 0;
    this.rst = (low & 0x04) !== 0;
    this.syn = (low & 0x02) !== 0;
    this.fin = (low & 0x01) !== 0;
    return this;
  }

  /** The flag bits as a number (TcpFlags layout, AE/nonce = 0x100), for cross-checking. */
  bits(): number {
    return (this.nonce ? 0x100 : 0) | (this.cwr ? 0x80 : 0) | (this.ece ? 0x40 : 0) | (this.urg ? 0x20 : 0)
      | (this.ack ? 0x10 : 0) | (this.psh ? 0x08 : 0) | (this.rst ? 0x04 : 0) | (this.syn ? 0x02 : 0)
      | (this.fin ? 0x01 : 0);
  }
}

export class TCPOptions {
  mss: number | null = null;
  window_scale: number | null = null;
  sack_ok: boolean | null = null;
  sack: Array<[number, number]> | null = null;
  timestamp: number | null = null;
  echo: number | null = null;

  decode(raw: Uint8Array, offset: number, length: number): this {
    const end = offset + length;
    while (offset < end) {
      const kind = raw[offset]!;
      if (kind === 0) break; // end of option list
      if (kind === 1) { // NOP
        offset += 1;
        continue;
      }
      const len = offset + 1 < end ? raw[offset + 1]! : 0;
      if (len < 2 || offset + len > end) throw new Error(`malformed TCP option ${kind} (length ${len})`);
      switch (kind) {
        case 2:
          if (len === 4) this.mss = be16(raw, offset + 2);
          break;
        case 3:
          if (len === 3) this.window_scale = raw[offset + 2]!;
          break;
        case 4:
          if (len === 2) this.sack_ok = true;
          break;
        case 5:
          if ((len - 2) % 8 === 0) {
            this.sack = [];
            for (let at = offset + 2; at < offset + len; at += 8) this.sack.push([be32(raw, at), be32(raw, at + 4)]);
          }
          break;
        case 8:
          if (len === 10) {
            this.timestamp = be32(raw, offset + 2);
            this.echo = be32(raw, offset + 6);
          }
          break;
        default:
          break; // unknown kinds are skipped by their length
      }
      offset += len;
    }
    return this;
  }
}

export class TCP {
  sport = 0;
  dport = 0;
  seqno = 0;
  ackno = 0;
  headerLength = 0;
  flags: TCPFlags | null = null;
  windowSize = 0;
  checksum = 0;
  urgentPointer = 0;
  options: TCPOptions | null = null;
  data: Uint8Array | null = null;
  dataLength = 0;
  checksumStatus: ChecksumVerdict = 'unverifiable';

  /**
   * `length` is the segment length from the IP header; `pseudo` the pseudo-header's partial sum.
   * The checksum is verified when the whole segment was captured and it is not an IP fragment.
   */
  decode(raw: Uint8Array, offset: number, length: number, pseudo: number, verifiable = true): this {
    const start = offset;
    if (length < 20 || offset + 20 > raw.length) throw new Error('truncated TCP header');
    this.sport = be16(raw, offset);
    this.dport = be16(raw, offset + 2);
    this.seqno = be32(raw, offset + 4);
    this.ackno = be32(raw, offset + 8);
    this.headerLength = (raw[offset + 12]! & 0xf0) >> 2;
    if (this.headerLength < 20 || this.headerLength > length || offset + this.headerLength > raw.length) {
      throw new Error(`bad TCP data offset ${this.headerLength}`);
    }
    this.flags = new TCPFlags().decode(raw[offset + 12]!, raw[offset + 13]!);
    this.windowSize = be16(raw, offset + 14);
    this.checksum = be16(raw, offset + 16);
    this.urgentPointer = be16(raw, offset + 18);
    this.options = new TCPOptions();
    if (this.headerLength > 20) this.options.decode(raw, offset + 20, this.headerLength - 20);
    offset += this.headerLength;

    const end = start + length;
    this.dataLength = length - this.headerLength;
    this.data = this.dataLength > 0 ? raw.subarray(offset, Math.min(end, raw.length)) : null;
    if (verifiable && end <= raw.length) {
      this.checksumStatus = bestJsSumRange(raw, start, end, pseudo) === 0xffff ? 'good' : 'bad';
    }
    return this;
  }
}

/** Partial sum of the 16-bit words of raw[offset, offset + bytes) (bytes even, small). */
function addressSum(raw: Uint8Array, offset: number, bytes: number): number {
  let s = 0;
  for (let i = 0; i < bytes; i += 2) s += be16(raw, offset + i);
  return s;
}

export class IPv4 {
  version = 4;
  headerLength = 0;
  diffserv = 0;
  length = 0;
  identification = 0;
  flags = { reserved: false, doNotFragment: false, moreFragments: false };
  fragmentOffset = 0;
  ttl = 0;
  protocol = 0;
  headerChecksum = 0;
  saddr: IPv4Addr | null = null;
  daddr: IPv4Addr | null = null;
  payload: TCP | null = null;

  decode(raw: Uint8Array, offset: number): this {
    if (offset + 20 > raw.length) throw new Error('truncated IPv4 header');
    this.version = raw[offset]! >> 4;
    this.headerLength = (raw[offset]! & 0x0f) << 2;
    if (this.version !== 4 || this.headerLength < 20) throw new Error('bad IPv4 header');
    this.length = be16(raw, offset + 2);
    if (this.length < this.headerLength) throw new Error(`IPv4 total length ${this.length} below its header`);
    this.diffserv = raw[offset + 1]!;
    this.identification = be16(raw, offset + 4);
    const fragment = be16(raw, offset + 6);
    this.flags = {
      reserved: (fragment & 0x8000) !== 0,
      doNotFragment: (fragment & 0x4000) !== 0,
      moreFragments: (fragment & 0x2000) !== 0,
    };
    this.fragmentOffset = (fragment & 0x1fff) << 3;
    this.ttl = raw[offset + 8]!;
    this.protocol = raw[offset + 9]!;
    this.headerChecksum = be16(raw, offset + 10);
    this.saddr = new IPv4Addr().decode(raw, offset + 12);
    this.daddr = new IPv4Addr().decode(raw, offset + 16);
    if (this.protocol === PROTO_TCP && this.fragmentOffset === 0) {
      const tcpLength = this.length - this.headerLength;
      const pseudo = addressSum(raw, offset + 12, 8) + PROTO_TCP + tcpLength;
      this.payload = new TCP().decode(raw, offset + this.headerLength, tcpLength, pseudo, !this.flags.moreFragments);
    }
    return this;
  }
}

export class IPv6 {
  version = 6;
  trafficClass = 0;
  flowLabel = 0;
  payloadLength = 0;
  nextHeader = 0;
  hopLimit = 0;
  saddr: IPv6Addr | null = null;
  daddr: IPv6Addr | null = null;
  payload: TCP | null = null;

  /** No extension headers: TCP must be the first next header. */
  decode(raw: Uint8Array, offset: number): this {
    if (offset + 40 > raw.length) throw new Error('truncated IPv6 header');
    const first = be32(raw, offset);
    this.version = first >>> 28;
    if (this.version !== 6) throw new Error('bad IPv6 header');
    this.trafficClass = (first >>> 20) & 0xff;
    this.flowLabel = first & 0xfffff;
    this.payloadLength = be16(raw, offset + 4);
    this.nextHeader = raw[offset + 6]!;
    this.hopLimit = raw[offset + 7]!;
    this.saddr = new IPv6Addr().decode(raw, offset + 8);
    this.daddr = new IPv6Addr().decode(raw, offset + 24);
    if (this.nextHeader === PROTO_TCP) {
      const pseudo = addressSum(raw, offset + 8, 32) + PROTO_TCP + this.payloadLength;
      this.payload = new TCP().decode(raw, offset + 40, this.payloadLength, pseudo);
    }
    return this;
  }
}

export class EthernetPacket {
  dhost: EthernetAddr | null = null;
  shost: EthernetAddr | null = null;
  ethertype = 0;
  vlan: number | null = null;
  payload: IPv4 | IPv6 | null = null;

  decode(raw: Uint8Array, offset: number): this {
    if (offset + 14 > raw.length) throw new Error('truncated Ethernet header');
    this.dhost = new EthernetAddr(raw, offset);
    this.shost = new EthernetAddr(raw, offset + 6);
    this.ethertype = be16(raw, offset + 12);
    offset += 14;
    if (this.ethertype === ETHERTYPE_VLAN) {
      this.vlan = be16(raw, offset) & 0x0fff;
      this.ethertype = be16(raw, offset + 2);
      offset += 4;
    }
    if (this.ethertype === ETHERTYPE_IPV4) this.payload = new IPv4().decode(raw, offset);
    else if (this.ethertype === ETHERTYPE_IPV6) this.payload = new IPv6().decode(raw, offset);
    return this;
  }
}

/** Decodes one frame of a pcap link type (Ethernet or raw IP); throws on malformed input. */
export function decodePacket(raw: Uint8Array, linkType: number): EthernetPacket | IPv4 | IPv6 {
  if (linkType === LINKTYPE_ETHERNET) return new EthernetPacket().decode(raw, 0);
  if (linkType === LINKTYPE_RAW) {
    const version = raw.length > 0 ? raw[0]! >> 4 : 0;
    if (version === 4) return new IPv4().decode(raw, 0);
    if (version === 6) return new IPv6().decode(raw, 0);
    throw new Error(`raw IP packet with version ${version}`);
  }
  throw new Error(`link type ${linkType} is not supported by the baseline decoder`);
}

/** The TCP layer of a decoded packet, or null when there is none. */
export function tcpOf(packet: EthernetPacket | IPv4 | IPv6): TCP | null {
  const ip = packet instanceof EthernetPacket ? packet.payload : packet;
  return ip?.payload ?? null;
}
