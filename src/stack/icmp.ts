// ICMP (RFC 792) and ICMPv6 (RFC 4443) echo messages: what the stack needs to answer and send
// pings. The checksums go through the codec's helpers (ICMPv6's covers a pseudo-header).

import { internetChecksum, pseudoHeaderSum } from '../wire/checksum.js';

export const ICMP_PROTOCOL = 1;
export const ICMPV6_PROTOCOL = 58;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

export interface EchoMessage {
  type: number;
  code: number;
  identifier: number;
  sequence: number;
  /** View into the packet. */
  data: Uint8Array;
}

/** The ICMP(v6) checksum of a message (its checksum field included) is right. */
export function icmpChecksumValid(version: 4 | 6, message: Uint8Array, src: Uint8Array, dst: Uint8Array): boolean {
  const initial = version === 4 ? 0 : pseudoHeaderSum({ version: 6, bytes: src }, { version: 6, bytes: dst }, ICMPV6_PROTOCOL, message.length);
  return internetChecksum(message, initial) === 0;
}

/** Reads an echo request or reply; null when the message is shorter than its 8-byte header. */
export function readEcho(message: Uint8Array): EchoMessage | null {
  if (message.length < 8) return null;
  return {
    type: message[0]!,
    code: message[1]!,
    identifier: (message[4]! << 8) | message[5]!,
    sequence: (message[6]! << 8) | message[7]!,
    data: message.subarray(8),
  };
}

/** A complete IPv4 or IPv6 packet carrying one echo message from `src` to `dst`. */
export function buildEchoPacket(
  version: 4 | 6, src: Uint8Array, dst: Uint8Array,
  echo: { type: number; identifier: number; sequence: number; data: Uint8Array },
  hopLimit = 64,
): Uint8Array {
  const messageLength = 8 + echo.data.length;
  const headerLength = version === 4 ? 20 : 40;
  const packet = new Uint8Array(headerLength + messageLength);
  const message = packet.subarray(headerLength);
  message[0] = echo.type;
  message[1] = 0;
  message[4] = echo.identifier >> 8;
  message[5] = echo.identifier & 0xff;
  message[6] = echo.sequence >> 8;
  message[7] = echo.sequence & 0xff;
  message.set(echo.data, 8);
  if (version === 4) {
    const total = packet.length;
    packet[0] = 0x45;
    packet[2] = total >> 8;
    packet[3] = total & 0xff;
    packet[8] = hopLimit;
    packet[9] = ICMP_PROTOCOL;
    packet.set(src, 12);
    packet.set(dst, 16);
    const headerSum = internetChecksum(packet.subarray(0, 20));
    packet[10] = headerSum >> 8;
    packet[11] = headerSum & 0xff;
    const sum = internetChecksum(message);
    message[2] = sum >> 8;
    message[3] = sum & 0xff;
  } else {
    packet[0] = 0x60;
    packet[4] = messageLength >> 8;
    packet[5] = messageLength & 0xff;
    packet[6] = ICMPV6_PROTOCOL;
    packet[7] = hopLimit;
    packet.set(src, 8);
    packet.set(dst, 24);
    const initial = pseudoHeaderSum({ version: 6, bytes: src }, { version: 6, bytes: dst }, ICMPV6_PROTOCOL, messageLength);
    const sum = internetChecksum(message, initial);
    message[2] = sum >> 8;
    message[3] = sum & 0xff;
  }
  return packet;
}
