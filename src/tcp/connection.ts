// One TCP connection as a sans-IO state machine (RFC 9293 §3.10 event processing).
//
// The stack drives it: handleSegment() for each arriving segment, pollTransmit() until null to
// collect what to send, pollEvent() until null to learn what happened, handleTimeout() when the
// clock passes nextTimeout. Time is a number of milliseconds passed in; nothing here reads a
// clock, sets a timer or does I/O.
//
// Companions implemented here: RFC 5961 (challenge ACKs for RST / SYN / blind data injection),
// RFC 7323 (window scale, timestamps with RTTM and PAWS), RFC 2018 (SACK blocks), RFC 6298
// (RTO with Karn's algorithm and backoff), RFC 5681 / 6582 (fast retransmit, NewReno recovery,
// through the pluggable CongestionControl), RFC 1122 (delayed ACK, keep-alive), RFC 9293 §3.8.6
// (Nagle, silly-window avoidance on both sides, zero-window probing).
//
// The per-segment path allocates only the segment object and its payload: pending output is a
// handful of flags, timers are absolute deadlines (numbers), events are bits.

import type { TcpConfig } from './config.js';
import { createCongestionControl, type CongestionControl } from './congestion.js';
import { createTcpCounters, type TcpCounters } from './counters.js';
import {
  CLOSED_EVENT,
  END_EVENT,
  ERROR_EVENTS,
  ESTABLISHED_EVENT,
  EV_CLOSED,
  EV_END,
  EV_ERROR,
  EV_ESTABLISHED,
  EV_READABLE,
  EV_WRITABLE,
  READABLE_EVENT,
  WRITABLE_EVENT,
  type ConnectionErrorCode,
  type ConnectionEvent,
} from './events.js';
import type { MemoryAccount } from './memory-account.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { RttEstimator } from './rtt.js';
import { RareTimes } from './rare-times.js';
import { EcnState } from './ecn.js';
import { ACK, ECE, EMPTY_PAYLOAD, FIN, PSH, RST, SEGMENT_HEADROOM, SYN, type TcpSegment } from '../wire/segment.js';
import { Rack } from './rack.js';
import { SackScoreboard } from './sack-scoreboard.js';
import { SendBuffer } from './send-buffer.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt } from './seq.js';
import type { TcpState } from './state.js';
import { TailLossProbe } from './tlp.js';
import { RtoUndo } from './undo.js';
import { WindowLimit } from './window-limit.js';

export type { ConnectionErrorCode, ConnectionEvent } from './events.js';

/** What `Connection.connect` and `Connection.accept` need: the ports, the ISS and the config. */
export interface ConnectionInit {
  localPort: number;
  remotePort: number;
  /** Initial send sequence number, from IsnGenerator (RFC 6528). */
  iss: number;
  /** Resolved configuration (resolveTcpConfig). */
  config: TcpConfig;
  /** The MSS this path allows us to advertise (MTU - IP header - 20); default config.mss. */
  mss?: number;
  /** Shared statistics object the connection increments. */
  counters?: TcpCounters;
  /**
   * Send MSS to assume when the peer's SYN has no MSS option (RFC 9293 §3.7.1): 536 for IPv4
   * (the default), 1220 for IPv6.
   */
  defaultPeerMss?: number;
  /**
   * Segmentation offload (default 0: off): a segment of new data may carry up to this many bytes,
   * rounded down to a whole number of MSS-sized segments, for a device that cuts it into
   * MSS-sized wire segments (TSO/GSO). Retransmissions and segments with SACK blocks stay within
   * one MSS; a sub-MSS tail rides along only when Nagle would let it go on its own.
   */
  maxSegmentBurst?: number;
  /**
   * Offset of our TSval clock (RFC 7323 §5.4): the stack passes a keyed hash of the address pair
   * so TSval reveals neither uptime nor the ISN. Default: the ISS.
   */
  tsOffset?: number;
  /**
   * Where the send and receive buffers charge their storage (the stack's memory budget).
   * @internal
   */
  memory?: MemoryAccount;
  /**
   * A challenge ACK limit shared by every connection of a stack (RFC 5961 §7 suggests a
   * system-wide one): each challenge ACK must pass it as well as the connection's own
   * config.challengeAckLimit. Absent: no shared limit.
   * @internal
   */
  challengeAckGlobal?: WindowLimit;
}

/** RFC 9293 §3.7.1: the send MSS to assume when an IPv4 peer's SYN carries no MSS option. */
export const DEFAULT_PEER_MSS = 536;
/** The same for IPv6 (RFC 9293 §3.7.1, from the IPv6 minimum MTU of 1280). */
export const DEFAULT_PEER_MSS_IPV6 = 1220;
/** Floor for a peer-announced MSS, so a hostile MSS of 0 cannot stall or spin the sender. */
export const MIN_PEER_MSS = 64;
/** Bytes the timestamp option takes in every segment once negotiated (10 + 2 NOPs). */
const TS_OPTION_SPACE = 12;
/** RFC 7323 §5.5: TS.Recent older than 24 days is invalid for PAWS. */
const PAWS_IDLE_LIMIT = 24 * 86400000;
/**
 * Replies to unacceptable zero-length segments (out of window, or failing PAWS) are sent at most
 * once per this many ms per connection, as Linux does (tcp_invalid_ratelimit, 500 ms): two ends
 * that disagree about sequence numbers would otherwise answer each other's ACKs forever (an ACK
 * storm). Segments carrying data, SYN or FIN are always answered: their sender needs the ACK.
 */
const OUT_OF_WINDOW_ACK_INTERVAL = 500;
/** Cap on duplicate ACKs queued by one batch of out-of-order segments. */
const MAX_DUP_ACKS_OWED = 16;
/** RFC 6298 §5.7: RTO once data flows if the SYN had to be retransmitted. */
const RTO_AFTER_SYN_LOSS = 3000;

/** Smallest shift that makes `buffer` fit the 16-bit window field (at most 14, RFC 7323 §2.3). */
export function windowScaleFor(buffer: number): number {
  let shift = 0;
  while (shift < 14 && buffer > 0xffff * 2 ** shift) shift++;
  return shift;
}

// The connection's booleans live in one small integer (#flags) behind private accessors: an
// idle connection then holds one field for them instead of nineteen (8 bytes each on Node's
// 64-bit V8, which ships without pointer compression).
const F_PASSIVE = 1 << 0;
const F_FIN_PENDING = 1 << 1;
const F_TS_ENABLED = 1 << 2;
const F_SACK_ENABLED = 1 << 3;
const F_WS_AGREED = 1 << 4;
const F_FIN_QUEUED = 1 << 5;
const F_SYN_RETRANSMITTED = 1 << 6;
const F_IN_RECOVERY = 1 << 7;
const F_PROBE_TAIL_NOW = 1 << 8;
const F_DSACK_PENDING = 1 << 9;
const F_ACK_NOW = 1 << 10;
const F_RETRANSMIT_NOW = 1 << 11;
const F_PROBE_NOW = 1 << 12;
const F_FORCE_SEND = 1 << 13;
const F_RST_PENDING = 1 << 14;
const F_NO_DELAY = 1 << 15;
const F_KEEP_ALIVE = 1 << 16;
const F_WANT_WRITABLE = 1 << 17;
const F_CLOSED_REPORTED = 1 << 18;
/** RACK-TLP is the loss detection (SACK agreed, lossDetection 'rack'); see #rack. */
const F_RACK = 1 << 19;

/**
 * One TCP connection (a TCB, RFC 9293 §3.3.1), sans-IO: it never reads a clock, sets a timer or
 * touches a socket. The caller passes segments and the time in (`handleSegment`, `handleTimeout`),
 * sends what `pollTransmit` returns, sleeps until `nextTimeout`, and takes `pollEvent`'s events.
 * Times are milliseconds on the caller's clock. docs/engine.md has a complete driving loop.
 */
export class Connection {
  readonly localPort: number;
  readonly remotePort: number;
  readonly #config: TcpConfig;
  readonly #counters: TcpCounters;
  /** The MSS we advertise (and the most we send before the peer's MSS is known). */
  readonly #localMss: number;
  readonly #defaultPeerMss: number;
  /** ConnectionInit.maxSegmentBurst (0: one MSS per segment). */
  readonly #maxSegmentBurst: number;

  #_state: TcpState = 'CLOSED';
  /** The connection's booleans, one bit each (F_*), read and written through the accessors below. */
  #flags = 0;
  /** Opened by Connection.accept (a RST in SYN-RECEIVED then closes silently, §3.10.7.4). */
  get #passive(): boolean {
    return (this.#flags & F_PASSIVE) !== 0;
  }
  set #passive(on: boolean) {
    this.#flags = on ? this.#flags | F_PASSIVE : this.#flags & ~F_PASSIVE;
  }

  // Send sequence space (RFC 9293 §3.3.1). sndMax is the highest sequence number ever sent:
  // after a timeout SND.NXT goes back to SND.UNA, and ACKs up to sndMax remain legitimate.
  readonly #iss: number;
  #sndUna: number;
  #sndNxt: number;
  #sndMax: number;
  #sndWnd = 0;
  #sndWl1 = 0;
  #sndWl2 = 0;
  /** Largest window the peer ever offered (RFC 5961 §5 MAX.SND.WND; sender SWS avoidance). */
  #maxSndWnd = 0;
  #sndWndScale = 0;
  /** Payload bytes per segment after MSS negotiation and option space. */
  #effMss: number;

  // Receive sequence space.
  #irs = 0;
  #rcvNxt = 0;
  /** Right edge of the window we last advertised; never moved left (RFC 9293 §3.8.6.2.2). */
  #rcvAdvEdge = 0;
  #rcvWndScale = 0;
  /** RCV.NXT carried by the last ACK we sent (RFC 7323 Last.ACK.sent; delayed-ACK accounting). */
  #lastAckSent = 0;
  /** Largest payload seen from the peer: "full-sized" for the every-second-segment ACK rule. */
  #rcvMssSeen: number;
  /** A FIN that arrived ahead of missing data: consumed once RCV.NXT reaches it. */
  get #finPending(): boolean {
    return (this.#flags & F_FIN_PENDING) !== 0;
  }
  set #finPending(on: boolean) {
    this.#flags = on ? this.#flags | F_FIN_PENDING : this.#flags & ~F_FIN_PENDING;
  }
  #finPendingSeq = 0;

  // Negotiated options.
  get #tsEnabled(): boolean {
    return (this.#flags & F_TS_ENABLED) !== 0;
  }
  set #tsEnabled(on: boolean) {
    this.#flags = on ? this.#flags | F_TS_ENABLED : this.#flags & ~F_TS_ENABLED;
  }
  #tsRecent = 0;
  #tsRecentTime = 0;
  /** Per-connection offset of our TSval clock so it does not reveal the host's clock. */
  readonly #tsOffset: number;
  get #sackEnabled(): boolean {
    return (this.#flags & F_SACK_ENABLED) !== 0;
  }
  set #sackEnabled(on: boolean) {
    this.#flags = on ? this.#flags | F_SACK_ENABLED : this.#flags & ~F_SACK_ENABLED;
  }
  /** Both SYNs carried a window scale option (RFC 7323 §2.2). */
  get #wsAgreed(): boolean {
    return (this.#flags & F_WS_AGREED) !== 0;
  }
  set #wsAgreed(on: boolean) {
    this.#flags = on ? this.#flags | F_WS_AGREED : this.#flags & ~F_WS_AGREED;
  }

  readonly #sendBuffer: SendBuffer;
  readonly #receiveBuffer: ReceiveBuffer;
  /** close() was called: a FIN follows the queued data at finSeq. */
  get #finQueued(): boolean {
    return (this.#flags & F_FIN_QUEUED) !== 0;
  }
  set #finQueued(on: boolean) {
    this.#flags = on ? this.#flags | F_FIN_QUEUED : this.#flags & ~F_FIN_QUEUED;
  }
  #finSeq = 0;

  #rtt: RttEstimator;
  #cc: CongestionControl;
  /** Karn: one segment timed at a time when timestamps are off; -1 when none. */
  #rttTime = -1;
  #rttSeq = 0;
  #retries = 0;
  get #synRetransmitted(): boolean {
    return (this.#flags & F_SYN_RETRANSMITTED) !== 0;
  }
  set #synRetransmitted(on: boolean) {
    this.#flags = on ? this.#flags | F_SYN_RETRANSMITTED : this.#flags & ~F_SYN_RETRANSMITTED;
  }
  #dupAcks = 0;
  get #inRecovery(): boolean {
    return (this.#flags & F_IN_RECOVERY) !== 0;
  }
  set #inRecovery(on: boolean) {
    this.#flags = on ? this.#flags | F_IN_RECOVERY : this.#flags & ~F_IN_RECOVERY;
  }
  /** RFC 6582 "recover": highest sequence number sent when recovery (or a timeout) began. */
  #recover: number;
  #lastDataSendTime = 0;
  /** What the peer's SACK blocks say it holds above SND.UNA (allocated on the first block). */
  #scoreboard: SackScoreboard | null = null;
  /** SACK recovery: first byte not yet resent in this recovery. */
  #rexmitHigh = 0;
  /** SACK recovery: bytes resent for holes that still count as in flight. */
  #holeBytesInFlight = 0;
  /** SACK recovery: duplicate ACKs (segments that left the network) not yet spent on a hole. */
  #holeCredits = 0;
  /** Spurious-timeout detection (timestamps only), made on the first RTO. */
  #rtoUndo: RtoUndo | null = null;
  /** RACK time-based loss detection (RFC 8985), when SACK is agreed and lossDetection is 'rack'. */
  #rackState: Rack | null = null;
  /** The least RTT sampled in RACK mode before #rackState was made (its min_rtt); -1: none. */
  #rttMinEarly = -1;
  /** Tail loss probe (RFC 8985 §7), with RACK; the PTO fired and the probe is to go out. */
  #tlpState: TailLossProbe | null = null;
  get #probeTailNow(): boolean {
    return (this.#flags & F_PROBE_TAIL_NOW) !== 0;
  }
  set #probeTailNow(on: boolean) {
    this.#flags = on ? this.#flags | F_PROBE_TAIL_NOW : this.#flags & ~F_PROBE_TAIL_NOW;
  }
  /** RFC 2883 D-SACK: a duplicate segment [dsackStart, dsackEnd) to report in the next ACK. */
  get #dsackPending(): boolean {
    return (this.#flags & F_DSACK_PENDING) !== 0;
  }
  set #dsackPending(on: boolean) {
    this.#flags = on ? this.#flags | F_DSACK_PENDING : this.#flags & ~F_DSACK_PENDING;
  }
  #dsackStart = 0;
  #dsackEnd = 0;

  // Pending output.
  get #ackNow(): boolean {
    return (this.#flags & F_ACK_NOW) !== 0;
  }
  set #ackNow(on: boolean) {
    this.#flags = on ? this.#flags | F_ACK_NOW : this.#flags & ~F_ACK_NOW;
  }
  /** Immediate duplicate ACKs owed for out-of-order segments, one each. */
  #dupAcksOwed = 0;
  /** Retransmit one segment at SND.UNA (fast retransmit, NewReno partial ACK). */
  get #retransmitNow(): boolean {
    return (this.#flags & F_RETRANSMIT_NOW) !== 0;
  }
  set #retransmitNow(on: boolean) {
    this.#flags = on ? this.#flags | F_RETRANSMIT_NOW : this.#flags & ~F_RETRANSMIT_NOW;
  }
  /** The last ICMP soft error, reported instead of ETIMEDOUT (Linux's sk_err_soft). */
  #softError: ConnectionErrorCode | null = null;
  /**
   * RFC 3168 state (ecn.ts), only where ECN can be used: an active open that asks ('on') or a
   * passive one whose SYN asked; null otherwise, so it costs nothing on other connections.
   */
  #ecn: EcnState | null;
  /** Send a zero-length probe at SND.UNA - 1 (zero-window probe or keep-alive). */
  get #probeNow(): boolean {
    return (this.#flags & F_PROBE_NOW) !== 0;
  }
  set #probeNow(on: boolean) {
    this.#flags = on ? this.#flags | F_PROBE_NOW : this.#flags & ~F_PROBE_NOW;
  }
  /** Persist timer fired with a small but open window: send what fits regardless of SWS. */
  get #forceSend(): boolean {
    return (this.#flags & F_FORCE_SEND) !== 0;
  }
  set #forceSend(on: boolean) {
    this.#flags = on ? this.#flags | F_FORCE_SEND : this.#flags & ~F_FORCE_SEND;
  }
  get #rstPending(): boolean {
    return (this.#flags & F_RST_PENDING) !== 0;
  }
  set #rstPending(on: boolean) {
    this.#flags = on ? this.#flags | F_RST_PENDING : this.#flags & ~F_RST_PENDING;
  }
  #rstSeq = 0;
  #rstAck = 0;
  #rstFlags = 0;
  get #noDelay(): boolean {
    return (this.#flags & F_NO_DELAY) !== 0;
  }
  set #noDelay(on: boolean) {
    this.#flags = on ? this.#flags | F_NO_DELAY : this.#flags & ~F_NO_DELAY;
  }
  /**
   * End of the last sub-MSS segment sent (Linux snd_sml): Nagle in Minshall's form holds a small
   * segment only while this one is unacknowledged.
   */
  #sndSml = 0;

  // Timers: absolute deadlines in ms, Infinity when not running.
  #rtoDeadline = Infinity;
  #delayedAckDeadline = Infinity;
  /** The deadlines most connections never arm, made on first use (see rare-times.ts). */
  #rare: RareTimes | null = null;
  get #persistDeadline(): number {
    return this.#rare === null ? Infinity : this.#rare.persist;
  }
  set #persistDeadline(t: number) {
    if (this.#rare !== null || t !== Infinity) (this.#rare ??= new RareTimes()).persist = t;
  }
  get #keepAliveDeadline(): number {
    return this.#rare === null ? Infinity : this.#rare.keepAlive;
  }
  set #keepAliveDeadline(t: number) {
    if (this.#rare !== null || t !== Infinity) (this.#rare ??= new RareTimes()).keepAlive = t;
  }
  get #timeWaitDeadline(): number {
    return this.#rare === null ? Infinity : this.#rare.timeWait;
  }
  set #timeWaitDeadline(t: number) {
    if (this.#rare !== null || t !== Infinity) (this.#rare ??= new RareTimes()).timeWait = t;
  }
  #persistBackoff = 0;
  #persistProbes = 0;
  get #keepAlive(): boolean {
    return (this.#flags & F_KEEP_ALIVE) !== 0;
  }
  set #keepAlive(on: boolean) {
    this.#flags = on ? this.#flags | F_KEEP_ALIVE : this.#flags & ~F_KEEP_ALIVE;
  }
  #keepAliveIdle: number;
  #keepAliveSent = 0;
  #lastReceiveTime = 0;

  #events = 0;
  #errorCode: ConnectionErrorCode = 'ECONNRESET';
  get #wantWritable(): boolean {
    return (this.#flags & F_WANT_WRITABLE) !== 0;
  }
  set #wantWritable(on: boolean) {
    this.#flags = on ? this.#flags | F_WANT_WRITABLE : this.#flags & ~F_WANT_WRITABLE;
  }
  get #closedReported(): boolean {
    return (this.#flags & F_CLOSED_REPORTED) !== 0;
  }
  set #closedReported(on: boolean) {
    this.#flags = on ? this.#flags | F_CLOSED_REPORTED : this.#flags & ~F_CLOSED_REPORTED;
  }
  /** config.challengeAckLimit per second, made on the first challenge ACK (null: none yet or off). */
  #challengeLimiter: WindowLimit | null = null;
  readonly #challengeGlobal: WindowLimit | null;
  /** When the last reply to an unacceptable zero-length segment went out (rate limit above). */
  get #lastOutOfWindowAck(): number {
    return this.#rare === null ? -Infinity : this.#rare.lastOutOfWindowAck;
  }
  set #lastOutOfWindowAck(t: number) {
    (this.#rare ??= new RareTimes()).lastOutOfWindowAck = t;
  }

  // RACK-TLP (RFC 8985) when it is the loss detection, null otherwise. Its state is made on first
  // use (the first segment that takes sequence space, a D-SACK): an idle connection holds none
  // (~330 bytes). Paths that only read it use #rackState / #tlpState, absent meaning fresh.
  get #rack(): Rack | null {
    if ((this.#flags & F_RACK) === 0) return null;
    if (this.#rackState === null) {
      this.#rackState = new Rack();
      if (this.#rttMinEarly >= 0) this.#rackState.onRttSample(this.#rttMinEarly);
    }
    return this.#rackState;
  }

  get #tlp(): TailLossProbe | null {
    if ((this.#flags & F_RACK) === 0) return null;
    return (this.#tlpState ??= new TailLossProbe());
  }

  /** A connection in CLOSED; use `connect` or `accept` to open one. */
  constructor(init: ConnectionInit) {
    const config = init.config;
    // Stored as small integers: one port that arrives as a heap number (computed in floating
    // point) turns the field into a boxed double in every connection, 16 bytes more each.
    this.localPort = init.localPort | 0;
    this.remotePort = init.remotePort | 0;
    this.#config = config;
    this.#counters = init.counters ?? createTcpCounters();
    const mss = init.mss ?? config.mss;
    if (!Number.isInteger(mss) || mss < MIN_PEER_MSS || mss > 65495) {
      throw new RangeError(`mss must be an integer in [${MIN_PEER_MSS}, 65495], got ${mss}`);
    }
    this.#localMss = mss;
    const peerDefault = init.defaultPeerMss ?? DEFAULT_PEER_MSS;
    if (!Number.isInteger(peerDefault) || peerDefault < MIN_PEER_MSS || peerDefault > 65495) {
      throw new RangeError(`defaultPeerMss must be an integer in [${MIN_PEER_MSS}, 65495], got ${peerDefault}`);
    }
    this.#defaultPeerMss = peerDefault;
    const burst = init.maxSegmentBurst ?? 0;
    if (!Number.isInteger(burst) || burst < 0 || burst > 0x3fffffff) {
      throw new RangeError(`maxSegmentBurst must be a non-negative integer, got ${burst}`);
    }
    this.#maxSegmentBurst = burst;
    this.#challengeGlobal = init.challengeAckGlobal ?? null;
    const iss = init.iss >>> 0;
    this.#iss = iss;
    this.#sndUna = iss;
    this.#sndNxt = iss;
    this.#sndMax = iss;
    this.#sndSml = iss;
    this.#recover = iss;
    this.#tsOffset = init.tsOffset === undefined ? iss : init.tsOffset >>> 0;
    this.#effMss = Math.min(mss, peerDefault);
    this.#rcvMssSeen = Math.min(mss, peerDefault);
    this.#noDelay = !config.nagle;
    this.#keepAliveIdle = config.keepAliveIdle;
    this.#sendBuffer = new SendBuffer(config.sendBufferSize);
    this.#receiveBuffer = new ReceiveBuffer(config.receiveBufferSize);
    if (init.memory !== undefined) {
      this.#sendBuffer.chargeTo(init.memory);
      this.#receiveBuffer.chargeTo(init.memory);
    }
    this.#rtt = new RttEstimator(config);
    this.#cc = createCongestionControl(config.congestionControl, this.#effMss);
    this.#ecn = config.ecn === 'on' ? new EcnState('on') : null;
  }

  /** Active OPEN (RFC 9293 §3.10.1): SYN-SENT with the SYN queued for pollTransmit. */
  static connect(init: ConnectionInit, now: number): Connection {
    const c = new Connection(init);
    c.#_state = 'SYN-SENT';
    c.#lastReceiveTime = now;
    return c;
  }

  /**
   * Passive OPEN completed by a SYN that reached a listener (RFC 9293 §3.10.7.2): SYN-RECEIVED
   * with the SYN-ACK queued. Data on the SYN is not acknowledged; the peer sends it again.
   */
  static accept(init: ConnectionInit, syn: TcpSegment, now: number): Connection {
    const c = new Connection(init);
    c.#passive = true;
    c.#irs = syn.seq >>> 0;
    c.#rcvNxt = seqAdd(syn.seq, 1);
    c.#lastAckSent = c.#rcvNxt;
    c.#rcvAdvEdge = seqAdd(c.#rcvNxt, Math.min(c.#receiveBuffer.window, 0xffff));
    c.#negotiate(syn, now);
    c.#ecn = EcnState.forPassiveOpen(c.#config.ecn, syn.flags);
    c.#sndWnd = syn.window; // never scaled in a SYN (RFC 7323 §2.2)
    c.#maxSndWnd = syn.window;
    c.#sndWl1 = syn.seq >>> 0;
    c.#sndWl2 = c.#iss;
    c.#_state = 'SYN-RECEIVED';
    c.#lastReceiveTime = now;
    return c;
  }

  /**
   * A passive open completed by a SYN cookie (RFC 4987 §3.6): no SYN-RECEIVED state was kept, and
   * the stack sent the SYN-ACK itself. `syn` is the SYN the cookie stands for (synFromCookie);
   * `ack`, the segment that returned the cookie, then completes the handshake exactly as it would
   * in SYN-RECEIVED (ESTABLISHED, its data and window taken).
   */
  static fromCookie(init: ConnectionInit, syn: TcpSegment, ack: TcpSegment, now: number): Connection {
    const c = Connection.accept(init, syn, now);
    c.#sndNxt = seqAdd(c.#iss, 1); // the cookie SYN-ACK is out; no RTT sample from it (Karn)
    c.#sndMax = c.#sndNxt;
    c.handleSegment(ack, now);
    return c;
  }

  /** The RFC 9293 state, e.g. `'ESTABLISHED'`. */
  get state(): TcpState {
    return this.#_state;
  }

  /** Effective send MSS after negotiation: payload bytes per full segment. */
  get mssSend(): number {
    return this.#effMss;
  }

  /** Bytes of buffer storage this connection holds now (send and receive). */
  get bufferBytes(): number {
    return this.#sendBuffer.storageBytes + this.#receiveBuffer.storageBytes;
  }

  /** Stops charging the buffers to the memory account (the connection left the stack). */
  detachMemory(): void {
    this.#sendBuffer.chargeTo(null);
    this.#receiveBuffer.chargeTo(null);
  }

  get sendBufferFree(): number {
    return this.#sendBuffer.free;
  }

  /** Bytes written but not yet acknowledged. */
  get bufferedSend(): number {
    return this.#sendBuffer.length;
  }

  /** In-order bytes ready to read. */
  get readable(): number {
    return this.#receiveBuffer.readable;
  }

  /** The earliest timer deadline (ms, the caller's clock), `Infinity` when none is armed: call `handleTimeout` then. */
  get nextTimeout(): number {
    return Math.min(
      this.#rtoDeadline,
      this.#delayedAckDeadline,
      this.#persistDeadline,
      this.#keepAliveDeadline,
      this.#timeWaitDeadline,
      this.#rackState?.deadline ?? Infinity,
      this.#tlpState?.deadline ?? Infinity,
    );
  }

  // ---------------------------------------------------------------------------------------
  // User calls (RFC 9293 §3.10.2 - 3.10.5)

  /** SEND: copies up to sendBufferFree bytes; returns how many were taken. */
  write(data: Uint8Array): number {
    const s = this.#_state;
    if (this.#finQueued || !(s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'SYN-SENT' || s === 'SYN-RECEIVED')) {
      // An error not yet polled (the peer's RST, a timeout) is the reason; EPIPE must not hide it.
      if (!(this.#events & EV_ERROR)) this.#raiseError('EPIPE');
      return 0;
    }
    const n = this.#sendBuffer.write(data);
    if (n < data.length) this.#wantWritable = true;
    return n;
  }

  /** RECEIVE: in-order bytes; reading opens the receive window. */
  read(max?: number): Uint8Array | null {
    const out = this.#receiveBuffer.read(max);
    if (out !== null && this.#isSynchronizedReceiving()) {
      // Announce a window that opened significantly (≥ 2 MSS or half the buffer) right away,
      // rather than leaving the peer stalled until it probes.
      // Only a window the field can carry counts: without scaling it stops at 65,535 however
      // much the read freed, and an "update" repeating the last ACK is a duplicate ACK to the
      // peer (RFC 5681 §2), not a window update (RFC 9293 §3.8.6.2.2).
      const advertised = seqDiff(this.#rcvAdvEdge, this.#rcvNxt);
      const scale = this.#rcvWndScale;
      const offered = (Math.min(this.#receiveBuffer.window, 0xffff << scale) >>> scale) << scale;
      const threshold = Math.min(2 * this.#localMss, this.#receiveBuffer.capacity >>> 1);
      if (offered - Math.max(advertised, 0) >= threshold) this.#ackNow = true;
    }
    return out;
  }

  /** CLOSE: a FIN follows the queued data; reading continues (half-close). */
  close(now: number): void {
    void now; // kept for symmetry with abort(); the FIN goes out on the next pollTransmit
    switch (this.#_state) {
      case 'CLOSED':
      case 'LISTEN':
      case 'SYN-SENT':
        this.#toClosed();
        return;
      case 'SYN-RECEIVED':
        // The FIN waits for ESTABLISHED (RFC 9293 §3.10.4 allows queueing it until then).
        this.#queueFin(seqAdd(this.#iss, 1 + this.#sendBuffer.length));
        return;
      case 'ESTABLISHED':
        this.#queueFin(seqAdd(this.#sndUna, this.#sendBuffer.length));
        this.#_state = 'FIN-WAIT-1';
        break;
      case 'CLOSE-WAIT':
        this.#queueFin(seqAdd(this.#sndUna, this.#sendBuffer.length));
        this.#_state = 'LAST-ACK';
        break;
      default:
        return; // already closing
    }
  }

  /** ABORT: RST if synchronized, then CLOSED at once (RFC 9293 §3.10.5). */
  abort(now: number): void {
    void now;
    const s = this.#_state;
    if (s === 'SYN-RECEIVED' || s === 'ESTABLISHED' || s === 'FIN-WAIT-1' || s === 'FIN-WAIT-2' || s === 'CLOSE-WAIT') {
      this.#queueRst(this.#sndMax, 0, RST); // SND.NXT before any timeout rewound it (see emitAck)
    }
    if (s !== 'CLOSED') this.#toClosed();
  }

  /**
   * Drops the connection without sending anything: an orphan whose FIN-WAIT-2 time ran out
   * (Linux tcp_fin_timeout lets the FIN-WAIT-2 timewait socket expire silently).
   */
  expire(): void {
    if (this.#_state !== 'CLOSED') this.#toClosed();
  }

  /** Turns Nagle's algorithm off (true) or on, as `socket.setNoDelay` (RFC 9293 §3.7.4). */
  setNoDelay(noDelay: boolean): void {
    this.#noDelay = noDelay;
  }

  /**
   * An ICMP Destination Unreachable (or Time Exceeded) quoting our segment with sequence number
   * `seq`. False when `seq` is outside SND.UNA..SND.MAX (RFC 5927 §4.1: likely forged; the
   * caller counts it). In SYN-SENT it fails the open with `code` (Linux tcp_v4_err); otherwise it
   * is a soft error (RFC 1122 §4.2.3.9), reported instead of ETIMEDOUT if the connection later
   * times out, as Linux's sk_err_soft.
   */
  icmpUnreachable(seq: number, code: ConnectionErrorCode, now: number): boolean {
    void now;
    if (!this.#icmpSeqValid(seq)) return false;
    if (this.#_state === 'SYN-SENT') this.#fail(code);
    else this.#softError = code;
    return true;
  }

  /**
   * Fragmentation Needed / Packet Too Big (RFC 1191, RFC 8201) quoting our segment `seq`: the
   * path takes `pathMss` bytes of TCP payload without options. Lowers the MSS and resends what
   * is outstanding at once in the new size (Linux tcp_simple_retransmit: not congestion, cwnd is
   * kept). False when `seq` is outside SND.UNA..SND.MAX.
   */
  pathMtuReduced(seq: number, pathMss: number, now: number): boolean {
    void now;
    if (!this.#icmpSeqValid(seq)) return false;
    const mss = Math.max(MIN_PEER_MSS, pathMss) - (this.#tsEnabled ? TS_OPTION_SPACE : 0);
    if (mss >= this.#effMss) return true;
    this.#effMss = mss;
    const s = this.#_state;
    if (this.#sndMax !== this.#sndUna && s !== 'SYN-SENT' && s !== 'SYN-RECEIVED') {
      // Go back to SND.UNA as after a timeout, without the timeout's window cut.
      this.#sndNxt = this.#sndUna;
      this.#recover = this.#sndMax;
      this.#inRecovery = false;
      this.#dupAcks = 0;
      this.#retransmitNow = true;
      this.#rttTime = -1;
      if (this.#scoreboard !== null) this.#scoreboard.clear();
    }
    return true;
  }

  /** RFC 5927 §4.1 (Linux's between(seq, snd_una, snd_nxt)): the quote is of data in flight. */
  #icmpSeqValid(seq: number): boolean {
    const s = this.#_state;
    if (s === 'CLOSED' || s === 'LISTEN' || s === 'TIME-WAIT') return false;
    return seqLe(this.#sndUna, seq) && seqLe(seq >>> 0, this.#sndMax);
  }

  /** RFC 1122 §4.2.3.6 keep-alive; `initialDelayMs` > 0 replaces the configured idle time. */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    this.#keepAlive = enable;
    if (initialDelayMs !== undefined && initialDelayMs > 0) this.#keepAliveIdle = initialDelayMs;
    this.#armKeepAlive();
  }

  /**
   * Whether a new SYN for this 4-tuple may replace this connection while it sits in TIME-WAIT
   * (RFC 1122 §4.2.2.13, RFC 6191): its timestamp is newer than TS.Recent when both carry
   * timestamps, otherwise its sequence number is beyond RCV.NXT. The stack then drops this
   * connection and accepts the SYN; otherwise it passes the SYN here (challenge ACK).
   */
  canReuseForSyn(syn: TcpSegment): boolean {
    if (this.#_state !== 'TIME-WAIT' || (syn.flags & (SYN | ACK | RST)) !== SYN) return false;
    if (this.#tsEnabled && syn.tsVal !== undefined) return seqGt(syn.tsVal, this.#tsRecent);
    return seqGt(syn.seq, this.#rcvNxt);
  }

  /**
   * The ISS for a connection that replaces this one after canReuseForSyn: above every sequence
   * number this incarnation used, with room for a full unscaled window (RFC 9293 §3.6.1 MAY-2
   * (1); Linux's tcp_timewait_state_process takes SND.NXT + 65535 + 2), whatever the ISN clock
   * says (a fast old connection can outrun it).
   */
  get reuseIss(): number {
    return seqAdd(this.#sndMax, 65537);
  }

  /** The next pending event, or null: established, readable, writable, end, error, closed, in causal order. */
  pollEvent(): ConnectionEvent | null {
    const e = this.#events;
    if (e === 0) return null;
    if (e & EV_ESTABLISHED) {
      this.#events = e & ~EV_ESTABLISHED;
      return ESTABLISHED_EVENT;
    }
    if (e & EV_READABLE) {
      this.#events = e & ~EV_READABLE;
      return READABLE_EVENT;
    }
    if (e & EV_WRITABLE) {
      this.#events = e & ~EV_WRITABLE;
      return WRITABLE_EVENT;
    }
    if (e & EV_END) {
      this.#events = e & ~EV_END;
      return END_EVENT;
    }
    if (e & EV_ERROR) {
      this.#events = e & ~EV_ERROR;
      return ERROR_EVENTS[this.#errorCode];
    }
    this.#events = 0;
    return CLOSED_EVENT;
  }

  // ---------------------------------------------------------------------------------------
  // Timers

  /** Runs the timers whose deadline `now` has reached (retransmission, delayed ACK, probes, keep-alive, TIME-WAIT). */
  handleTimeout(now: number): void {
    if (now >= this.#timeWaitDeadline) {
      this.#toClosed();
      return;
    }
    if (now >= this.#rtoDeadline) this.#onRetransmitTimeout(now);
    if (this.#rackState !== null && now >= this.#rackState.deadline) this.#onRackTimeout(now);
    if (this.#tlpState !== null && now >= this.#tlpState.deadline) this.#onProbeTimeout(now);
    if (now >= this.#delayedAckDeadline) {
      this.#delayedAckDeadline = Infinity;
      this.#ackNow = true;
    }
    if (now >= this.#persistDeadline) this.#onPersistTimeout(now);
    if (now >= this.#keepAliveDeadline) this.#onKeepAliveTimeout(now);
  }

  #onRetransmitTimeout(now: number): void {
    const s = this.#_state;
    if (s === 'CLOSED' || s === 'TIME-WAIT' || this.#sndMax === this.#sndUna) {
      this.#rtoDeadline = Infinity;
      return;
    }
    this.#counters.timeouts++;
    const opening = s === 'SYN-SENT' || s === 'SYN-RECEIVED';
    // A peer that shrank its window to zero under data in flight turns our retransmissions
    // into window probes: while it keeps answering (within maxRto) they do not count toward
    // giving up, as RFC 1122 §4.2.2.17 asks of zero-window probing.
    const probing = !opening && this.#sndWnd === 0 && now - this.#lastReceiveTime < this.#config.maxRto;
    const limit =
      s === 'SYN-RECEIVED' ? this.#config.synAckRetries : opening ? this.#config.synRetries : this.#config.maxRetries;
    if (!probing && ++this.#retries > limit) {
      this.#fail(this.#softError ?? 'ETIMEDOUT');
      return;
    }
    this.#rtt.backoff();
    if (opening) {
      this.#synRetransmitted = true;
    } else {
      const flight = seqDiff(this.#sndMax, this.#sndUna);
      // The retransmission goes out at `now`: its TSval tells a late ACK from a real loss.
      if (this.#tsEnabled) (this.#rtoUndo ??= new RtoUndo()).onTimeout(this.#cc, this.#tsClock(now));
      this.#cc.onTimeout(flight, this.#effMss);
      this.#inRecovery = false;
      this.#dupAcks = 0;
      this.#recover = this.#sndMax;
      // RFC 2018 §8: after a timeout the receiver may have discarded what it SACKed.
      if (this.#scoreboard !== null) this.#scoreboard.clear();
      this.#rackState?.onTimeout();
      this.#tlpState?.reset();
    }
    // Go back to SND.UNA: everything outstanding is sent again as the window allows.
    this.#sndNxt = this.#sndUna;
    // At least one segment goes out now even into a closed window: it doubles as a probe.
    this.#retransmitNow = !opening;
    this.#rttTime = -1;
    this.#rtoDeadline = now + this.#rtt.rto;
  }

  /** RFC 8985 §6.3: the reordering timer; segments not old enough at the last ACK may be now. */
  #onRackTimeout(now: number): void {
    if (
      this.#rackDetect(
        this.#rack!.detectLoss(now, this.#inRecovery, this.#sackedBytes(), this.#effMss, this.#rtt.srtt ?? 0),
        now,
      )
    ) {
      this.#counters.fastRetransmits++;
    }
  }

  /** RFC 8985 §7.3: no ACK for 2·SRTT after the last send; one probe, then the RTO again. */
  #onProbeTimeout(now: number): void {
    this.#tlp!.deadline = Infinity;
    if (!this.#probeAllowed()) return;
    this.#probeTailNow = true;
    this.#counters.tailLossProbes++;
    this.#rtoDeadline = now + this.#rtt.rto;
  }

  /**
   * RFC 8985 §7.2: a probe only for data in flight in the open state: not in recovery or a
   * timeout's backoff and go-back-N, not into a closed window (the persist timer's job), one
   * per episode.
   */
  #probeAllowed(): boolean {
    const s = this.#_state;
    return (
      (this.#flags & F_RACK) !== 0 &&
      this.#tlpState?.outstanding !== true &&
      this.#rtt.srtt !== undefined &&
      s !== 'CLOSED' &&
      s !== 'TIME-WAIT' &&
      s !== 'SYN-SENT' &&
      s !== 'SYN-RECEIVED' &&
      this.#sndMax !== this.#sndUna &&
      !this.#inRecovery &&
      this.#retries === 0 &&
      this.#sndWnd > 0 &&
      !seqLt(this.#sndNxt, this.#sndMax)
    );
  }

  /** (Re)arm the PTO after new data went out or an ACK moved SND.UNA (RFC 8985 §7.2). */
  #armProbe(now: number): void {
    if ((this.#flags & F_RACK) === 0) return;
    if (!this.#probeAllowed()) {
      if (this.#tlpState !== null) this.#tlpState.deadline = Infinity;
      return;
    }
    this.#tlp!.deadline =
      now +
      TailLossProbe.timeout(
        this.#rtt.srtt!,
        seqDiff(this.#sndMax, this.#sndUna),
        this.#effMss,
        this.#rtoDeadline - now,
      );
  }

  /**
   * The probe: one new segment if the peer's window admits it, otherwise the last segment sent
   * again (up to one MSS ending at SND.MAX, with the FIN if it went).
   */
  #tailProbe(now: number, mss: number): TcpSegment {
    const unsent = seqDiff(this.#dataEnd(), this.#sndNxt);
    const room = this.#sndWnd - seqDiff(this.#sndNxt, this.#sndUna);
    let seg: TcpSegment;
    if (unsent > 0 && room >= Math.min(unsent, mss)) {
      seg = this.#segmentAt(this.#sndNxt, Math.min(unsent, mss), now);
      this.#sndNxt = this.#lastSegmentEnd;
      this.#tlp!.sent(this.#sndMax, false);
    } else {
      const dataStop = this.#finQueued && seqGt(this.#sndMax, this.#finSeq) ? this.#finSeq : this.#sndMax;
      const len = Math.min(mss, seqDiff(dataStop, this.#sndUna));
      seg = this.#segmentAt(seqAdd(dataStop, -len), len, now);
      this.#tlp!.sent(this.#sndMax, true);
    }
    return seg;
  }

  /** Bytes SACKed above SND.UNA. */
  #sackedBytes(): number {
    return this.#scoreboard === null ? 0 : this.#scoreboard.sackedAbove(this.#sndUna);
  }

  /**
   * RACK marked `lostBytes` lost: outside recovery that starts one (RFC 8985 §6.2 with RFC 6675
   * §5), unless a timeout's go-back-N is still resending what it covers. Returns true if so.
   */
  #rackDetect(lostBytes: number, now: number): boolean {
    if (lostBytes === 0 || this.#inRecovery || !seqGt(this.#sndUna, this.#recover)) return false;
    this.#enterRecovery(now, true);
    return true;
  }

  /** Fast retransmit; recovery until `recover` is acknowledged (RFC 6582 §3.2, RFC 6675 §5). */
  #enterRecovery(now: number, byRack: boolean): void {
    this.#recover = this.#sndMax;
    this.#inRecovery = true;
    this.#rexmitHigh = this.#sndUna;
    this.#holeBytesInFlight = 0;
    // The first lost segment goes at once whatever the pipe (RFC 6675 §5 step 4.2): what RACK
    // marked, or by the DupAck rule SND.UNA's.
    this.#holeCredits = byRack ? 1 : 0;
    this.#cc.onEnterRecovery(seqDiff(this.#sndMax, this.#sndUna), this.#effMss, now);
    this.#retransmitNow = !byRack;
    this.#rttTime = -1;
  }

  #onPersistTimeout(now: number): void {
    this.#persistDeadline = Infinity;
    if (!this.#hasUnsent() || this.#rtoDeadline !== Infinity) return;
    if (++this.#persistProbes > this.#config.maxRetries) {
      this.#fail(this.#softError ?? 'ETIMEDOUT');
      return;
    }
    if (this.#sndWnd > seqDiff(this.#sndNxt, this.#sndUna)) {
      this.#forceSend = true;
    } else {
      this.#probeNow = true;
      this.#counters.windowProbes++;
    }
    this.#persistBackoff++;
    this.#persistDeadline = now + this.#persistInterval();
  }

  #onKeepAliveTimeout(now: number): void {
    this.#keepAliveDeadline = Infinity;
    if (!this.#keepAlive || !this.#keepAliveState()) return;
    if (this.#sndMax !== this.#sndUna || this.#hasUnsent()) {
      // Data is outstanding: the retransmission / persist timers watch the peer.
      this.#keepAliveSent = 0;
      this.#keepAliveDeadline = now + this.#keepAliveIdle;
      return;
    }
    if (this.#keepAliveSent === 0 && now - this.#lastReceiveTime < this.#keepAliveIdle) {
      this.#keepAliveDeadline = this.#lastReceiveTime + this.#keepAliveIdle;
      return;
    }
    if (this.#keepAliveSent >= this.#config.keepAliveProbes) {
      this.#fail(this.#softError ?? 'ETIMEDOUT');
      return;
    }
    this.#keepAliveSent++;
    this.#counters.keepAliveProbes++;
    this.#probeNow = true;
    this.#keepAliveDeadline = now + this.#config.keepAliveInterval;
  }

  #persistInterval(): number {
    const base = this.#rtt.rto * 2 ** Math.min(this.#persistBackoff, 30);
    return Math.min(Math.max(base, this.#config.minRto), this.#config.maxRto);
  }

  // ---------------------------------------------------------------------------------------
  // SEGMENT ARRIVES (RFC 9293 §3.10.7)

  /** A segment for this connection's 4-tuple arrived (demultiplexed and checksum-verified by the caller). */
  handleSegment(seg: TcpSegment, now: number): void {
    this.#counters.segmentsIn++;
    switch (this.#_state) {
      case 'CLOSED':
      case 'LISTEN':
        // The stack answers segments for closed ports (resetFor); a CLOSED connection object
        // only lingers until the stack sees its 'closed' event.
        this.#counters.dropped.unexpected++;
        return;
      case 'SYN-SENT':
        this.#synSentArrives(seg, now);
        return;
      default:
        this.#synchronizedArrives(seg, now);
    }
  }

  /** §3.10.7.3 SYN-SENT STATE. */
  #synSentArrives(seg: TcpSegment, now: number): void {
    const flags = seg.flags;
    const hasAck = (flags & ACK) !== 0;
    if (hasAck && (seqLe(seg.ack, this.#iss) || seqGt(seg.ack, this.#sndMax))) {
      // Unacceptable ACK: reset it (unless it is a reset itself) and drop.
      this.#counters.dropped.badAck++;
      if (!(flags & RST)) this.#queueRst(seg.ack, 0, RST);
      return;
    }
    if (flags & RST) {
      if (hasAck) {
        this.#counters.resetsReceived++;
        this.#fail('ECONNREFUSED');
      } else {
        this.#counters.dropped.rstInvalid++;
      }
      return;
    }
    if (!(flags & SYN)) {
      this.#counters.dropped.unexpected++;
      return;
    }
    this.#irs = seg.seq >>> 0;
    this.#rcvNxt = seqAdd(seg.seq, 1);
    // The window our SYN offered, now that it has a left edge.
    this.#rcvAdvEdge = seqAdd(this.#rcvNxt, Math.min(this.#receiveBuffer.window, 0xffff));
    this.#lastReceiveTime = now;
    this.#negotiate(seg, now);
    this.#sndWnd = seg.window; // SYN windows are never scaled
    this.#maxSndWnd = Math.max(this.#maxSndWnd, seg.window);
    this.#sndWl1 = seg.seq >>> 0;
    this.#sndWl2 = seg.ack >>> 0;
    if (hasAck) {
      // Our SYN is acknowledged: ESTABLISHED; ACK the SYN, then handle any text and FIN.
      this.#ecn?.onSynAck(flags);
      this.#synAcknowledged(seg, now);
      this.#ackNow = true;
      this.#establish(now);
      const dataSeq = seqAdd(seg.seq, 1);
      if (seg.payload.length > 0) this.#processText(seg, dataSeq, now);
      if (flags & FIN) this.#processFin(seqAdd(dataSeq, seg.payload.length), now, seg.payload.length > 0);
    } else {
      // Simultaneous open: answer with SYN,ACK carrying our original ISS.
      this.#_state = 'SYN-RECEIVED';
      this.#sndNxt = this.#iss;
      this.#lastAckSent = this.#rcvNxt;
    }
  }

  /** §3.10.7.4 Other states. */
  #synchronizedArrives(seg: TcpSegment, now: number): void {
    let flags = seg.flags;
    const state = this.#_state;
    const counters = this.#counters;

    // RFC 7323 §5.3 PAWS, before the sequence-number test.
    if (
      this.#tsEnabled &&
      seg.tsVal !== undefined &&
      !(flags & RST) &&
      seqLt(seg.tsVal, this.#tsRecent) &&
      now - this.#tsRecentTime <= PAWS_IDLE_LIMIT
    ) {
      counters.dropped.paws++;
      this.#replyToUnacceptable(seg.payload.length === 0 && !(flags & (SYN | FIN)), now);
      return;
    }

    // A retransmitted SYN in SYN-RECEIVED: our SYN,ACK was lost, send it again.
    if (state === 'SYN-RECEIVED' && (flags & (SYN | ACK | RST)) === SYN && seg.seq >>> 0 === this.#irs) {
      this.#sndNxt = this.#iss;
      return;
    }

    // The peer's own SYN again, now with an ACK. In SYN-RECEIVED after a simultaneous open this
    // is its SYN,ACK crossing ours: trim the already-received SYN (RFC 9293 §3.10.7.4 "trim
    // off any portions that lie outside the window (including SYN)") and go on; the ACK
    // establishes the connection. In a synchronized state it means our ACK was lost: repeat it.
    let seq = seg.seq >>> 0;
    if ((flags & (SYN | ACK | RST)) === (SYN | ACK) && seq === this.#irs) {
      this.#ackNow = true;
      if (state !== 'SYN-RECEIVED') return;
      flags &= ~SYN;
      seq = seqAdd(seq, 1);
    }

    // First: sequence number acceptability (four cases).
    const payloadLength = seg.payload.length;
    const segLen = payloadLength + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    const rcvWnd = Math.max(0, seqDiff(this.#rcvAdvEdge, this.#rcvNxt));
    let acceptable: boolean;
    if (segLen === 0) {
      acceptable = rcvWnd === 0 ? seq === this.#rcvNxt : seqInWindow(seq, this.#rcvNxt, rcvWnd);
    } else if (rcvWnd === 0) {
      // Zero window: nothing is acceptable, but a segment at RCV.NXT still carries a valid ACK
      // (and RST); its text is trimmed away below (RFC 9293 §3.10.7.4).
      acceptable = seq === this.#rcvNxt;
    } else {
      acceptable = seqInWindow(seq, this.#rcvNxt, rcvWnd) || seqInWindow(seqAdd(seq, segLen - 1), this.#rcvNxt, rcvWnd);
    }
    if (!acceptable) {
      if (
        segLen > 0 &&
        seqAdd(seq, segLen) === this.#rcvNxt &&
        (flags & (ACK | RST | SYN)) === ACK &&
        state !== 'TIME-WAIT' &&
        state !== 'SYN-RECEIVED'
      ) {
        // A retransmission of what we received last (the peer did not hear our ACK): its text
        // is old, but its ACK field is current. Linux (tcp_sequence accepts a segment ending at
        // RCV.NXT) and FreeBSD process it, so that in CLOSING the peer's resent FIN that now
        // acknowledges ours moves us to TIME-WAIT instead of waiting for our FIN's RTO.
        counters.dropped.outOfWindow++; // the text
        if (payloadLength > 0) this.#duplicateReceived(seq, payloadLength);
        this.#lastReceiveTime = now;
        if (!this.#processAck(seg, seq, flags, now)) return;
        this.#ackNow = true; // the peer still needs our ACK
        return;
      }
      if (state === 'TIME-WAIT' && flags & FIN && seqAdd(seq, segLen) === this.#rcvNxt) {
        // The peer retransmitted its FIN: our last ACK was lost. ACK again, restart 2MSL.
        this.#ackNow = true;
        this.#timeWaitDeadline = now + this.#config.timeWaitTime;
        return;
      }
      counters.dropped.outOfWindow++;
      if (payloadLength > 0 && seqLe(seqAdd(seq, payloadLength), this.#rcvNxt))
        this.#duplicateReceived(seq, payloadLength);
      // A SYN gets a challenge ACK wherever its sequence number lies (RFC 5961 §4.2), under the
      // same limits, so a flood of SYNs outside the window cannot make us an ACK amplifier.
      if (flags & SYN) this.#challengeAck(now);
      else if (!(flags & RST)) this.#replyToUnacceptable(segLen === 0, now);
      return;
    }

    // Second: RST (RFC 5961 §3: only an exact match resets; in-window gets a challenge ACK).
    if (flags & RST) {
      if (seq !== this.#rcvNxt) {
        counters.dropped.rstInvalid++;
        this.#challengeAck(now);
        return;
      }
      counters.resetsReceived++;
      if (state === 'SYN-RECEIVED') {
        if (this.#passive) this.#toClosed();
        else this.#fail('ECONNREFUSED');
      } else if (
        state === 'ESTABLISHED' ||
        state === 'FIN-WAIT-1' ||
        state === 'FIN-WAIT-2' ||
        state === 'CLOSE-WAIT'
      ) {
        this.#fail('ECONNRESET');
      } else {
        this.#toClosed(); // CLOSING, LAST-ACK, TIME-WAIT
      }
      return;
    }

    // Fourth: SYN. In SYN-RECEIVED from a passive OPEN, "return this connection to the LISTEN
    // state and return" (RFC 9293 §3.10.7.4): the embryonic connection goes quietly, the SYN
    // with it; the peer's next SYN finds the listener. Elsewhere (RFC 5961 §4): challenge ACK.
    if (flags & SYN && state === 'SYN-RECEIVED' && this.#passive) {
      counters.dropped.synInvalid++;
      this.#toClosed();
      return;
    }
    if (flags & SYN) {
      counters.dropped.synInvalid++;
      this.#challengeAck(now);
      return;
    }

    // Fifth: the ACK field.
    if (!(flags & ACK)) {
      counters.dropped.unexpected++;
      return;
    }
    // The peer is alive: keep-alive and zero-window probing start counting afresh.
    this.#lastReceiveTime = now;
    this.#keepAliveSent = 0;
    this.#persistProbes = 0;

    if (state === 'SYN-RECEIVED') {
      if (!(seqGt(seg.ack, this.#sndUna) && seqLe(seg.ack, this.#sndMax))) {
        counters.dropped.badAck++;
        this.#queueRst(seg.ack, 0, RST);
        return;
      }
      this.#synAcknowledged(seg, now);
      this.#sndWnd = seg.window << this.#sndWndScale;
      this.#maxSndWnd = Math.max(this.#maxSndWnd, this.#sndWnd);
      this.#sndWl1 = seq;
      this.#sndWl2 = seg.ack >>> 0;
      this.#establish(now);
    }
    if (!this.#processAck(seg, seq, flags, now)) return;
    this.#updateTsRecent(seg, seq, now);
    // A CE mark is echoed at once (RFC 3168 §6.1.3; Linux quick-ACKs on CE).
    if (this.#ecn?.onReceive(flags, seg.ecn)) this.#ackNow = true;

    // Sixth: URG is ignored; urgent data is delivered in line like any other.
    // Seventh: segment text.
    const st = this.#_state;
    if (payloadLength > 0) {
      if (st === 'ESTABLISHED' || st === 'FIN-WAIT-1' || st === 'FIN-WAIT-2') {
        this.#processText(seg, seq, now);
      } else {
        counters.dropped.unexpected++; // data after the peer's FIN
      }
    }
    // Eighth: FIN.
    if (flags & FIN) this.#processFin(seqAdd(seq, payloadLength), now, payloadLength > 0);
  }

  /** The peer acknowledged our SYN (SYN-SENT or SYN-RECEIVED → ESTABLISHED). */
  #synAcknowledged(seg: TcpSegment, now: number): void {
    this.#sndUna = seqAdd(this.#iss, 1);
    if (seqLt(this.#sndNxt, this.#sndUna)) this.#sndNxt = this.#sndUna;
    this.#retries = 0;
    this.#rtoDeadline = Infinity;
    if (this.#tsEnabled && seg.tsEcr !== undefined && seg.tsEcr !== 0) {
      this.#rttSampleFromEcho(seg.tsEcr, now);
    } else if (this.#rttTime >= 0) {
      this.#sampleRtt(now - this.#rttTime, now);
    }
    this.#rttTime = -1;
    if (this.#synRetransmitted && this.#rtt.srtt === undefined) {
      const c = this.#config;
      this.#rtt = new RttEstimator({
        initialRto: Math.min(Math.max(RTO_AFTER_SYN_LOSS, c.minRto), c.maxRto),
        minRto: c.minRto,
        maxRto: c.maxRto,
      });
    }
  }

  #establish(now: number): void {
    this.#_state = 'ESTABLISHED';
    this.#events |= EV_ESTABLISHED;
    this.#lastReceiveTime = now;
    this.#armKeepAlive();
    if (this.#finQueued) this.#_state = 'FIN-WAIT-1';
  }

  /**
   * ACK processing for synchronized states (§3.10.7.4 fifth check, RFC 5961 §5, RFC 5681/6582,
   * RFC 6298). Returns false when the segment is to be dropped.
   */
  #processAck(seg: TcpSegment, seq: number, flags: number, now: number): boolean {
    const ack = seg.ack >>> 0;
    const sndUna = this.#sndUna;
    if (seqGt(ack, this.#sndMax)) {
      // Acknowledges something not yet sent: ACK and drop.
      this.#counters.dropped.badAck++;
      this.#challengeAck(now);
      return false;
    }
    if (seqLt(ack, seqAdd(sndUna, -this.#maxSndWnd))) {
      // RFC 5961 §5: too old to be real (blind data injection); challenge ACK and drop.
      this.#counters.dropped.badAck++;
      this.#challengeAck(now);
      return false;
    }
    const newWindow = seg.window << this.#sndWndScale;
    const mss = this.#effMss;
    // Whether this ACK reports octets not SACKed before: an RFC 6675 §2 duplicate ACK.
    let newSack = false;
    if (this.#sackEnabled && seg.sack !== undefined && seg.sack.length >= 2) {
      if (this.#scoreboard === null) this.#scoreboard = new SackScoreboard();
      const sackedBefore = this.#scoreboard.sackedAbove(sndUna);
      this.#scoreboard.update(seg.sack, seqGt(ack, sndUna) ? ack : sndUna, this.#sndMax);
      newSack = this.#scoreboard.sackedAbove(sndUna) > sackedBefore;
    }

    if (seqGt(ack, sndUna)) {
      const acked = seqDiff(ack, sndUna);
      const finAcked = this.#finQueued && seqGt(ack, this.#finSeq);
      this.#sendBuffer.consume(finAcked ? acked - 1 : acked);
      this.#sndUna = ack;
      if (this.#scoreboard !== null) this.#scoreboard.advance(ack);
      if (seqLt(this.#sndNxt, ack)) this.#sndNxt = ack;
      this.#retries = 0;
      this.#persistProbes = 0;
      if (this.#rtoUndo !== null && this.#rtoUndo.onNewAck(this.#cc, seg.tsEcr)) {
        // Spurious timeout (RFC 4015 §3): resume with new data, not go-back-N. The original
        // may have arrived with only its ACKs lost, and a later segment be really lost: SACK
        // blocks above the new SND.UNA say so, and that hole goes again at once.
        this.#counters.spuriousTimeoutsUndone++;
        this.#sndNxt = this.#sndMax;
        this.#retransmitNow = this.#scoreboard !== null && !this.#scoreboard.isEmpty;
        this.#recover = seqAdd(ack, -1); // a real loss in what is in flight may fast-retransmit
      }

      // RTT measurement: timestamps echo (RFC 7323 §4.1) or the one timed segment (Karn).
      if (this.#tsEnabled && seg.tsEcr !== undefined) this.#rttSampleFromEcho(seg.tsEcr, now);
      else if (this.#rttTime >= 0 && seqGt(ack, this.#rttSeq)) {
        this.#sampleRtt(now - this.#rttTime, now);
        this.#rttTime = -1;
      }

      if (this.#inRecovery) {
        if (seqGe(ack, this.#recover)) {
          this.#inRecovery = false;
          this.#cc.onExitRecovery(seqDiff(this.#sndMax, ack), mss);
          if (this.#rack !== null) {
            this.#rack.onRecoveryExit();
            // RFC 6582's "ack > recover" guard keeps duplicate ACKs of the retransmissions from
            // starting another recovery; RACK judges by send time and needs no such guard.
            this.#recover = seqAdd(ack, -1);
          }
        } else {
          // RFC 6582 partial ACK: the next hole is lost too; retransmit it now.
          this.#cc.onPartialAck(acked, mss);
          // ...unless SACK recovery already resent it; RACK decides that by time instead.
          this.#retransmitNow = this.#rack === null && !seqGt(this.#rexmitHigh, ack);
          this.#holeBytesInFlight = Math.max(0, this.#holeBytesInFlight - acked);
        }
      } else {
        this.#cc.onAck(acked, mss, now, ack, this.#sndMax);
        // Keep "recover" just behind SND.UNA once passed: left at ISS (or at an old timeout's
        // SND.MAX) it would compare as ahead of SND.UNA after 2^31 more bytes, mod 2^32, and
        // disable fast retransmit (the RFC 6582 "ack > recover" test) for the next 2^31.
        if (seqGt(ack, this.#recover)) this.#recover = seqAdd(ack, -1);
      }
      this.#dupAcks = 0;
      this.#rtoDeadline = ack === this.#sndMax ? Infinity : now + this.#rtt.rto;
      this.#armProbe(now);

      if (this.#wantWritable && this.#sendBuffer.free > 0) {
        this.#wantWritable = false;
        this.#events |= EV_WRITABLE;
      }
      if (finAcked) {
        const st = this.#_state;
        if (st === 'FIN-WAIT-1') this.#_state = 'FIN-WAIT-2';
        else if (st === 'CLOSING') this.#enterTimeWait(now);
        else if (st === 'LAST-ACK') {
          this.#toClosed();
          return false;
        }
      }
    } else if (
      ack === sndUna &&
      this.#sndMax !== sndUna &&
      (newSack || (seg.payload.length === 0 && !(flags & (SYN | FIN)) && newWindow === this.#sndWnd))
    ) {
      // Duplicate ACK: RFC 5681 §2, or with SACK any ACK reporting new SACKed octets, data and
      // window changes notwithstanding (RFC 6675 §2) — a peer that is sending reports our
      // losses on its data segments.
      this.#dupAcks++;
      if (this.#inRecovery) {
        this.#cc.onDupAckInRecovery(mss);
        if (this.#rack === null) this.#holeCredits++; // RACK counts the pipe instead
      } else if (
        (this.#rack === null || this.#scoreboard === null || this.#scoreboard.isEmpty) &&
        this.#dupAcks >= this.#dupAckThreshold(mss) &&
        seqGt(ack, this.#recover)
      ) {
        // The DupAck rule: without SACK, or with RACK while the peer sends no SACK blocks.
        this.#enterRecovery(now, false);
        this.#counters.fastRetransmits++;
      }
    }
    if ((this.#flags & F_RACK) !== 0 && this.#rackOnAck(seg, ack, now)) this.#counters.fastRetransmits++;

    // ECN-Echo (RFC 3168 §6.1.2): reduce the window once per window of data, as for a loss but
    // with nothing to resend; fast recovery already reduced it.
    if (flags & ECE && !this.#inRecovery && this.#ecn?.onEce(this.#sndUna, this.#sndMax)) {
      this.#cc.onCongestionSignal?.(seqDiff(this.#sndMax, this.#sndUna), mss, now);
    }

    // Window update: the SND.WL1 / SND.WL2 rule, and also any ACK that advanced SND.UNA (as
    // Linux's tcp_may_update_window). A retransmission that fills a hole has an older SEQ than an
    // out-of-order segment already seen, but its window is relative to its newer ACK: keeping
    // the old window would move the right edge right by the bytes acknowledged, past what the
    // peer offered.
    if (seqGt(ack, sndUna) || seqLt(this.#sndWl1, seq) || (this.#sndWl1 === seq && seqLe(this.#sndWl2, ack))) {
      this.#sndWnd = newWindow;
      if (!seqLt(seq, this.#sndWl1)) this.#sndWl1 = seq;
      this.#sndWl2 = ack;
      if (newWindow > this.#maxSndWnd) this.#maxSndWnd = newWindow;
      if (newWindow > 0) {
        this.#persistDeadline = Infinity;
        this.#persistBackoff = 0;
        this.#persistProbes = 0;
      }
    }
    return true;
  }

  /**
   * TS.Recent update (RFC 7323 §4.3): SEG.TSval >= TS.Recent and SEG.SEQ <= Last.ACK.sent, only
   * for a segment that passed the acceptability and ACK checks (RFC 7323 §5.3 with RFC 5961
   * §5.2, as Linux's tcp_ack does): a forged segment with a future TSval and a bad ACK must not
   * move it, or every genuine segment after it would fail PAWS.
   */
  #updateTsRecent(seg: TcpSegment, seq: number, now: number): void {
    if (
      this.#tsEnabled &&
      seg.tsVal !== undefined &&
      seqLe(seq, this.#lastAckSent) &&
      seqGe(seg.tsVal, this.#tsRecent)
    ) {
      this.#tsRecent = seg.tsVal >>> 0;
      this.#tsRecentTime = now;
    }
  }

  /** RFC 8985 §6.2 for an acceptable ACK; true when its losses started a recovery. */
  #rackOnAck(seg: TcpSegment, ack: number, now: number): boolean {
    const sack = seg.sack;
    // RFC 2883 §4: a D-SACK block is first, below the ACK or inside the second block.
    const dsack =
      sack !== undefined &&
      sack.length >= 2 &&
      (seqLt(sack[0]!, ack) || (sack.length >= 4 && seqGe(sack[0]!, sack[2]!) && seqLe(sack[1]!, sack[3]!)));
    const tsEcr = seg.tsEcr;
    const echoed =
      this.#tsEnabled && tsEcr !== undefined && tsEcr !== 0 ? now - seqDiff(this.#tsClock(now), tsEcr) : undefined;
    if (this.#tlpState !== null && this.#tlpState.onAck(ack, dsack) && !this.#inRecovery) {
      // RFC 8985 §7.4: the probe repaired a tail loss: one reduction, a recovery that ends at once.
      this.#cc.onEnterRecovery(seqDiff(this.#sndMax, this.#sndUna), this.#effMss, now);
      this.#cc.onExitRecovery(seqDiff(this.#sndMax, this.#sndUna), this.#effMss);
    }
    // Nothing sent yet (no state): without a D-SACK the ACK would change nothing in it.
    if (this.#rackState === null && !dsack) return false;
    const lost = this.#rack!.onAck(
      {
        sndUna: this.#sndUna,
        sndMax: this.#sndMax,
        sackBlocks: sack,
        dsack,
        echoedSendTime: echoed,
        sackedBytes: this.#sackedBytes(),
        mss: this.#effMss,
        inRecovery: this.#inRecovery,
        srtt: this.#rtt.srtt ?? 0,
      },
      now,
    );
    return this.#rackDetect(lost, now);
  }

  #rttSampleFromEcho(tsEcr: number, now: number): void {
    const rtt = seqDiff(this.#tsClock(now), tsEcr);
    if (rtt >= 0 && rtt < 0x7fffffff) this.#sampleRtt(rtt, now);
  }

  /** One RTT measurement, for the RTO estimator and for the congestion control (HyStart++). */
  #sampleRtt(rtt: number, now: number): void {
    this.#rtt.sample(rtt);
    this.#cc.onRttSample?.(rtt, now);
    if (this.#rackState !== null) this.#rackState.onRttSample(rtt);
    else if ((this.#flags & F_RACK) !== 0 && rtt >= 0 && (this.#rttMinEarly < 0 || rtt < this.#rttMinEarly)) {
      this.#rttMinEarly = rtt;
    }
  }

  /** Seventh check: accept in-window text into the receive buffer; decide how soon to ACK. */
  #processText(seg: TcpSegment, dataSeq: number, now: number): void {
    let payload = seg.payload;
    let offset = seqDiff(dataSeq, this.#rcvNxt);
    if (offset < 0) {
      if (-offset >= payload.length) {
        this.#ackNow = true; // entirely old: a retransmission, our ACK was probably lost
        this.#duplicateReceived(dataSeq, payload.length);
        return;
      }
      payload = payload.subarray(-offset);
      offset = 0;
    }
    const rb = this.#receiveBuffer;
    const hadHoles = rb.hasOutOfOrder;
    const advance = rb.insert(offset, payload);
    if (payload.length > this.#rcvMssSeen) this.#rcvMssSeen = Math.min(payload.length, this.#localMss);
    if (advance === 0) {
      // Out of order (or no room): one immediate duplicate ACK per such segment (RFC 5681 §4.2),
      // even when several arrive in one batch, so the sender can count three of them.
      if (offset > 0 && this.#dupAcksOwed < MAX_DUP_ACKS_OWED) this.#dupAcksOwed++;
      else this.#ackNow = true;
      return;
    }
    this.#rcvNxt = seqAdd(this.#rcvNxt, advance);
    this.#dupAcksOwed = 0; // a new ACK number: further copies of it would look like duplicates
    this.#events |= EV_READABLE;
    if (hadHoles || offset > 0 || advance < payload.length) {
      this.#ackNow = true; // filled (part of) a hole, or some bytes did not fit
    } else if (seqDiff(this.#rcvNxt, this.#lastAckSent) >= 2 * this.#rcvMssSeen || this.#config.delayedAckTime === 0) {
      this.#ackNow = true; // at least every second full-sized segment (RFC 5681 §4.2)
    } else if (rb.window < this.#localMss) {
      this.#ackNow = true; // the window is (nearly) full: the sender is blocked until it hears
    } else if (this.#delayedAckDeadline === Infinity) {
      this.#delayedAckDeadline = now + this.#config.delayedAckTime;
    }
    if (this.#finPending && this.#rcvNxt === this.#finPendingSeq) this.#consumeFin(now);
  }

  /**
   * Data we already had arrived again: report it as a D-SACK block (RFC 2883) in the next pure
   * ACK, so that the sender learns its retransmission (a tail loss probe, an RTO) was needless.
   */
  #duplicateReceived(seq: number, length: number): void {
    if (!this.#sackEnabled) return;
    this.#dsackPending = true;
    this.#dsackStart = seq >>> 0;
    this.#dsackEnd = seqAdd(seq, length);
  }

  /** Eighth check: the FIN at `finSeq`, consumed once everything before it has arrived. */
  #processFin(finSeq: number, now: number, withData: boolean): void {
    const st = this.#_state;
    if (st !== 'ESTABLISHED' && st !== 'FIN-WAIT-1' && st !== 'FIN-WAIT-2' && st !== 'SYN-RECEIVED') {
      // CLOSE-WAIT, CLOSING, LAST-ACK: a FIN was already consumed; TIME-WAIT handled above.
      if (st === 'TIME-WAIT') {
        this.#ackNow = true;
        this.#timeWaitDeadline = now + this.#config.timeWaitTime;
      }
      return;
    }
    if (finSeq === this.#rcvNxt) {
      this.#consumeFin(now);
    } else if (seqGt(finSeq, this.#rcvNxt) && seqLe(finSeq, this.#rcvAdvEdge)) {
      this.#finPending = true;
      this.#finPendingSeq = finSeq;
      // Out of order like any segment beyond a hole: an immediate duplicate ACK (RFC 5681 §4.2,
      // §3.2). Data on the same segment already had processText owe one.
      if (!withData && this.#dupAcksOwed < MAX_DUP_ACKS_OWED) this.#dupAcksOwed++;
    }
  }

  #consumeFin(now: number): void {
    this.#finPending = false;
    this.#rcvNxt = seqAdd(this.#rcvNxt, 1);
    this.#ackNow = true;
    this.#events |= EV_END;
    switch (this.#_state) {
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
        this.#_state = 'CLOSE-WAIT';
        break;
      case 'FIN-WAIT-1':
        this.#_state = 'CLOSING'; // our FIN is not yet acknowledged (else we were in FIN-WAIT-2)
        break;
      case 'FIN-WAIT-2':
        this.#enterTimeWait(now);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Output

  /**
   * The next segment to send, or null when there is none now: call until null after every input.
   * The segment and its payload are the caller's (the payload is a copy; the engine keeps no
   * reference to it).
   */
  pollTransmit(now: number): TcpSegment | null {
    if (this.#rstPending) {
      this.#rstPending = false;
      this.#counters.resetsSent++;
      this.#counters.segmentsOut++;
      return {
        srcPort: this.localPort,
        dstPort: this.remotePort,
        seq: this.#rstSeq,
        ack: this.#rstAck,
        flags: this.#rstFlags,
        window: 0,
        urgentPointer: 0,
        payload: EMPTY_PAYLOAD,
      };
    }
    switch (this.#_state) {
      case 'CLOSED':
      case 'LISTEN':
        return null;
      case 'SYN-SENT':
        return this.#sndNxt === this.#iss ? this.#sendSyn(SYN, now) : null;
      case 'SYN-RECEIVED':
        if (this.#sndNxt === this.#iss) return this.#sendSyn(SYN | ACK, now);
        return this.#ackNow ? this.#emitAck(now) : null;
      case 'TIME-WAIT':
        return this.#ackNow ? this.#emitAck(now) : null;
      default:
        return this.#transmitSynchronized(now);
    }
  }

  #sendSyn(flags: number, now: number): TcpSegment {
    const c = this.#config;
    const seg = this.#emit(this.#iss, flags, EMPTY_PAYLOAD, now);
    seg.mss = this.#localMss;
    const active = flags === SYN;
    if (this.#ecn !== null) seg.flags |= active ? this.#ecn.synFlags() : this.#ecn.synAckFlags();
    if (active ? c.windowScaling : this.#wsAgreed) {
      seg.windowScale = active ? windowScaleFor(c.receiveBufferSize) : this.#rcvWndScale;
    }
    if (active ? c.sack : this.#sackEnabled) seg.sackPermitted = true;
    if (active && c.timestamps) {
      seg.tsVal = this.#tsClock(now);
      seg.tsEcr = 0;
    }
    const first = this.#sndMax === this.#iss;
    this.#sndNxt = seqAdd(this.#iss, 1);
    this.#sndMax = this.#sndNxt;
    if (first) {
      this.#rttSeq = this.#iss;
      this.#rttTime = now;
    } else {
      this.#counters.retransmissions++;
      this.#rttTime = -1;
    }
    if (this.#rtoDeadline === Infinity) this.#rtoDeadline = now + this.#rtt.rto;
    return seg;
  }

  #transmitSynchronized(now: number): TcpSegment | null {
    const mss = this.#effMss;
    const sb = this.#scoreboard;
    if (this.#retransmitNow) {
      this.#retransmitNow = false;
      if (this.#sndMax !== this.#sndUna) {
        // Within the peer's window (RFC 9293 §3.8.6): a window smaller than the MSS limits the
        // resend too. Into a closed window a full segment goes anyway and doubles as a probe.
        let len = this.#holeLength(this.#sndUna, mss);
        if (this.#sndWnd > 0 && this.#sndWnd < len) len = this.#sndWnd;
        const seg = this.#segmentAt(this.#sndUna, len, now);
        if (seqLt(this.#sndNxt, this.#lastSegmentEnd)) this.#sndNxt = this.#lastSegmentEnd;
        if (seqGt(this.#lastSegmentEnd, this.#rexmitHigh)) this.#rexmitHigh = this.#lastSegmentEnd;
        return seg;
      }
    }
    if (this.#probeTailNow) {
      this.#probeTailNow = false;
      if (this.#sndMax !== this.#sndUna) return this.#tailProbe(now, mss);
    }
    if (this.#inRecovery && this.#rack !== null) {
      // RACK recovery: resend what RACK marked lost while the pipe is below ssthresh (RFC 6675
      // §5 with RACK's marks; the first one at once).
      const lost = this.#rack.firstLost(this.#sndUna);
      if (
        lost !== null &&
        seqLt(lost[0], this.#sndNxt) &&
        (this.#holeCredits > 0 || this.#rack.pipe(this.#sndNxt) + mss <= this.#cc.ssthresh)
      ) {
        this.#holeCredits = 0;
        const len = Math.min(mss, seqDiff(lost[1], lost[0]));
        const seg = this.#segmentAt(lost[0], this.#sndWnd > 0 && this.#sndWnd < len ? this.#sndWnd : len, now);
        if (seqGt(this.#lastSegmentEnd, this.#rexmitHigh)) this.#rexmitHigh = this.#lastSegmentEnd;
        return seg;
      }
    } else if (this.#inRecovery && this.#holeCredits > 0 && sb !== null && !sb.isEmpty) {
      // SACK recovery (after RFC 6675): each duplicate ACK lets one more lost hole go at once,
      // rather than one hole per round trip from partial ACKs.
      let hole = seqGt(this.#rexmitHigh, this.#sndUna) ? this.#rexmitHigh : this.#sndUna;
      for (let end = sb.sackedEndAt(hole); end !== -1; end = sb.sackedEndAt(hole)) hole = end;
      // Lost = at least DupThresh (3) segments' worth reported above it.
      if (seqLt(hole, this.#sndNxt) && sb.sackedAbove(hole) >= 3 * mss) {
        this.#holeCredits--;
        const seg = this.#segmentAt(hole, this.#holeLength(hole, mss), now);
        this.#holeBytesInFlight += seg.payload.length;
        this.#rexmitHigh = this.#lastSegmentEnd;
        return seg;
      }
    }

    const dataEnd = this.#dataEnd();
    const unsent = seqDiff(dataEnd, this.#sndNxt);
    const finToSend = this.#finQueued && this.#sndNxt === this.#finSeq;
    if (unsent > 0 || finToSend) {
      const inFlight = seqDiff(this.#sndNxt, this.#sndUna);
      const sndWnd = this.#sndWnd;
      // Holes resent during SACK recovery are in flight on top of SND.NXT - SND.UNA.
      let cwnd = this.#cc.cwnd;
      if (this.#inRecovery && this.#rack !== null) cwnd = this.#cc.ssthresh - this.#rack.pipe(this.#sndNxt) + inFlight;
      else if (this.#inRecovery) cwnd -= this.#holeBytesInFlight;
      // RFC 3042 limited transmit: the first two duplicate ACKs each let one new segment out
      // (beyond cwnd, within the peer's window) so that a small window still yields three.
      else if (this.#dupAcks > 0) cwnd += Math.min(this.#dupAcks, 2) * mss;
      const usable = Math.min(sndWnd, cwnd) - inFlight;
      let send = false;
      let len = 0;
      if (unsent > 0) {
        // Go-back-N after a timeout resends from below SND.MAX: retransmissions stay one MSS.
        const burst = seqLt(this.#sndNxt, this.#sndMax) ? mss : this.#burstSize(mss);
        len = Math.min(unsent, burst, usable);
        if (len <= 0) {
          len = 0;
        } else if (len > mss) {
          // A super-segment (offload): whole MSS-sized segments, plus the sub-MSS tail of what
          // is queued only when it could go by itself (Nagle as for the tail segment alone).
          const tail = len % mss;
          if (tail !== 0 && !(len === unsent && (this.#noDelay || this.#finQueued || !this.#smallSegmentUnacked())))
            len -= tail;
          send = true;
        } else if (len === mss) {
          send = true;
        } else if (len === unsent) {
          // All that is queued fits: Nagle, in Minshall's form as Linux has it (tcp_nagle_check),
          // holds a small segment only while an earlier small segment is unacknowledged, so a
          // request/response tail never waits for the peer's delayed ACK of full segments.
          send = this.#noDelay || !this.#smallSegmentUnacked() || this.#finQueued || this.#forceSend;
        } else {
          // Window-limited small segment: sender SWS avoidance (RFC 9293 §3.8.6.2.1).
          send = len >= this.#maxSndWnd >>> 1 || this.#forceSend;
        }
      } else {
        send = sndWnd > inFlight || this.#forceSend; // a lone FIN needs one byte of window
      }
      if (send) {
        if (inFlight === 0 && now - this.#lastDataSendTime > this.#rtt.rto && this.#cc.onIdleRestart) {
          this.#cc.onIdleRestart(mss); // RFC 5681 §4.1 restart window after idle
        }
        this.#forceSend = false;
        const seg = this.#segmentAt(this.#sndNxt, len, now);
        this.#sndNxt = this.#lastSegmentEnd;
        if (len % mss !== 0) this.#sndSml = this.#lastSegmentEnd; // Linux tcp_minshall_update
        this.#armProbe(now);
        return seg;
      }
      if (this.#rtoDeadline === Infinity && this.#persistDeadline === Infinity) {
        this.#persistDeadline = now + this.#persistInterval();
      }
    }

    if (this.#probeNow) {
      this.#probeNow = false;
      return this.#emit(seqAdd(this.#sndUna, -1), ACK, EMPTY_PAYLOAD, now);
    }
    if (this.#ackNow || this.#dupAcksOwed > 0) {
      if (this.#dupAcksOwed > 0) this.#dupAcksOwed--;
      return this.#emitAck(now);
    }
    return null;
  }

  /** Linux tcp_minshall_check: a small segment sent is not yet acknowledged (SND.UNA < sml <= SND.NXT). */
  #smallSegmentUnacked(): boolean {
    return seqGt(this.#sndSml, this.#sndUna) && seqLe(this.#sndSml, this.#sndNxt);
  }

  /**
   * A segment with no data: <SEQ=sndMax><ACK=RCV.NXT><CTL=ACK>. After a timeout SND.NXT is
   * rewound to SND.UNA for the retransmissions, but the peer may already hold data beyond it;
   * an ACK numbered below the peer's RCV.NXT fails its acceptability test and its ACK field is
   * never read. If both ends time out at once, each would then drop the other's ACKs forever.
   * The highest number sent is always acceptable (RCV.NXT <= it <= the peer's right edge).
   */
  #emitAck(now: number): TcpSegment {
    return this.#emit(this.#sndMax, ACK, EMPTY_PAYLOAD, now);
  }

  /**
   * Duplicate ACKs that start fast retransmit: 3 (RFC 5681 §3.2), or oseg - 1 when 2 or 3
   * segments are outstanding and nothing new can be sent to draw more, because nothing is queued
   * or the peer's window is full (RFC 5827 early retransmit, byte-based: oseg =
   * ceil(FlightSize / SMSS), the FIN not counted as data). With one segment (or a lone FIN)
   * outstanding early retransmit does not apply: a single duplicate ACK is no evidence of loss.
   */
  #dupAckThreshold(mss: number): number {
    const flight = seqDiff(this.#sndMax, this.#sndUna);
    const finOut = this.#finQueued && seqGt(this.#sndMax, this.#finSeq) ? 1 : 0;
    const outstanding = Math.ceil((flight - finOut) / mss);
    if (outstanding >= 4 || outstanding <= 1) return 3;
    // New segments the peer's window admits would draw more duplicate ACKs: wait for them.
    const unsent = seqDiff(this.#dataEnd(), this.#sndNxt);
    if (unsent > 0 && this.#sndWnd - flight >= Math.min(unsent, mss)) return 3;
    return outstanding - 1;
  }

  /**
   * Most new data one segment may carry: one MSS, or with maxSegmentBurst the largest multiple
   * of the MSS within it and within half the peer's largest window (as Linux bounds TSO
   * packets, so that one packet never takes the whole window and ACKs keep coming).
   */
  #burstSize(mss: number): number {
    const limit = Math.min(this.#maxSegmentBurst, this.#maxSndWnd >>> 1);
    return limit > mss ? limit - (limit % mss) : mss;
  }

  /** At most `mss` bytes from `seq`, stopping where the peer's SACKed data begins. */
  #holeLength(seq: number, mss: number): number {
    const sb = this.#scoreboard;
    if (sb === null || sb.isEmpty) return mss;
    const next = sb.nextSackedStart(seq);
    return next === -1 ? mss : Math.min(mss, seqDiff(next, seq));
  }

  /** End of the most recent segmentAt() in sequence space. */
  #lastSegmentEnd = 0;

  /**
   * A segment starting at `seq` with up to `maxLen` bytes of queued data, and the FIN when it
   * reaches finSeq. Updates sndMax, retransmission accounting, RTT timing and the RTO timer.
   */
  #segmentAt(seq: number, maxLen: number, now: number): TcpSegment {
    const dataEnd = this.#dataEnd();
    let len = Math.max(0, Math.min(maxLen, seqDiff(dataEnd, seq)));
    let sack: number[] | null = null;
    if (this.#sackEnabled && this.#receiveBuffer.hasOutOfOrder) {
      sack = this.#receiveBuffer.sackBlocks(this.#rcvNxt, this.#tsEnabled ? 3 : 4);
      // Keep the packet within the MSS: SACK blocks take option space from the payload.
      const blocks = sack.length >>> 1;
      if (blocks > 0) len = Math.min(len, this.#effMss - (4 + 8 * blocks));
      else sack = null;
    }
    let flags = ACK;
    const payload = len > 0 ? this.#sendBuffer.peek(seqDiff(seq, this.#sndUna), len) : EMPTY_PAYLOAD;
    const dataStop = seqAdd(seq, len);
    if (len > 0 && dataStop === dataEnd) flags |= PSH;
    if (this.#finQueued && dataStop === this.#finSeq) flags |= FIN;
    const seg = this.#emit(seq, flags, payload, now, sack);
    // A peeked payload has room of its own before it: the encoder may write headers there.
    if (len > 0) seg.headroom = SEGMENT_HEADROOM;
    // New data is ECN-capable, retransmissions are not (RFC 3168 §6.1.5); CWR rides on it.
    if (this.#ecn?.enabled && len > 0 && !seqLt(seq, this.#sndMax)) {
      seg.ecn = this.#ecn.dataCodepoint();
      seg.flags |= this.#ecn.takeCwr();
    }
    const end = flags & FIN ? seqAdd(dataStop, 1) : dataStop;
    this.#lastSegmentEnd = end;
    if (seqLt(seq, this.#sndMax)) {
      this.#counters.retransmissions++;
      if (this.#rttTime >= 0 && seqLe(seq, this.#rttSeq)) this.#rttTime = -1; // Karn
    } else if (this.#rttTime < 0 && !this.#tsEnabled) {
      this.#rttSeq = seq;
      this.#rttTime = now;
    }
    if (seqLt(seq, end)) this.#rack?.onSend(seq, end, now, seqLt(seq, this.#sndMax));
    if (seqGt(end, this.#sndMax)) this.#sndMax = end;
    if (len > 0) this.#lastDataSendTime = now;
    if (this.#rtoDeadline === Infinity) this.#rtoDeadline = now + this.#rtt.rto;
    this.#persistDeadline = Infinity;
    return seg;
  }

  /**
   * Build one outgoing segment. Every segment with ACK carries RCV.NXT and the current window,
   * which also settles any pending or delayed ACK.
   */
  #emit(seq: number, flags: number, payload: Uint8Array, now: number, sack: number[] | null = null): TcpSegment {
    const seg: TcpSegment = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: 0,
      flags,
      window: 0,
      urgentPointer: 0,
      payload,
    };
    if (flags & ACK) {
      seg.ack = this.#rcvNxt;
      if (this.#ecn !== null) seg.flags = flags | this.#ecn.ackFlags(flags);
      const window = flags & SYN ? this.#synWindow() : this.#windowField();
      seg.window = window;
      if (window === 0) this.#counters.zeroWindowsSent++;
      this.#lastAckSent = this.#rcvNxt;
      this.#ackNow = false;
      this.#delayedAckDeadline = Infinity;
      if (this.#tsEnabled) {
        seg.tsVal = this.#tsClock(now);
        seg.tsEcr = this.#tsRecent;
      }
      // A D-SACK belongs in the ACK that answers the duplicate: only a pure ACK has room for it
      // (a data segment keeps its payload within the MSS); either way it is reported once.
      const dsack = this.#dsackPending;
      this.#dsackPending = false;
      if (sack !== null) seg.sack = sack;
      else if (dsack && payload.length === 0) {
        // The D-SACK block first, then the usual ones in the room left (RFC 2883 §4).
        const max = this.#tsEnabled ? 3 : 4;
        const blocks = this.#receiveBuffer.hasOutOfOrder ? this.#receiveBuffer.sackBlocks(this.#rcvNxt, max - 1) : [];
        seg.sack = [this.#dsackStart, this.#dsackEnd, ...blocks];
      } else if (this.#sackEnabled && this.#receiveBuffer.hasOutOfOrder && payload.length === 0) {
        const blocks = this.#receiveBuffer.sackBlocks(this.#rcvNxt, this.#tsEnabled ? 3 : 4);
        if (blocks.length > 0) seg.sack = blocks;
      }
    } else {
      seg.window = this.#synWindow();
    }
    this.#counters.segmentsOut++;
    return seg;
  }

  /** Window in a SYN or SYN,ACK: never scaled (RFC 7323 §2.2). */
  #synWindow(): number {
    const w = Math.min(this.#receiveBuffer.window, 0xffff);
    if (this.#_state !== 'SYN-SENT') this.#rcvAdvEdge = seqAdd(this.#rcvNxt, w);
    return w;
  }

  /**
   * The window field for a non-SYN segment, with receiver SWS avoidance: the right edge moves
   * only by at least min(buffer / 2, MSS), and never moves left (RFC 9293 §3.8.6.2.2).
   */
  #windowField(): number {
    // Windows stay below 2^30 (scale <= 14, buffers <= MAX_WINDOW), so int32 shifts are exact.
    const scale = this.#rcvWndScale;
    const current = Math.max(0, seqDiff(this.#rcvAdvEdge, this.#rcvNxt));
    let wnd = Math.min(this.#receiveBuffer.window, 0xffff << scale);
    if (wnd > current) {
      const threshold = Math.min(this.#receiveBuffer.capacity >>> 1, this.#localMss);
      if (wnd - current < threshold) wnd = current;
    } else {
      wnd = current;
    }
    let field = wnd >>> scale;
    if (field > 0xffff) field = 0xffff;
    const edge = seqAdd(this.#rcvNxt, field << scale);
    if (seqGt(edge, this.#rcvAdvEdge)) this.#rcvAdvEdge = edge;
    return field;
  }

  // ---------------------------------------------------------------------------------------
  // Helpers

  /** Option negotiation from the peer's SYN (or SYN,ACK): RFC 9293 §3.7.1, RFC 7323, RFC 2018. */
  #negotiate(peer: TcpSegment, now: number): void {
    const c = this.#config;
    if (c.windowScaling && peer.windowScale !== undefined) {
      this.#wsAgreed = true;
      this.#sndWndScale = Math.min(peer.windowScale, 14);
      this.#rcvWndScale = windowScaleFor(c.receiveBufferSize);
    } else {
      this.#sndWndScale = 0;
      this.#rcvWndScale = 0;
    }
    if (c.timestamps && peer.tsVal !== undefined) {
      this.#tsEnabled = true;
      this.#tsRecent = peer.tsVal >>> 0;
      this.#tsRecentTime = now;
    }
    this.#sackEnabled = c.sack && peer.sackPermitted === true;
    // RACK needs SACK to see what was delivered past a hole; without it the DupAck rule stays.
    const rack = this.#sackEnabled && c.lossDetection === 'rack';
    this.#flags = rack ? this.#flags | F_RACK : this.#flags & ~F_RACK;
    this.#rackState = null;
    this.#tlpState = null;
    this.#rttMinEarly = -1;
    const peerMss = peer.mss !== undefined ? Math.max(peer.mss, MIN_PEER_MSS) : this.#defaultPeerMss;
    this.#effMss = Math.min(peerMss, this.#localMss) - (this.#tsEnabled ? TS_OPTION_SPACE : 0);
    this.#cc = createCongestionControl(c.congestionControl, this.#effMss);
  }

  /** Our timestamp clock: milliseconds, offset per connection (RFC 7323 §5.4 / §7.1). */
  #tsClock(now: number): number {
    return (Math.floor(now) + this.#tsOffset) >>> 0;
  }

  /** Sequence number just past the last queued data byte (FIN's sequence number once closing). */
  #dataEnd(): number {
    return this.#finQueued ? this.#finSeq : seqAdd(this.#sndUna, this.#sendBuffer.length);
  }

  #hasUnsent(): boolean {
    return seqLt(this.#sndNxt, this.#dataEnd()) || (this.#finQueued && this.#sndNxt === this.#finSeq);
  }

  #isSynchronizedReceiving(): boolean {
    const s = this.#_state;
    return s === 'ESTABLISHED' || s === 'FIN-WAIT-1' || s === 'FIN-WAIT-2';
  }

  #keepAliveState(): boolean {
    const s = this.#_state;
    return s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-2';
  }

  #armKeepAlive(): void {
    this.#keepAliveSent = 0;
    this.#keepAliveDeadline =
      this.#keepAlive && this.#keepAliveState() ? this.#lastReceiveTime + this.#keepAliveIdle : Infinity;
  }

  #queueFin(finSeq: number): void {
    this.#finQueued = true;
    this.#finSeq = finSeq;
  }

  #queueRst(seq: number, ack: number, flags: number): void {
    this.#rstPending = true;
    this.#rstSeq = seq >>> 0;
    this.#rstAck = ack >>> 0;
    this.#rstFlags = flags;
  }

  /** The ACK RFC 9293 §3.10.7.4 sends for an unacceptable segment; pure ACKs are rate-limited. */
  #replyToUnacceptable(zeroLength: boolean, now: number): void {
    if (zeroLength) {
      if (now - this.#lastOutOfWindowAck < OUT_OF_WINDOW_ACK_INTERVAL) {
        this.#counters.outOfWindowAcksLimited++;
        return;
      }
      this.#lastOutOfWindowAck = now;
    }
    this.#ackNow = true;
  }

  /**
   * RFC 5961 challenge ACK, limited (§7) to config.challengeAckLimit in any one second for this
   * connection (0: no limit of its own) and by the stack's shared limit, when it has one.
   */
  #challengeAck(now: number): void {
    const perConnection = this.#config.challengeAckLimit;
    if (this.#challengeLimiter === null && perConnection > 0)
      this.#challengeLimiter = new WindowLimit(perConnection, 1000);
    if (
      (this.#challengeLimiter === null || this.#challengeLimiter.allow(now)) &&
      (this.#challengeGlobal === null || this.#challengeGlobal.allow(now))
    ) {
      this.#counters.challengeAcks++;
      this.#ackNow = true;
    } else {
      this.#counters.challengeAcksLimited++;
    }
  }

  #enterTimeWait(now: number): void {
    this.#_state = 'TIME-WAIT';
    this.#rtoDeadline = Infinity;
    this.#persistDeadline = Infinity;
    this.#keepAliveDeadline = Infinity;
    this.#delayedAckDeadline = Infinity;
    this.#timeWaitDeadline = now + this.#config.timeWaitTime;
  }

  #raiseError(code: ConnectionErrorCode): void {
    this.#errorCode = code;
    this.#events |= EV_ERROR;
  }

  #fail(code: ConnectionErrorCode): void {
    this.#raiseError(code);
    this.#toClosed();
  }

  #toClosed(): void {
    this.#_state = 'CLOSED';
    this.#rtoDeadline = Infinity;
    this.#delayedAckDeadline = Infinity;
    this.#persistDeadline = Infinity;
    this.#keepAliveDeadline = Infinity;
    this.#timeWaitDeadline = Infinity;
    this.#ackNow = false;
    this.#dupAcksOwed = 0;
    this.#retransmitNow = false;
    this.#probeNow = false;
    if (this.#rackState !== null) this.#rackState.deadline = Infinity;
    this.#tlpState?.reset();
    this.#probeTailNow = false;
    this.#sendBuffer.consume(this.#sendBuffer.length); // release pooled storage
    if (!this.#closedReported) {
      this.#closedReported = true;
      this.#events |= EV_CLOSED;
    }
  }
}
