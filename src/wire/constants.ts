// Public numeric constants for TCP flags, capture link types and the batch table's codes.

/** TCP header flag bits as they appear in `TcpHeader.flags` (RFC 9293, RFC 3168, RFC 9768 AE). */
export const TcpFlags = Object.freeze({
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  /** Accurate ECN, formerly NS (RFC 3540). */
  AE: 0x100,
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
