// CUBIC (RFC 9438) with HyStart++ (RFC 9406) slow start: the default congestion control, as in
// Linux since 2.6.19 (HyStart there is Linux's own variant; RFC 9406 is the IETF's).
//
// The window grows as a cubic function of the time since the last congestion event, with its
// plateau at the window where that event happened (W_max), so it regains the old window quickly,
// probes carefully around it, then accelerates away. A Reno estimate keeps it at least as fast as
// Reno on short-RTT paths. Loss recovery itself (fast retransmit, RFC 6582 inflation and
// deflation) is the connection's, as with NewReno; only the multiplicative decrease differs.
//
// Units: the connection speaks bytes and milliseconds; the RFC's formulas are in segments and
// seconds, so they are evaluated in those units and converted with the current MSS (which can
// shrink under path MTU discovery).

import type { CongestionControl } from './congestion-control.js';
import {
  ABC_LIMIT,
  INITIAL_SSTHRESH,
  MAX_CWND,
  checkMss,
  deflateOnPartialAck,
  initialWindow,
  windowAfterRecovery,
} from './cwnd.js';
import { HyStart, HYSTART } from './hystart.js';

/** RFC 9438 §5: C = 0.4 (segments/s³), β_cubic = 0.7. */
export const CUBIC_C = 0.4;
export const CUBIC_BETA = 0.7;
/** RFC 9438 §4.3: α_cubic = 3(1 − β)/(1 + β), Reno's growth at CUBIC's β. */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/** RFC 9438 eq. 2: K = ∛((W_max − cwnd_epoch) / C), seconds; 0 when cwnd_epoch ≥ W_max. */
export function cubicK(wMax: number, cwndEpoch: number): number {
  return wMax > cwndEpoch ? Math.cbrt((wMax - cwndEpoch) / CUBIC_C) : 0;
}

/** RFC 9438 eq. 1: W_cubic(t) = C(t − K)³ + W_max, in segments, t in seconds. */
export function cubicWindow(t: number, k: number, wMax: number): number {
  const d = t - k;
  return CUBIC_C * d * d * d + wMax;
}

/** Overrides of CUBIC's constants (RFC 9438), for experiments and tests. */
export interface CubicOptions {
  /** RFC 9438 §4.7 fast convergence (default on, as Linux). */
  fastConvergence?: boolean;
  /** RFC 9406 HyStart++ in the first slow start (default on). */
  hystart?: boolean;
}

/** CUBIC congestion control (RFC 9438) with HyStart++ slow start (RFC 9406): the default, as in Linux. */
export class Cubic implements CongestionControl {
  get name(): string {
    return 'cubic';
  }

  /** Bytes; fractional between ACKs, floored when read. */
  #window: number;
  #threshold = INITIAL_SSTHRESH;
  /** W_max in bytes: the window at the last congestion event (after fast convergence). */
  #wMax = 0;
  /** cwnd_prior in bytes: the window just before the last reduction. */
  #cwndPrior = 0;
  /** Start of the current congestion avoidance stage (ms), or -1 if none started. */
  #epochStart = -1;
  /** K in seconds for the current epoch. */
  #k = 0;
  /** W_est in bytes, the Reno-friendly estimate (RFC 9438 §4.3). */
  #wEst = 0;
  /** Smoothed RTT in ms (RFC 6298 weights), 0 until the first sample. */
  #srtt = 0;
  /**
   * Set by a congestion event until new data is acknowledged outside recovery: a timeout then
   * (in fast recovery, or a repeated one) keeps the W_max and ssthresh already cut.
   */
  #afterTimeout = false;
  #inRecovery = false;
  readonly #fastConvergence: boolean;
  readonly #hystart: HyStart | null;
  /** W_max and cwnd_prior before the last reduction, for undo() (RFC 9438 §4.9). */
  #priorWMax = 0;
  #priorCwndPrior = 0;

  constructor(mss: number, options: CubicOptions = {}) {
    checkMss(mss);
    this.#window = initialWindow(mss);
    this.#fastConvergence = options.fastConvergence ?? true;
    this.#hystart = (options.hystart ?? true) ? new HyStart() : null;
  }

  get cwnd(): number {
    return Math.floor(this.#window);
  }

  get ssthresh(): number {
    return this.#threshold;
  }

  /** Where HyStart++ is ('done' once it ended, or when it is off). */
  get hystartPhase(): string {
    return this.#hystart?.phase ?? 'done';
  }

  onRttSample(rtt: number, _now: number): void {
    if (!(rtt >= 0)) return;
    this.#srtt = this.#srtt === 0 ? rtt : this.#srtt + (rtt - this.#srtt) / 8;
    this.#hystart?.onRttSample(rtt);
  }

  onAck(ackedBytes: number, mss: number, now: number, ack?: number, sndNxt?: number): void {
    if (!(ackedBytes > 0)) return;
    this.#afterTimeout = false;
    let acked = ackedBytes;
    if (this.#window < this.#threshold) {
      let grow = Math.min(acked, ABC_LIMIT * mss);
      const hs = this.#hystart;
      if (hs !== null && hs.phase !== 'done' && ack !== undefined && sndNxt !== undefined) {
        const phase = hs.onAck(ack, sndNxt);
        if (phase === 'done') {
          // RFC 9406 §4.3: CSS_ROUNDS rounds of CSS without the RTT coming back: ssthresh = cwnd.
          this.#threshold = Math.max(this.cwnd, 2 * mss);
        } else {
          grow = Math.min(acked, HYSTART.L * mss);
          if (phase === 'css') grow /= HYSTART.CSS_GROWTH_DIVISOR;
        }
      }
      if (this.#window < this.#threshold) {
        const room = this.#threshold - this.#window;
        if (grow <= room) {
          this.#window = Math.min(MAX_CWND, this.#window + grow);
          return;
        }
        this.#window = this.#threshold;
        acked -= room;
      }
    }
    this.#congestionAvoidance(acked, mss, now);
  }

  /** RFC 9438 §4.2–4.4, per ACK of `acked` bytes. */
  #congestionAvoidance(acked: number, mss: number, now: number): void {
    if (acked <= 0) return;
    if (this.#epochStart < 0) {
      this.#epochStart = now;
      // Linux's choice (bictcp_update) when the window is already past W_max: the plateau is here.
      if (this.#wMax < this.#window) this.#wMax = this.#window;
      this.#k = cubicK(this.#wMax / mss, this.#window / mss);
      this.#wEst = this.#window;
    }
    const cwndSeg = this.#window / mss;
    const t = (now - this.#epochStart) / 1000;
    // Reno-friendly region (§4.3): α_cubic until W_est reaches cwnd_prior, then Reno's 1.
    const alpha = this.#wEst >= this.#cwndPrior ? 1 : CUBIC_ALPHA;
    this.#wEst += (alpha * acked * mss) / this.#window;
    const wMaxSeg = this.#wMax / mss;
    if (cubicWindow(t, this.#k, wMaxSeg) * mss < this.#wEst) {
      this.#window = Math.min(MAX_CWND, this.#wEst);
      return;
    }
    // Concave and convex regions (§4.4, §4.5): aim at W_cubic one RTT ahead, within [cwnd, 1.5 cwnd].
    let target = cubicWindow(t + this.#srtt / 1000, this.#k, wMaxSeg);
    if (target < cwndSeg) target = cwndSeg;
    else if (target > 1.5 * cwndSeg) target = 1.5 * cwndSeg;
    this.#window = Math.min(MAX_CWND, this.#window + ((target - cwndSeg) / cwndSeg) * acked);
  }

  /** A congestion event (§4.6, §4.7): remember the plateau, cut to β. */
  #reduce(flightSize: number, mss: number): void {
    this.#hystart?.stop();
    this.#epochStart = -1;
    const cwnd = this.#window;
    this.#priorWMax = this.#wMax;
    this.#priorCwndPrior = this.#cwndPrior;
    this.#wMax = this.#fastConvergence && cwnd < this.#wMax ? (cwnd * (1 + CUBIC_BETA)) / 2 : cwnd;
    this.#cwndPrior = cwnd;
    // §4.6: ssthresh = flight_size × β_cubic, never below 2 segments (RFC 5681's floor).
    this.#threshold = Math.max(Math.floor(Math.max(0, flightSize) * CUBIC_BETA), 2 * mss);
  }

  onEnterRecovery(flightSize: number, mss: number, _now: number): void {
    this.#reduce(flightSize, mss);
    this.#inRecovery = true;
    this.#window = this.#threshold + 3 * mss;
  }

  /** ECN-Echo (§4.6): the same cut as a loss, cwnd = ssthresh, nothing to resend. */
  onCongestionSignal(flightSize: number, mss: number, _now: number): void {
    this.#reduce(flightSize, mss);
    this.#window = this.#threshold;
  }

  onDupAckInRecovery(mss: number): void {
    this.#window = Math.min(MAX_CWND, this.#window + mss);
  }

  onPartialAck(ackedBytes: number, mss: number): void {
    this.#window = deflateOnPartialAck(this.#window, ackedBytes, mss);
  }

  onExitRecovery(flightSize: number, mss: number): void {
    this.#inRecovery = false;
    this.#window = windowAfterRecovery(this.#threshold, flightSize, mss);
    this.#epochStart = -1;
  }

  onTimeout(flightSize: number, mss: number): void {
    // §4.8: a timeout is a congestion event, then one segment. A repeated timeout for the same
    // data (backoff), or one during fast recovery, does not cut again: Linux's tcp_enter_loss
    // keeps ssthresh in CA_Loss and CA_Recovery. (The flight then is inflated by recovery's
    // new data; cutting from it would raise ssthresh above the window that saw the loss.)
    if (!this.#afterTimeout && !this.#inRecovery) this.#reduce(flightSize, mss);
    else this.#hystart?.stop();
    this.#afterTimeout = true;
    this.#inRecovery = false;
    this.#epochStart = -1;
    this.#window = mss;
  }

  /**
   * A reduction found spurious (Eifel, D-SACK): RFC 9438 §4.9 restores the state from before the
   * congestion event — cwnd, ssthresh and the plateau W_max (with cwnd_prior), so the next epoch
   * probes from the old window instead of climbing back up a curve built on a loss that never was.
   */
  undo(priorCwnd: number, priorSsthresh: number): void {
    this.#window = Math.min(MAX_CWND, Math.max(this.#window, priorCwnd));
    this.#threshold = Math.max(this.#threshold, priorSsthresh);
    this.#wMax = Math.max(this.#priorWMax, this.#window);
    this.#cwndPrior = this.#priorCwndPrior;
    this.#epochStart = -1;
    this.#afterTimeout = false;
    this.#inRecovery = false;
  }

  onIdleRestart(mss: number): void {
    // RFC 5681 §4.1 restart window; the cubic epoch restarts too, so the idle time is not
    // counted as time spent growing (RFC 9438 §5.8, Linux's CA_EVENT_TX_START).
    this.#window = Math.min(initialWindow(mss), this.#window);
    this.#epochStart = -1;
  }
}
