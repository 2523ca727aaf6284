// Public numeric constants for TCP flags, capture link types and the batch table's codes.

// TCP header flag bits (RFC 9293 §3.1, RFC 3168 ECE/CWR, RFC 9768 AE), declared here once: the
// codec's TcpHeader.flags, the engine's TcpSegment.flags and the encoders all use these values.
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;
/** Accurate ECN, formerly NS (RFC 3540). */
export const AE = 0x100;

/** TCP header flag bits as they appear in `TcpHeader.flags` and `TcpSegment.flags`. */
export const TcpFlags = Object.freeze({
  FIN,
  SYN,
  RST,
  PSH,
  ACK,
  URG,
  ECE,
  CWR,
  /** Accurate ECN, formerly NS (RFC 3540). */
  AE,
  /** The three bits above AE are reserved; they are kept so headers re-encode exactly. */
  RESERVED: 0xe00,
} as const);

/** LINKTYPE_* values from pcap/pcapng headers that decodeFrame understands. */
export const LinkType = Object.freeze({
  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  ETHERNET: 1,
  /** Raw IP; the version nibble tells IPv4 from IPv6. */
  RAW: 101,
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const);

/** Values of `SegmentTable.checksumState`. */
export const ChecksumState = Object.freeze({
  GOOD: 0,
  BAD: 1,
  /** The capture does not hold the whole segment (snap length, IP fragment). */
  UNVERIFIABLE: 2,
  /** Verification was switched off for the batch. */
  UNCHECKED: 3,
} as const);

/** Bits of `SegmentTable.optionMask`: which typed option values a row holds. */
export const OptionBit = Object.freeze({
  MSS: 1,
  WINDOW_SCALE: 2,
  SACK_PERMITTED: 4,
  TIMESTAMP: 8,
  SACK: 16,
  /** An option kept raw: unknown kind, or a known kind with an impossible length. */
  OTHER: 32,
} as const);

export type ChecksumStatus = 'good' | 'bad' | 'unverifiable';
export const CHECKSUM_STATUS: readonly ChecksumStatus[] = ['good', 'bad', 'unverifiable'];
