// SYN cookies (RFC 4987 §3.6): when a listener's SYN queue is full, its SYN-ACK carries all the
// state the handshake needs, so nothing is kept until the peer's ACK returns it. The layout
// follows Linux (net/ipv4/syncookies.c) in spirit, with our own hash and table:
//
//   ISS = A(tuple) + peerISN + (count << 24) + ((B(tuple, count) + mssIndex) mod 2^24)
//
// A and B are independent SipHash keys derived from the stack's RFC 6528 secret; `count` is a
// coarse clock (one tick per minute) so a cookie expires after one to two minutes (Linux:
// MAX_SYNCOOKIE_AGE). The ACK's ack number - 1 gives back the ISS, its seq - 1 the peer's ISN; the
// top byte then yields the count, and the low 24 bits the MSS index after removing B, which is
// right only for a cookie we made (an off-path guess passes with odds 8 in 2^24 per count).
//
// 3 bits of MSS leave no room for the other SYN options, so (as Linux's cookie_init_timestamp)
// they ride in the low 6 bits of our TSval: window scale (4 bits, 15 = none), SACK-permitted,
// ECN. The peer echoes the TSval in TSecr. Without timestamps, those options are given up.

import { KEY_SYN_COOKIE_A, KEY_SYN_COOKIE_B, TupleHash } from './keyed-hash.js';
import { ACK, EMPTY_PAYLOAD, SYN, type TcpSegment } from '../wire/segment.js';
import { seqAdd, seqGt } from './seq.js';

/**
 * MSS values a cookie can carry (the largest not above the peer's is chosen): Linux's IPv4/IPv6
 * tables, plus jumbo frames and the 65,000-byte MTU of a TUN device.
 */
export const COOKIE_MSS = Object.freeze([536, 1220, 1300, 1440, 1460, 8940, 16344, 64960]);
/** The cookie clock's tick, ms. */
export const COOKIE_PERIOD = 60_000;
/** Ticks a cookie stays valid after the one it was made in (Linux: MAX_SYNCOOKIE_AGE - 1). */
export const COOKIE_MAX_AGE = 1;

const COUNT_SHIFT = 24;
const LOW_MASK = 0xffffff;
const TS_OPTION_BITS = 0x3f;
const WSCALE_NONE = 0xf;
const SACK_BIT = 0x10;
const ECN_BIT = 0x20;

/** The SYN options a cookie carried back to us. */
export interface CookieOptions {
  mss: number;
  /** The peer's window scale, when both sides use it. */
  windowScale?: number;
  sackPermitted: boolean;
  ecn: boolean;
  /** The ACK had a timestamp option, so timestamps are on. */
  timestamps: boolean;
}

/** What went wrong with a returning cookie. */
export type CookieFailure = 'expired' | 'invalid';

export class SynCookies {
  readonly #a: TupleHash;
  readonly #b: TupleHash;

  constructor(secret: Uint8Array) {
    this.#a = new TupleHash(secret, KEY_SYN_COOKIE_A);
    this.#b = new TupleHash(secret, KEY_SYN_COOKIE_B);
  }

  /** Our ISS for a SYN with sequence number `peerIsn` whose MSS (or the default) is `peerMss`. */
  encode(
    local: Uint8Array,
    localPort: number,
    remote: Uint8Array,
    remotePort: number,
    peerIsn: number,
    peerMss: number,
    now: number,
  ): number {
    const count = cookieCount(now);
    let index = 0;
    while (index + 1 < COOKIE_MSS.length && COOKIE_MSS[index + 1]! <= peerMss) index++;
    const low = (this.#b.hash(local, remote, localPort, remotePort, count) + index) & LOW_MASK;
    const top = (count << COUNT_SHIFT) >>> 0;
    return seqAdd(seqAdd(this.#a.hash(local, remote, localPort, remotePort), peerIsn), top + low);
  }

  /**
   * The options in the cookie that `ack` (a segment with only ACK among SYN/ACK/RST, for no
   * connection) returns, or why it is not one of ours.
   */
  decode(
    local: Uint8Array,
    localPort: number,
    remote: Uint8Array,
    remotePort: number,
    ack: TcpSegment,
    now: number,
  ): CookieOptions | CookieFailure {
    const iss = seqAdd(ack.ack, -1);
    const peerIsn = seqAdd(ack.seq, -1);
    const v = seqAdd(seqAdd(iss, -this.#a.hash(local, remote, localPort, remotePort)), -peerIsn);
    const made = v >>> COUNT_SHIFT;
    const age = (cookieCount(now) - made) & 0xff;
    const index = (v - this.#b.hash(local, remote, localPort, remotePort, made)) & LOW_MASK;
    if (index >= COOKIE_MSS.length) return 'invalid';
    if (age > COOKIE_MAX_AGE) return 'expired';
    const options: CookieOptions = { mss: COOKIE_MSS[index]!, sackPermitted: false, ecn: false, timestamps: false };
    if (ack.tsEcr !== undefined) {
      const bits = ack.tsEcr & TS_OPTION_BITS;
      const scale = bits & WSCALE_NONE;
      options.timestamps = true;
      if (scale !== WSCALE_NONE) options.windowScale = scale;
      options.sackPermitted = (bits & SACK_BIT) !== 0;
      options.ecn = (bits & ECN_BIT) !== 0;
    }
    return options;
  }
}

/** The cookie clock: whole minutes of `now` (ms), modulo 256 (its 8 bits in the ISS). */
export function cookieCount(now: number): number {
  return Math.floor(now / COOKIE_PERIOD) & 0xff;
}

/**
 * A TSval no later than `tsNow` whose low 6 bits carry the options (Linux
 * cookie_init_timestamp): the connection's later TSvals, from the same clock, stay ahead of it.
 */
export function cookieTimestamp(
  tsNow: number,
  windowScale: number | undefined,
  sackPermitted: boolean,
  ecn: boolean,
): number {
  const bits = (windowScale ?? WSCALE_NONE) | (sackPermitted ? SACK_BIT : 0) | (ecn ? ECN_BIT : 0);
  let ts = ((tsNow & ~TS_OPTION_BITS) | bits) >>> 0;
  if (seqGt(ts, tsNow)) ts = seqAdd(ts, -(TS_OPTION_BITS + 1));
  return ts;
}

export interface CookieSynAckInit {
  syn: TcpSegment;
  iss: number;
  /** The MSS we announce (what the path allows us). */
  mss: number;
  /** Our receive window (unscaled in a SYN-ACK, RFC 7323 §2.2) and window scale. */
  window: number;
  windowScale: number;
  /** Our TSval clock now (the connection's offset applied); undefined: timestamps off. */
  tsNow: number | undefined;
  sack: boolean;
  windowScaling: boolean;
}

/**
 * The stateless SYN-ACK for `syn`. Window scale and SACK are offered only when the SYN offered
 * them and timestamps carry them back (as Linux does).
 */
export function cookieSynAck(o: CookieSynAckInit): TcpSegment {
  const syn = o.syn;
  const seg: TcpSegment = {
    srcPort: syn.dstPort,
    dstPort: syn.srcPort,
    seq: o.iss,
    ack: seqAdd(syn.seq, 1),
    flags: SYN | ACK,
    window: Math.min(o.window, 0xffff),
    urgentPointer: 0,
    payload: EMPTY_PAYLOAD,
  };
  seg.mss = o.mss;
  if (o.tsNow !== undefined && syn.tsVal !== undefined) {
    const peerScale = o.windowScaling && syn.windowScale !== undefined ? Math.min(syn.windowScale, 14) : undefined;
    const sack = o.sack && syn.sackPermitted === true;
    if (peerScale !== undefined) seg.windowScale = o.windowScale;
    if (sack) seg.sackPermitted = true;
    seg.tsVal = cookieTimestamp(o.tsNow, peerScale, sack, false);
    seg.tsEcr = syn.tsVal;
  }
  return seg;
}

/** The SYN a validated cookie stands for: the peer's ISN, MSS and the options it carried. */
export function synFromCookie(ack: TcpSegment, options: CookieOptions): TcpSegment {
  const syn: TcpSegment = {
    srcPort: ack.srcPort,
    dstPort: ack.dstPort,
    seq: seqAdd(ack.seq, -1),
    ack: 0,
    flags: SYN,
    window: ack.window,
    urgentPointer: 0,
    payload: EMPTY_PAYLOAD,
    mss: options.mss,
  };
  if (options.windowScale !== undefined) syn.windowScale = options.windowScale;
  if (options.sackPermitted) syn.sackPermitted = true;
  if (options.timestamps && ack.tsVal !== undefined) {
    syn.tsVal = ack.tsVal;
    syn.tsEcr = 0;
  }
  return syn;
}
