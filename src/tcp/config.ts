// TCP tunables with their defaults, and the one place they are validated.

import type { EcnMode } from './ecn.js';

/** A connection's tunables; `resolveTcpConfig` fills the defaults in and checks ranges (RangeError). */
export interface TcpConfig {
  /** The most we advertise / send per segment before MSS clamping. Default 1460. */
  mss: number;
  /** Default 256 KiB. */
  sendBufferSize: number;
  /** Default 256 KiB; the window scale is chosen to cover it. */
  receiveBufferSize: number;
  /** ms, default 1000 (RFC 6298 §2.1). */
  initialRto: number;
  /** ms, default 200. */
  minRto: number;
  /** ms, default 120000. */
  maxRto: number;
  /** Retransmissions of data (or FIN) before ETIMEDOUT. Default 15. */
  maxRetries: number;
  /**
   * Retransmissions of SYN / SYN-ACK before giving up. Default 7: with the 1 s initial RTO
   * doubling, the open fails after 247 s (the last wait capped at maxRto), meeting RFC 9293
   * MUST-23 (R2 for a SYN at least 3 minutes). Linux's tcp_syn_retries is 6 (127 s).
   */
  synRetries: number;
  /** Retransmissions of a passive open's SYN-ACK before it is dropped. Default 5 (Linux tcp_synack_retries). */
  synAckRetries: number;
  /** ms, default 40 (RFC 1122 allows up to 500). */
  delayedAckTime: number;
  /** ms (2*MSL), default 60000. */
  timeWaitTime: number;
  /** ms of idleness before the first keep-alive probe, default 7200000 (RFC 1122). */
  keepAliveIdle: number;
  /** ms between unanswered probes, default 75000. */
  keepAliveInterval: number;
  /** Unanswered probes before ETIMEDOUT, default 9. */
  keepAliveProbes: number;
  windowScaling: boolean;
  timestamps: boolean;
  sack: boolean;
  /** Nagle's algorithm; setNoDelay turns it off per connection. */
  nagle: boolean;
  /**
   * A name registered in congestion.ts: 'cubic' (default, RFC 9438 with HyStart++ RFC 9406, as
   * Linux), 'newreno' (RFC 5681/6582) or 'none'.
   */
  congestionControl: string;
  /**
   * Challenge ACKs per connection in any one second (RFC 5961 §7), exactly. Default 10; 0 turns
   * the per-connection limit off.
   */
  challengeAckLimit: number;
  /**
   * Challenge ACKs in any one second for all connections of a stack together (RFC 5961 §7's
   * system-wide limit, as Linux's tcp_challenge_ack_limit was). Default 1000; 0: off. Only the
   * Stack applies it (a lone Connection takes a shared limit through ConnectionInit).
   */
  challengeAckGlobalLimit: number;
  /**
   * ECN (RFC 3168): 'passive' (default, as Linux's tcp_ecn = 2: agree when the peer's SYN asks,
   * never ask), 'on' (also ask on our SYNs, tcp_ecn = 1) or 'off'. Not 'on' by default for
   * Linux's reason: a middlebox that mangles the ECN bits can hurt a connection that asked, and
   * it only pays where a queue marks instead of dropping (AQM), which TUN and MemoryLink never do.
   */
  ecn: EcnMode;
  /**
   * How losses are detected: 'rack' (default, as Linux: RACK, RFC 8985, time-based, used when
   * SACK is agreed; the DupAck rule otherwise) or 'dupack' (RFC 5681/6675 duplicate-ACK
   * threshold only).
   */
  lossDetection: LossDetection;
}

/** How losses are found: RACK by time (RFC 8985, the default as in Linux) or three duplicate ACKs only. */
export type LossDetection = 'rack' | 'dupack';

/** The defaults `resolveTcpConfig` starts from (docs/stack.md says what each is and why). */
export const DEFAULT_TCP_CONFIG: Readonly<TcpConfig> = Object.freeze({
  mss: 1460,
  sendBufferSize: 256 * 1024,
  receiveBufferSize: 256 * 1024,
  initialRto: 1000,
  minRto: 200,
  maxRto: 120000,
  maxRetries: 15,
  synRetries: 7,
  synAckRetries: 5,
  delayedAckTime: 40,
  timeWaitTime: 60000,
  keepAliveIdle: 7200000,
  keepAliveInterval: 75000,
  keepAliveProbes: 9,
  windowScaling: true,
  timestamps: true,
  sack: true,
  nagle: true,
  congestionControl: 'cubic',
  challengeAckLimit: 10,
  challengeAckGlobalLimit: 1000,
  ecn: 'passive',
  lossDetection: 'rack',
});

/** Largest receive window expressible with window scale 14 (RFC 7323 §2.3). */
export const MAX_WINDOW = 0x3fffc000;

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`TCP config ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RangeError(`TCP config ${name} must be a boolean, got ${String(value)}`);
  return value;
}

/**
 * Defaults merged with `partial`, every field checked. Throws RangeError naming the bad field
 * (unknown keys too, so a typo does not silently keep the default).
 */
export function resolveTcpConfig(partial?: Partial<TcpConfig>): TcpConfig {
  const p = partial ?? {};
  for (const key of Object.keys(p)) {
    if (!(key in DEFAULT_TCP_CONFIG)) throw new RangeError(`unknown TCP config option ${key}`);
  }
  const c: TcpConfig = { ...DEFAULT_TCP_CONFIG };
  for (const key of Object.keys(p) as (keyof TcpConfig)[]) {
    const v = p[key];
    if (v !== undefined) (c as unknown as Record<string, unknown>)[key] = v;
  }
  const DAY = 86400000;
  integerIn('mss', c.mss, 64, 65495);
  integerIn('sendBufferSize', c.sendBufferSize, 1, MAX_WINDOW);
  integerIn('receiveBufferSize', c.receiveBufferSize, 1, MAX_WINDOW);
  integerIn('minRto', c.minRto, 1, DAY);
  integerIn('maxRto', c.maxRto, c.minRto, DAY);
  integerIn('initialRto', c.initialRto, c.minRto, c.maxRto);
  integerIn('maxRetries', c.maxRetries, 0, 100);
  integerIn('synRetries', c.synRetries, 0, 100);
  integerIn('synAckRetries', c.synAckRetries, 0, 100);
  integerIn('delayedAckTime', c.delayedAckTime, 0, 500);
  integerIn('timeWaitTime', c.timeWaitTime, 0, DAY);
  integerIn('keepAliveIdle', c.keepAliveIdle, 1, 30 * DAY);
  integerIn('keepAliveInterval', c.keepAliveInterval, 1, DAY);
  integerIn('keepAliveProbes', c.keepAliveProbes, 1, 1000);
  integerIn('challengeAckLimit', c.challengeAckLimit, 0, 100000);
  integerIn('challengeAckGlobalLimit', c.challengeAckGlobalLimit, 0, 1000000);
  bool('windowScaling', c.windowScaling);
  bool('timestamps', c.timestamps);
  bool('sack', c.sack);
  bool('nagle', c.nagle);
  if (c.ecn !== 'off' && c.ecn !== 'passive' && c.ecn !== 'on') {
    throw new RangeError(`TCP config ecn must be 'off', 'passive' or 'on', got ${String(c.ecn)}`);
  }
  if (c.lossDetection !== 'rack' && c.lossDetection !== 'dupack') {
    throw new RangeError(`TCP config lossDetection must be 'rack' or 'dupack', got ${String(c.lossDetection)}`);
  }
  if (typeof c.congestionControl !== 'string' || c.congestionControl.length === 0) {
    throw new RangeError(`TCP config congestionControl must be a non-empty string`);
  }
  return c;
}
