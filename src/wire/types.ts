// The plain-object ("value") face of a decoded segment. The batch API (SegmentTable) is the
// zero-object face of the same decoder.

import type { ChecksumStatus } from './constants.js';

// Optional fields also admit `undefined`: a reused DecodedFrame clears them to undefined, and a
// consumer compiling with exactOptionalPropertyTypes must still see it implement these types.
export interface TcpOptions {
  /** Every option kind in wire order, NOP (1) and EOL (0, including padding after it) too. */
  kinds: number[];
  mss?: number | undefined;
  /** Window scale shift as sent (values above 14 are kept, not clamped). */
  windowScale?: number | undefined;
  sackPermitted?: boolean | undefined;
  /** SACK blocks as absolute [left, right) sequence numbers, up to 4. */
  sack?: Array<[left: number, right: number]> | undefined;
  timestamp?: { value: number; echo: number } | undefined;
  /**
   * Options kept raw, in wire order: unknown kinds (TFO 34, MPTCP 30, TCP-AO 29, MD5 19, ...),
   * and any occurrence of a known kind after its first or with a length that does not fit it.
   * `data` excludes the kind and length bytes.
   */
  unknown?: Array<{ kind: number; data: Uint8Array }> | undefined;
}

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Header length in bytes (data offset x 4). */
  headerLength: number;
  /** FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80, AE 0x100. */
  flags: number;
  window: number;
  checksum: number;
  urgentPointer: number;
  options: TcpOptions;
}

export interface Ipv4Info {
  version: 4;
  src: string;
  dst: string;
  ttl: number;
  /** The TOS / DSCP+ECN byte. */
  tos: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in bytes (always 0 for a decoded TCP segment). */
  fragmentOffset: number;
  /** IP header length in bytes, options included. */
  headerLength: number;
  /** Total length field (0 in some segmentation-offload captures). */
  totalLength: number;
  headerChecksum: 'good' | 'bad';
  /** Raw IPv4 options, when the header has any. */
  options?: Uint8Array | undefined;
}

export interface Ipv6Info {
  version: 6;
  src: string;
  dst: string;
  hopLimit: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** Extension headers passed before TCP, as next-header values in order (first 8). */
  extensionHeaders: number[];
}

export type IpInfo = Ipv4Info | Ipv6Info;

export interface DecodedPacket {
  ip: IpInfo;
  tcp: TcpHeader;
  /** Captured payload bytes: a view into the decoded input, not a copy. */
  payload: Uint8Array;
  /**
   * Payload length on the wire as the IP header gives it (can exceed payload.length, which is
   * the captured part). The same name means the same in SegmentTable and the CLI's JSON.
   */
  payloadLength: number;
  /**
   * The verdict on the TCP checksum. (`tcp.checksum` is the raw 16-bit field value; everywhere,
   * `checksum` names the value and `checksumStatus` / `checksumState` the verdict.)
   */
  checksumStatus: ChecksumStatus;
  /** The value the checksum field should hold; absent when the checksum is unverifiable. */
  expectedChecksum?: number | undefined;
  /**
   * Addresses the checksum's pseudo-header used, when they differ from ip.src / ip.dst: an IPv6
   * Home Address option, a routing header's final destination, an IPv4 source route.
   */
  pseudoHeader?: { src: string; dst: string } | undefined;
  /** Byte offsets in the input of the IP header, the TCP header and the payload. */
  offsets: { ip: number; tcp: number; payload: number };
}
