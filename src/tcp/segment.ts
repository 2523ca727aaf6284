// The engine's value type for one TCP segment: the TCP header fields and options the state
// machine reads or writes, plus the payload. No IP addresses: the stack demultiplexes by 4-tuple
// before a segment reaches a Connection, and adds the addresses back on the way out.

/**
 * One TCP segment as the engine sees it. Option fields are present only when the option is
 * present (they are never set to `undefined`), so segment objects keep a small set of shapes.
 */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  /** uint32 */
  seq: number;
  /** uint32; meaningful only when the ACK flag is set */
  ack: number;
  /** TcpFlags bits (src/wire/constants.ts): FIN 1 SYN 2 RST 4 PSH 8 ACK 0x10 URG 0x20 */
  flags: number;
  /** The 16-bit window field as on the wire (unscaled). */
  window: number;
  urgentPointer: number;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  /** Both present iff a timestamp option is present. */
  tsVal?: number;
  tsEcr?: number;
  /** Flat [left0, right0, left1, right1, ...] absolute sequence numbers (RFC 2018). */
  sack?: number[];
  /** May be a view into a packet buffer: whoever keeps bytes copies them. */
  payload: Uint8Array;
  /** The IP header's ECN codepoint (RFC 3168 §5; src/tcp/ecn.ts), present only when not 0. */
  ecn?: number;
}

/** Flag bits used by the engine (same values as TcpFlags in src/wire/constants.ts). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

/** The shared empty payload for control segments (never written to). */
export const EMPTY_PAYLOAD: Uint8Array = new Uint8Array(0);

/** Sequence space a segment occupies: payload plus one each for SYN and FIN (RFC 9293 §3.4). */
export function segmentLength(seg: TcpSegment): number {
  return seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
}
