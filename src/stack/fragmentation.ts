// Source fragmentation of a datagram the stack built that is larger than the device MTU: an echo
// reply to a large ping (Linux answers `ping -s 4000` over MTU 1500 with fragments too). TCP
// never needs it: segments are sized to the MSS. The bytes are wire's (wire/fragment.ts); the
// stack supplies the Identification, random per datagram (RFC 7739 §5), so it reveals no count
// of what the stack sent.

import { randomBytes } from 'node:crypto';
import { fragmentPacket as splitDatagram } from '../wire/fragment.js';

/**
 * The fragments of `packet` for a link of `mtu` bytes, in order, each a complete IP packet; null
 * when it may not be fragmented (IPv4 with DF set, an IPv6 packet with extension headers, an MTU
 * too small for 8 bytes of data).
 */
export function fragmentPacket(packet: Uint8Array, mtu: number): Uint8Array[] | null {
  return splitDatagram(packet, mtu, randomBytes(4));
}
