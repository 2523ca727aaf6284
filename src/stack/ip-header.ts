// Small IP-level reads the stack does itself: the IPv4 header checksum (the batch decoder leaves
// it to the caller) and finding the upper-layer protocol of a packet that is not TCP.

/** Whether the IPv4 header at the start of `packet` is well formed and its checksum is right. */
export function ipv4HeaderValid(packet: Uint8Array): boolean {
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return false;
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (headerLength < 20 || headerLength > packet.length) return false;
  // 10 to 30 words: a JS loop is cheaper than a call into WebAssembly for this little.
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/** Fills in the header checksum of the IPv4 header at the start of `packet` (after a rewrite). */
export function setIpv4HeaderChecksum(packet: Uint8Array): void {
  const headerLength = (packet[0]! & 0x0f) * 4;
  packet[10] = 0;
  packet[11] = 0;
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  sum = ~sum & 0xffff;
  packet[10] = sum >> 8;
  packet[11] = sum & 0xff;
}

/** Where a packet's upper-layer message lies, for the protocols the stack handles besides TCP. */
export interface UpperLayer {
  version: 4 | 6;
  /** IP protocol / IPv6 next header of the message. */
  protocol: number;
  /** Offset and length of the message (ICMP header onwards). */
  offset: number;
  length: number;
  /** Offsets of the source and destination addresses. */
  srcOffset: number;
  dstOffset: number;
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const DESTINATION_OPTIONS = 60;

/**
 * Parses the IP header(s) of a non-TCP packet, or returns null when malformed or fragmented
 * (fragments go to reassembly first; see reassembly.ts).
 */
export function upperLayer(packet: Uint8Array): UpperLayer | null {
  if (packet.length < 1) return null;
  const version = packet[0]! >> 4;
  if (version === 4) {
    if (!ipv4HeaderValid(packet)) return null;
    const headerLength = (packet[0]! & 0x0f) * 4;
    const total = (packet[2]! << 8) | packet[3]!;
    const fragment = ((packet[6]! << 8) | packet[7]!) & 0x3fff; // MF bit + offset
    if (total < headerLength || total > packet.length || fragment !== 0) return null;
    return { version: 4, protocol: packet[9]!, offset: headerLength, length: total - headerLength, srcOffset: 12, dstOffset: 16 };
  }
  if (version === 6) {
    if (packet.length < 40) return null;
    const end = 40 + ((packet[4]! << 8) | packet[5]!);
    if (end > packet.length) return null;
    let next = packet[6]!;
    let at = 40;
    while (next === HOP_BY_HOP || next === ROUTING || next === DESTINATION_OPTIONS) {
      if (at + 8 > end) return null;
      const length = (packet[at + 1]! + 1) * 8;
      next = packet[at]!;
      at += length;
      if (at > end) return null;
    }
    return { version: 6, protocol: next, offset: at, length: end - at, srcOffset: 8, dstOffset: 24 };
  }
  return null;
}
