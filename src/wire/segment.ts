// The one value type for a TCP segment: the engine (src/tcp) takes and returns it, the stack's
// encoder (encode-segment.ts) writes it as packet bytes, and segment-convert.ts turns the codec's
// decoded headers and batch rows into it. No IP addresses: a host demultiplexes by 4-tuple before
// a segment reaches a Connection, and adds the addresses back on the way out.

import { FIN, SYN } from './constants.js';

// The flag bits are declared once, in constants.ts; they are re-exported here because they are
// the vocabulary of this type's `flags` field.
export { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE } from './constants.js';

/**
 * One TCP segment as the engine sees it. Option fields are present only when the option is
 * present (they are never set to `undefined`), so segment objects keep a small set of shapes.
 *
 * Compared with the codec's decoded `TcpHeader`: the timestamp option is flat (`tsVal`/`tsEcr`),
 * SACK blocks are a flat array, there is no header length or checksum (the encoder computes
 * both), and the payload travels with the header. `segmentFromHeader` / `segmentFromPacket` and
 * `headerFromSegment` convert between the two.
 */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  /** uint32 */
  seq: number;
  /** uint32; meaningful only when the ACK flag is set */
  ack: number;
  /** Flag bits (FIN 1 SYN 2 RST 4 PSH 8 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80, as TcpFlags). */
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
  /**
   * Headroom contract: the number of bytes just before `payload` in `payload.buffer` (from
   * `payload.byteOffset - headroom` up to `payload.byteOffset`) that belong to this segment and
   * that an encoder may overwrite with the IP and TCP headers, so that headers + payload leave as
   * one array with no copy of the payload (cf. smoltcp's TxToken::consume writing into the
   * device's buffer). Absent or 0: the bytes before the payload are someone else's, and the
   * encoder copies the payload into a packet of its own.
   *
   * The engine sets it on every data segment it emits: each payload is a fresh copy out of the
   * send buffer with SEGMENT_HEADROOM bytes reserved before it (tcp/byte-pool.ts). An encoder
   * that writes into the headroom claims it by setting the field to 0, so encoding the same
   * object twice cannot overwrite the first packet's headers. A copy of the object (`{...seg}`)
   * carries the claim with it: whoever clones a segment and encodes both must clear it on one.
   * IPv6 + TCP with every option take at most 40 + 60 bytes.
   */
  headroom?: number;
}

/** Room the engine reserves before each emitted payload: IPv6 (40) + a full TCP header (60). */
export const SEGMENT_HEADROOM = 128;

/** The shared empty payload for control segments (never written to). */
export const EMPTY_PAYLOAD: Uint8Array = new Uint8Array(0);

/** Sequence space a segment occupies: payload plus one each for SYN and FIN (RFC 9293 §3.4). */
export function segmentLength(seg: TcpSegment): number {
  return seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
}
