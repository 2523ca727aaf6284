// What the decoder learned about the packet it is working on. WebAssembly globals are the
// cheapest place to keep it: the link, IP and TCP stages fill them in, and the batch or the
// detail writer copies out what its caller asked for.

// ---- whole packet
/** Byte offset (within the frame) at which decoding failed, when the status is not OK. */
export let errorOffset: i32 = 0;

// ---- IP
export let ipVersion: i32 = 0;
/** Offset of the IP header: the link header's length. */
export let ipOffset: i32 = 0;
/** One past the IP datagram's last byte as its length field says; may exceed the capture. */
export let wireEnd: i32 = 0;
/**
 * One past the frame's last byte on the wire (its original length), or i32 max when unknown.
 * Bounds the payload length when an IP header claims more than the frame carried.
 */
export let frameEnd: i32 = 0x7fffffff;
/** min(wireEnd, frameEnd): where the datagram really ended on the wire. */
export let reportedEnd: i32 = 0;
/** One past the last byte both captured and inside the datagram. */
export let capturedEnd: i32 = 0;
/** Offsets of the header's source and destination addresses. */
export let srcOffset: i32 = 0;
export let dstOffset: i32 = 0;
/** Addresses the TCP pseudo-header uses (IPv6 Home Address option, final routing hop...). */
export let pseudoSrcOffset: i32 = 0;
export let pseudoDstOffset: i32 = 0;
export let ttl: i32 = 0;
/** IPv4 TOS byte or IPv6 traffic class. */
export let tos: i32 = 0;
/** IPv4 identification. */
export let ipId: i32 = 0;
/** IPv4 flags + fragment offset word, as on the wire. */
export let fragmentField: i32 = 0;
export let flowLabel: i32 = 0;
/**
 * IPv4 header checksum: 0 good, 1 bad; 2 not checked: IPv6, which has none, or an IPv4 header
 * that is not wholly captured or whose length field is below 20.
 */
export let ipChecksumState: i32 = 2;
/**
 * Fragment bits (layout FRAGMENT_BIT_*): the datagram is a fragment (IPv4 MF or a non-zero
 * offset; IPv6 a Fragment header, atomic ones included), more fragments follow, or the offset
 * is not zero. Set as soon as the IP header says so, also for packets that are not TCP.
 */
export let fragmentBits: i32 = 0;
/** First fragment of a fragmented datagram: the segment is not all here. */
export let fragmented: bool = false;
/** IPv6 extension headers passed, in order (next-header values), kept in static memory. */
export let extensionCount: i32 = 0;
export const MAX_EXTENSIONS: i32 = 8;
export const EXTENSIONS: usize = memory.data(MAX_EXTENSIONS);

// ---- TCP
export let tcpOffset: i32 = 0;
export let headerLength: i32 = 0;
export let srcPort: u32 = 0;
export let dstPort: u32 = 0;
export let seq: u32 = 0;
export let ack: u32 = 0;
/** 12 bits: the 8 classic flags, AE (0x100) and the three reserved bits above it. */
export let flags: u32 = 0;
export let window: u32 = 0;
export let checksum: u32 = 0;
export let urgentPointer: u32 = 0;
export let payloadOffset: i32 = 0;
/** Payload bytes present in the capture. */
export let payloadCaptured: i32 = 0;
/** Payload bytes the IP header says the segment carries. */
export let payloadWire: i32 = 0;
/** 0 good, 1 bad, 2 unverifiable (segment not wholly captured, or a first fragment). */
export let checksumState: i32 = 2;
/** The value the checksum field should hold; meaningful when the state is not unverifiable. */
export let expectedChecksum: u32 = 0;

// ---- TCP options
export const OPT_MSS: u32 = 1;
export const OPT_WSCALE: u32 = 2;
export const OPT_SACK_PERMITTED: u32 = 4;
export const OPT_TIMESTAMP: u32 = 8;
export const OPT_SACK: u32 = 16;
/** Some option kept raw: unknown kind, or a known kind with a length that does not fit it. */
export const OPT_OTHER: u32 = 32;

export let optionMask: u32 = 0;
export let mss: u32 = 0;
export let windowScale: u32 = 0;
export let tsValue: u32 = 0;
export let tsEcho: u32 = 0;
export let sackCount: i32 = 0;
export const MAX_SACK_BLOCKS: i32 = 4;
/** SACK edges as (left, right) u32 pairs. */
export const SACK_EDGES: usize = memory.data(MAX_SACK_BLOCKS * 8);
/**
 * Every option in wire order as 4-byte entries (kind, offset from the TCP header, length,
 * typed flag). Forty one-byte options fill a 40-byte option area, so 40 entries of 4 bytes.
 */
export let optionCount: i32 = 0;
/** Whether the option list is kept (decodeDetail) or skipped (decodeBatch, which has no use for it). */
export let listOptions: bool = true;
export const MAX_OPTIONS: i32 = 40;
export const OPTION_LIST: usize = memory.data(MAX_OPTIONS * 4);
