// Source fragmentation of a datagram the stack built that is larger than the device MTU: an echo
// reply to a large ping (Linux answers `ping -s 4000` over MTU 1500 with fragments too). TCP
// never needs it: segments are sized to the MSS. RFC 791 §3.2 for IPv4 (not when DF is set);
// RFC 8200 §4.5 for IPv6, whose source inserts a Fragment header after the IPv6 header.

import { randomBytes } from 'node:crypto';
import { setIpv4HeaderChecksum } from './ip-header.js';

const FRAGMENT_HEADER = 44;
const DONT_FRAGMENT = 0x4000;

/**
 * The fragments of `packet` for a link of `mtu` bytes, in order, each a complete IP packet; null
 * when it may not be fragmented (IPv4 with DF set, an IPv6 packet with extension headers, an MTU
 * too small for 8 bytes of data). The Identification is random per datagram (RFC 7739 §5), so it
 * reveals no count of what the stack sent.
 */
export function fragmentPacket(packet: Uint8Array, mtu: number): Uint8Array[] | null {
  const version = packet[0]! >> 4;
  return version === 4 ? fragmentIpv4(packet, mtu) : version === 6 ? fragmentIpv6(packet, mtu) : null;
}

function fragmentIpv4(packet: Uint8Array, mtu: number): Uint8Array[] | null {
  const headerLength = (packet[0]! & 0x0f) * 4;
  const field = (packet[6]! << 8) | packet[7]!;
  if (field !== 0 && field !== DONT_FRAGMENT) return null; // already a fragment
  if (field & DONT_FRAGMENT) return null;
  const step = (mtu - headerLength) & ~7;
  if (step < 8) return null;
  const id = randomBytes(2);
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

function fragmentIpv6(packet: Uint8Array, mtu: number): Uint8Array[] | null {
  const next = packet[6]!;
  // Only a bare IPv6 header (what the stack builds): with extension headers the unfragmentable
  // part would have to be found first.
  if (next === 0 || next === 43 || next === 60 || next === FRAGMENT_HEADER) return null;
  const step = (mtu - 48) & ~7;
  if (step < 8) return null;
  const id = randomBytes(4);
  const out: Uint8Array[] = [];
  for (let at = 40; at < packet.length; at += step) {
    const end = Math.min(packet.length, at + step);
    const fragment = new Uint8Array(48 + end - at);
    fragment.set(packet.subarray(0, 40));
    fragment[6] = FRAGMENT_HEADER;
    const payload = fragment.length - 40;
    fragment[4] = payload >> 8;
    fragment[5] = payload & 0xff;
    fragment[40] = next;
    const offsetWord = (at - 40) | (end < packet.length ? 1 : 0);
    fragment[42] = offsetWord >> 8;
    fragment[43] = offsetWord & 0xff;
    fragment.set(id, 44);
    fragment.set(packet.subarray(at, end), 48);
    out.push(fragment);
  }
  return out;
}
