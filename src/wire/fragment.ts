// IP fragments as bytes: where a fragment sits in its datagram (IPv4's flags/offset word,
// RFC 791 §3.1, or IPv6's Fragment header, RFC 8200 §4.5), splitting a datagram into fragments
// (RFC 791 §3.2, RFC 8200 §4.5) and joining them back. The stack's reassembly.ts holds the state
// and the limits, fragmentation.ts the policy; the bytes are read and written only here.

import { readUint16, readUint32 } from './bytes.js';
import { DESTINATION_OPTIONS, FRAGMENT, HOP_BY_HOP, ipVersionOf, ROUTING, setIpv4HeaderChecksum } from './ip.js';

const MORE_FRAGMENTS_V4 = 0x2000;
const DONT_FRAGMENT = 0x4000;

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

/**
 * Where fragment `packet` sits in its datagram. The IPv4 header checksum is the caller's to
 * check (the batch decoder reports it per row): a corrupted header must not be held.
 */
export function readFragment(packet: Uint8Array): FragmentRead {
  const version = ipVersionOf(packet);
  if (version === 4) return readIpv4(packet);
  if (version === 6) return readIpv6(packet);
  return 'none';
}

function readIpv4(packet: Uint8Array): FragmentRead {
  if (packet.length < 20) return 'none';
  const field = readUint16(packet, 6);
  if ((field & 0x3fff) === 0) return 'none'; // neither MF nor an offset: whole (DF is 0x4000)
  // The header checksum is the caller's to check (the batch decoder reports it per row).
  const headerLength = (packet[0]! & 0x0f) * 4;
  const total = readUint16(packet, 2);
  if (headerLength < 20 || total < headerLength || total > packet.length) return 'bad';
  return {
    version: 4,
    headerLength,
    nextHeaderAt: 9,
    protocol: packet[9]!,
    id: readUint16(packet, 4),
    offset: (field & 0x1fff) * 8,
    dataStart: headerLength,
    dataEnd: total,
    more: (field & MORE_FRAGMENTS_V4) !== 0,
  };
}

function readIpv6(packet: Uint8Array): FragmentRead {
  if (packet.length < 40) return 'none';
  const end = 40 + readUint16(packet, 4);
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
  const field = readUint16(packet, at + 2);
  const id = readUint32(packet, at + 4);
  return {
    version: 6,
    headerLength: at,
    nextHeaderAt,
    protocol: packet[at]!,
    id,
    offset: field & 0xfff8,
    dataStart: at + 8,
    dataEnd: end,
    more: (field & 1) !== 0,
  };
}

/**
 * The fragments of `packet` for a link of `mtu` bytes, in order, each a complete IP packet; null
 * when it may not be fragmented (IPv4 with DF set, an IPv6 packet with extension headers, an MTU
 * too small for 8 bytes of data). The Identification is random per datagram (RFC 7739 §5), so it
 * reveals no count of what the stack sent: the caller passes 4 random bytes as `id` (IPv4
 * uses the first 2), so this layer needs no source of randomness.
 */
export function fragmentPacket(packet: Uint8Array, mtu: number, id: Uint8Array): Uint8Array[] | null {
  const version = ipVersionOf(packet);
  return version === 4 ? fragmentIpv4(packet, mtu, id) : version === 6 ? fragmentIpv6(packet, mtu, id) : null;
}

function fragmentIpv4(packet: Uint8Array, mtu: number, id: Uint8Array): Uint8Array[] | null {
  const headerLength = (packet[0]! & 0x0f) * 4;
  const field = readUint16(packet, 6);
  if (field !== 0 && field !== DONT_FRAGMENT) return null; // already a fragment
  if (field & DONT_FRAGMENT) return null;
  const step = (mtu - headerLength) & ~7;
  if (step < 8) return null;
  const out: Uint8Array[] = [];
  for (let at = headerLength; at < packet.length; at += step) {
    const end = Math.min(packet.length, at + step);
    const fragment = new Uint8Array(headerLength + end - at);
    // IPv4 options are copied into every fragment only when their copied flag says so; the
    // stack's own packets have none, so the whole header is the same in every fragment.
    fragment.set(packet.subarray(0, headerLength));
    fragment.set(packet.subarray(at, end), headerLength);
    const offsetWord = ((at - headerLength) >> 3) | (end < packet.length ? 0x2000 : 0);
    fragment[2] = fragment.length >> 8;
    fragment[3] = fragment.length & 0xff;
    fragment[4] = id[0]!;
    fragment[5] = id[1]!;
    fragment[6] = offsetWord >> 8;
    fragment[7] = offsetWord & 0xff;
    setIpv4HeaderChecksum(fragment);
    out.push(fragment);
  }
  return out;
}

function fragmentIpv6(packet: Uint8Array, mtu: number, id: Uint8Array): Uint8Array[] | null {
  const next = packet[6]!;
  // Only a bare IPv6 header (what the stack builds): with extension headers the unfragmentable
  // part would have to be found first.
  if (next === HOP_BY_HOP || next === ROUTING || next === DESTINATION_OPTIONS || next === FRAGMENT) return null;
  const step = (mtu - 48) & ~7;
  if (step < 8) return null;
  const out: Uint8Array[] = [];
  for (let at = 40; at < packet.length; at += step) {
    const end = Math.min(packet.length, at + step);
    const fragment = new Uint8Array(48 + end - at);
    fragment.set(packet.subarray(0, 40));
    fragment[6] = FRAGMENT;
    const payload = fragment.length - 40;
    fragment[4] = payload >> 8;
    fragment[5] = payload & 0xff;
    fragment[40] = next;
    const offsetWord = (at - 40) | (end < packet.length ? 1 : 0);
    fragment[42] = offsetWord >> 8;
    fragment[43] = offsetWord & 0xff;
    fragment.set(id.subarray(0, 4), 44);
    fragment.set(packet.subarray(at, end), 48);
    out.push(fragment);
  }
  return out;
}

/**
 * The whole datagram from its first fragment's header (`header`: the IPv4 header, or IPv6's
 * unfragmentable part) and its data in order (`parts`, `total` bytes): lengths fixed, IPv4's
 * fragment word cleared and checksum refilled; IPv6's Fragment header dropped, the header before
 * it (Next Header byte at `nextHeaderAt`) naming `protocol` instead (RFC 8200 §4.5).
 */
export function joinFragments(
  header: Uint8Array,
  nextHeaderAt: number,
  protocol: number,
  parts: readonly Uint8Array[],
  total: number,
): Uint8Array {
  const size = header.length + total;
  const out = new Uint8Array(size);
  out.set(header);
  let at = header.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  if (ipVersionOf(out) === 4) {
    out[2] = size >> 8;
    out[3] = size & 0xff;
    out[6] = 0; // no MF, offset 0: a whole datagram
    out[7] = 0;
    setIpv4HeaderChecksum(out);
  } else {
    out[nextHeaderAt] = protocol;
    out[4] = (size - 40) >> 8;
    out[5] = (size - 40) & 0xff;
  }
  return out;
}
