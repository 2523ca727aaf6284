// The one error type the codec and the capture reader throw for bad input.

/** Stable codes; match on `error.code`, not on the message. */
export type DecodeErrorCode =
  /** The bytes end before a header (or a capture record) that must be there. */
  | 'TRUNCATED'
  /** TCP data offset below 5 words or beyond the segment the IP header describes. */
  | 'BAD_DATA_OFFSET'
  /** A TCP option of length 0 or 1, one that runs past the header, or a missing length byte. */
  | 'BAD_OPTION'
  /** IP that carries something other than TCP. */
  | 'NOT_TCP'
  /** A non-first IP fragment, which carries no TCP header. */
  | 'FRAGMENT'
  /** An IP header that contradicts itself: wrong version, IHL < 5, lengths below its headers. */
  | 'BAD_IP_HEADER'
  /** A capture link type the decoder does not frame. */
  | 'UNSUPPORTED_LINK'
  /** A link layer carrying something other than IPv4 or IPv6 (ARP, LLDP, ...). */
  | 'NOT_IP'
  /** Not a pcap or pcapng file, or a capture block whose framing is corrupt. */
  | 'BAD_CAPTURE';

/** A packet or capture that cannot be decoded; `code` says why and `offset` where. */
export class DecodeError extends Error {
  readonly code: DecodeErrorCode;
  /** Byte offset of the fault: within the frame for packets, within the file for captures. */
  readonly offset: number | undefined;

  constructor(code: DecodeErrorCode, message: string, offset?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecodeError';
    this.code = code;
    this.offset = offset;
  }
}
