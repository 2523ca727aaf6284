// ICMP (RFC 792) and ICMPv6 (RFC 4443) message bytes: echo messages (what the stack needs to
// answer and send pings) and the TCP segment an error message quotes. The checksums go through
// the codec's helpers (ICMPv6's covers a pseudo-header). What an error means for a connection
// is the stack's (stack/icmp-errors.ts).

import { readUint16, readUint32 } from './bytes.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';

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
  const initial =
    version === 4
      ? 0
      : pseudoHeaderSum({ version: 6, bytes: src }, { version: 6, bytes: dst }, ICMPV6_PROTOCOL, message.length);
  return internetChecksum(message, initial) === 0;
}

/** Reads an echo request or reply; null when the message is shorter than its 8-byte header. */
export function readEcho(message: Uint8Array): EchoMessage | null {
  if (message.length < 8) return null;
  return {
    type: message[0]!,
    code: message[1]!,
    identifier: readUint16(message, 4),
    sequence: readUint16(message, 6),
    data: message.subarray(8),
  };
}

/** A complete IPv4 or IPv6 packet carrying one echo message from `src` to `dst`. */
export function buildEchoPacket(
  version: 4 | 6,
  src: Uint8Array,
  dst: Uint8Array,
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
    const initial = pseudoHeaderSum(
      { version: 6, bytes: src },
      { version: 6, bytes: dst },
      ICMPV6_PROTOCOL,
      messageLength,
    );
    const sum = internetChecksum(message, initial);
    message[2] = sum >> 8;
    message[3] = sum & 0xff;
  }
  return packet;
}

/** The type of an ICMP(v6) message: its first byte (the caller has checked the message's length). */
export function icmpType(message: Uint8Array): number {
  return message[0]!;
}

/** An ICMP(v6) error message quoting the start of a TCP segment (RFC 792, RFC 4443 §2.4). */
export interface IcmpTcpQuote {
  type: number;
  code: number;
  /**
   * The ICMP header's second word (bytes 4..7): IPv4 Fragmentation Needed keeps the next-hop
   * MTU in its low 16 bits (RFC 1191 §4), ICMPv6 Packet Too Big the MTU in all 32 (RFC 4443 §3.2).
   */
  rest: number;
  /** The quoted IPv4 header's Total Length (0 for IPv6). */
  quotedLength: number;
  /** Where the quoted (inner) source and destination addresses start in the message. */
  srcOffset: number;
  dstOffset: number;
  /** The quoted TCP header's ports and sequence number. */
  srcPort: number;
  dstPort: number;
  seq: number;
}

/**
 * Reads an ICMP(v6) error (checksum already checked) quoting a TCP segment of the same IP
 * version: null when the quote is too short to identify the segment or quotes no TCP header
 * (another protocol, IPv6 extension headers, a later IPv4 fragment). RFC 792 quotes the IP
 * header and 8 bytes, enough for the ports and the sequence number.
 */
export function readIcmpTcpQuote(version: 4 | 6, message: Uint8Array): IcmpTcpQuote | null {
  // The quoted packet starts after the 8-byte ICMP header.
  const inner = 8;
  let tcp: number;
  let quotedLength = 0;
  if (version === 4) {
    if (message.length < inner + 20 || message[inner]! >> 4 !== 4) return null;
    const ihl = (message[inner]! & 0x0f) * 4;
    // Protocol TCP, not a later fragment (those quote no TCP header).
    if (ihl < 20 || message[inner + 9] !== 6 || (readUint16(message, inner + 6) & 0x1fff) !== 0) return null;
    tcp = inner + ihl;
    quotedLength = readUint16(message, inner + 2);
  } else {
    // The quoted IPv6 header's next header must be TCP (extension headers: not ours to send).
    if (message.length < inner + 40 || message[inner]! >> 4 !== 6 || message[inner + 6] !== 6) return null;
    tcp = inner + 40;
  }
  if (message.length < tcp + 8) return null;
  return {
    type: message[0]!,
    code: message[1]!,
    rest: readUint32(message, 4),
    quotedLength,
    srcOffset: inner + (version === 4 ? 12 : 8),
    dstOffset: inner + (version === 4 ? 16 : 24),
    srcPort: readUint16(message, tcp),
    dstPort: readUint16(message, tcp + 2),
    seq: readUint32(message, tcp + 4),
  };
}
