// Reads where an IP fragment sits in its datagram: IPv4's flags/offset word (RFC 791 §3.1) or
// IPv6's Fragment extension header (RFC 8200 §4.5). Pure parsing; reassembly.ts holds the state.

import { ipv4HeaderValid } from './ip-header.js';

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DESTINATION_OPTIONS = 60;
const MORE_FRAGMENTS_V4 = 0x2000;

export interface FragmentInfo {
  version: 4 | 6;
  /** Bytes before the fragmentable part: the IPv4 header, or IPv6's header and the extension
   * headers before the Fragment header (the "unfragmentable part"). */
  headerLength: number;
  /** IPv6: offset of the Next Header byte that names the Fragment header (6 for none between). */
  nextHeaderAt: number;
  /** The upper-layer protocol the reassembled datagram carries. */
  protocol: number;
  /** Identification: 16 bits for IPv4, 32 for IPv6. */
  id: number;
  /** Byte offset of this fragment's data in the fragmentable part. */
  offset: number;
  /** Where this fragment's data lies in the packet. */
  dataStart: number;
  dataEnd: number;
  more: boolean;
}

/** 'none': a whole datagram (not a fragment); 'bad': a fragment whose headers do not add up. */
export type FragmentRead = FragmentInfo | 'none' | 'bad';

export function readFragment(packet: Uint8Array): FragmentRead {
  if (packet.length < 1) return 'none';
  const version = packet[0]! >> 4;
  if (version === 4) return readIpv4(packet);
  if (version === 6) return readIpv6(packet);
  return 'none';
}

function readIpv4(packet: Uint8Array): FragmentRead {
  if (packet.length < 20) return 'none';
  const field = (packet[6]! << 8) | packet[7]!;
  if ((field & 0x3fff) === 0) return 'none'; // neither MF nor an offset: whole (DF is 0x4000)
  // The batch decoder does not check IPv4 header checksums; a corrupted header must not be
  // taken for a fragment and held.
  if (!ipv4HeaderValid(packet)) return 'bad';
  const headerLength = (packet[0]! & 0x0f) * 4;
  const total = (packet[2]! << 8) | packet[3]!;
  if (total < headerLength || total > packet.length) return 'bad';
  return {
    version: 4, headerLength, nextHeaderAt: 9, protocol: packet[9]!, id: (packet[4]! << 8) | packet[5]!,
    offset: (field & 0x1fff) * 8, dataStart: headerLength, dataEnd: total, more: (field & MORE_FRAGMENTS_V4) !== 0,
  };
}

function readIpv6(packet: Uint8Array): FragmentRead {
  if (packet.length < 40) return 'none';
  const end = 40 + ((packet[4]! << 8) | packet[5]!);
  if (end > packet.length) return 'none';
  let nextHeaderAt = 6;
  let next = packet[6]!;
  let at = 40;
  // The unfragmentable part: hop-by-hop, routing and destination options before the Fragment
  // header (RFC 8200 §4.5). The headers after it belong to the fragmentable part.
  while (next === HOP_BY_HOP || next === ROUTING || next === DESTINATION_OPTIONS) {
    if (at + 8 > end) return 'none';
    nextHeaderAt = at;
    next = packet[at]!;
    at += (packet[at + 1]! + 1) * 8;
    if (at > end) return 'none';
  }
  if (next !== FRAGMENT) return 'none';
  if (at + 8 > end) return 'bad';
  const field = (packet[at + 2]! << 8) | packet[at + 3]!;
  const id = ((packet[at + 4]! << 24) | (packet[at + 5]! << 16) | (packet[at + 6]! << 8) | packet[at + 7]!) >>> 0;
  return {
    version: 6, headerLength: at, nextHeaderAt, protocol: packet[at]!, id,
    offset: field & 0xfff8, dataStart: at + 8, dataEnd: end, more: (field & 1) !== 0,
  };
}
