// Undoing spurious retransmission timeouts with timestamps: the Eifel detection algorithm
// (RFC 3522) and the congestion-control half of its response (RFC 4015, as Linux's
// tcp_try_undo_loss does it).
//
// An RTO fires when the ACKs are late, not only when segments are lost: a stalled event loop
// (GC, CPU contention) or a sudden RTT increase. Then the first ACK of new data after the
// timeout answers the original transmission, not the retransmission, and says so: its TSecr
// echoes a TSval older than the one the retransmission carried. The timeout was spurious; cwnd
// and ssthresh go back to what they were before it and sending resumes with new data.

import type { CongestionControl } from './congestion.js';
import { seqLt } from './seq.js';

export class RtoUndo {
  /** A timeout is waiting for its first ACK of new data. */
  #armed = false;
  #priorCwnd = 0;
  #priorSsthresh = 0;
  /** TSval of the first retransmission of this timeout episode (RFC 3522 RetransmitTS). */
  #retransmitTs = 0;

  /**
   * A retransmission timeout at TSval `tsVal`, before `cc` reacts to it. Only the first of an
   * episode of backed-off timeouts counts: undo goes back to the state before all of them.
   */
  onTimeout(cc: CongestionControl, tsVal: number): void {
    if (this.#armed) return;
    this.#armed = true;
    this.#priorCwnd = cc.cwnd;
    this.#priorSsthresh = cc.ssthresh;
    this.#retransmitTs = tsVal >>> 0;
  }

  /**
   * The first ACK of new data since the timeout, echoing `tsEcr` (undefined: no timestamp).
   * Returns true when it answers an original transmission (spurious timeout) and restores cwnd
   * and ssthresh in `cc` to at least what they were. Later ACKs are not checked (RFC 3522 §2).
   */
  onNewAck(cc: CongestionControl, tsEcr: number | undefined): boolean {
    if (!this.#armed) return false;
    this.#armed = false;
    // TSecr 0 is what a peer that has nothing to echo sends (RFC 7323 §3.2): no evidence.
    if (tsEcr === undefined || tsEcr === 0 || !seqLt(tsEcr, this.#retransmitTs)) return false;
    cc.undo?.(this.#priorCwnd, this.#priorSsthresh);
    return true;
  }
}
