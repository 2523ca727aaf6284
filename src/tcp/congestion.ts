// Congestion control: NewReno (RFC 5681 with the RFC 6582 recovery rules and RFC 3465 byte
// counting) and the registry; the pluggable interface is in congestion-control.ts, CUBIC (the
// default) in cubic.ts.
//
// The connection decides *when* (new ACK, third duplicate ACK, partial ACK, timeout, idle
// restart) and calls in; the algorithm only owns cwnd and ssthresh. All sizes are bytes.

import type { CongestionControl } from './congestion-control.js';
import { Cubic } from './cubic.js';
import {
  ABC_LIMIT,
  INITIAL_SSTHRESH,
  MAX_CWND,
  checkMss,
  deflateOnPartialAck,
  initialWindow,
  windowAfterRecovery,
} from './cwnd.js';

export { INITIAL_SSTHRESH, MAX_CWND, initialWindow };
export type { CongestionControl } from './congestion-control.js';

export class NewReno implements CongestionControl {
  // A getter, not a field: one less slot on every connection's instance.
  get name(): string {
    return 'newreno';
  }

  #window: number;
  #threshold = INITIAL_SSTHRESH;
  /** Bytes acknowledged toward the next +1 MSS in congestion avoidance (RFC 3465 §2.1). */
  #bytesAcked = 0;

  constructor(mss: number) {
    checkMss(mss);
    this.#window = initialWindow(mss);
  }

  get cwnd(): number {
    return this.#window;
  }

  get ssthresh(): number {
    return this.#threshold;
  }

  onAck(ackedBytes: number, mss: number, _now: number): void {
    if (!(ackedBytes > 0)) return;
    let acked = ackedBytes;
    if (this.#window < this.#threshold) {
      // Slow start with byte counting: grow by what was acked, at most L*MSS per ACK.
      const grow = Math.min(acked, ABC_LIMIT * mss);
      const room = this.#threshold - this.#window;
      if (grow <= room) {
        this.#window = Math.min(MAX_CWND, this.#window + grow);
        return;
      }
      // Crossing ssthresh: stop at it; the bytes beyond count toward congestion avoidance.
      this.#window = this.#threshold;
      acked -= room;
    }
    // Congestion avoidance: one MSS per cwnd's worth of acknowledged bytes.
    this.#bytesAcked += acked;
    if (this.#bytesAcked >= this.#window) {
      this.#bytesAcked -= this.#window;
      this.#window = Math.min(MAX_CWND, this.#window + mss);
    }
  }

  onEnterRecovery(flightSize: number, mss: number, _now: number): void {
    this.#threshold = halfFlight(flightSize, mss);
    this.#window = this.#threshold + 3 * mss;
    this.#bytesAcked = 0;
  }

  onDupAckInRecovery(mss: number): void {
    this.#window = Math.min(MAX_CWND, this.#window + mss);
  }

  onPartialAck(ackedBytes: number, mss: number): void {
    this.#window = deflateOnPartialAck(this.#window, ackedBytes, mss);
  }

  onExitRecovery(flightSize: number, mss: number): void {
    this.#window = windowAfterRecovery(this.#threshold, flightSize, mss);
    this.#bytesAcked = 0;
  }

  onTimeout(flightSize: number, mss: number): void {
    this.#threshold = halfFlight(flightSize, mss);
    this.#window = mss;
    this.#bytesAcked = 0;
  }

  onCongestionSignal(flightSize: number, mss: number, _now: number): void {
    this.#threshold = halfFlight(flightSize, mss);
    this.#window = this.#threshold;
    this.#bytesAcked = 0;
  }

  onIdleRestart(mss: number): void {
    this.#window = Math.min(initialWindow(mss), this.#window);
    this.#bytesAcked = 0;
  }

  undo(priorCwnd: number, priorSsthresh: number): void {
    this.#window = Math.min(MAX_CWND, Math.max(this.#window, priorCwnd));
    this.#threshold = Math.max(this.#threshold, priorSsthresh);
  }
}

/**
 * No congestion control: the window is always "unlimited" (only the peer's receive window
 * limits sending). For tests and for links known to be uncongested.
 */
export class NoCongestionControl implements CongestionControl {
  get name(): string {
    return 'none';
  }
  get cwnd(): number {
    return MAX_CWND;
  }
  get ssthresh(): number {
    return INITIAL_SSTHRESH;
  }
  onAck(): void {}
  onEnterRecovery(): void {}
  onDupAckInRecovery(): void {}
  onPartialAck(): void {}
  onExitRecovery(): void {}
  onTimeout(): void {}
}

function halfFlight(flightSize: number, mss: number): number {
  return Math.max(Math.floor(Math.max(0, flightSize) / 2), 2 * mss);
}

/** Makes a congestion control for a new connection, given its send MSS. */
export type Factory = (mss: number) => CongestionControl;

const registry = new Map<string, Factory>([
  ['cubic', (mss) => new Cubic(mss)],
  ['newreno', (mss) => new NewReno(mss)],
  ['none', (mss) => (checkMss(mss), new NoCongestionControl())],
]);

/** Add (or replace) an algorithm by name, for `TcpConfig.congestionControl`. */
export function registerCongestionControl(name: string, factory: Factory): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new RangeError('congestion control name must be a non-empty string');
  registry.set(name, factory);
}

/** Whether `name` is registered (lets config validation reject unknown names early). */
export function hasCongestionControl(name: string): boolean {
  return registry.has(name);
}

/** A fresh instance of the named algorithm; RangeError for an unknown name. */
export function createCongestionControl(name: string, mss: number): CongestionControl {
  const factory = registry.get(name);
  if (factory === undefined) {
    throw new RangeError(`unknown congestion control '${name}' (registered: ${[...registry.keys()].join(', ')})`);
  }
  return factory(mss);
}
