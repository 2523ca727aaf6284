// Tail loss probe (RFC 8985 §7): when the last segments of a flight are lost no ACK comes back
// to tell RACK anything, and only the retransmission timer (200 ms at least, often more) would
// notice. Two smoothed RTTs after the last send without an ACK, one segment goes out — new
// data if the window admits it, otherwise the last segment again — so that its ACK (with SACK)
// lets RACK find the losses by time and recovery starts a long way before the RTO.
//
// The engine owns this object; it only keeps the probe's timer and episode state, the
// connection decides when the conditions to arm it hold.

import { seqGe, seqGt } from './seq.js';

/** RFC 8985 §7.2 WCDelAckT: the worst case delayed-ACK time a lone segment may wait for. */
export const WORST_CASE_DELAYED_ACK = 200;
/** Added otherwise, as Linux's TCP_TIMEOUT_MIN (2 jiffies): an SRTT of 0 ms must not probe at once. */
const PTO_SLACK = 2;

export class TailLossProbe {
  /** When the PTO fires (ms), Infinity when not armed. */
  deadline = Infinity;
  /** A probe is out: SND.MAX when it was sent (TLP.end_seq); only one per episode. */
  #outstanding = false;
  #endSeq = 0;
  /** The probe resent the last segment rather than new data. */
  #retransmission = false;

  get outstanding(): boolean {
    return this.#outstanding;
  }

  /**
   * RFC 8985 §7.2: PTO = 2·SRTT, plus the peer's delayed-ACK time when a single segment is
   * outstanding (its ACK may be held back) or else a 2 ms slack as Linux's
   * tcp_schedule_loss_probe, and never later than the RTO would fire.
   */
  static timeout(srtt: number, flight: number, mss: number, rto: number): number {
    const pto = 2 * srtt + (flight <= mss ? WORST_CASE_DELAYED_ACK : PTO_SLACK);
    return Math.max(1, Math.min(pto, rto));
  }

  /** A probe was sent; SND.MAX is now `sndMax`. */
  sent(sndMax: number, retransmission: boolean): void {
    this.#outstanding = true;
    this.#endSeq = sndMax;
    this.#retransmission = retransmission;
    this.deadline = Infinity;
  }

  /**
   * RFC 8985 §7.4, as Linux's tcp_process_tlp_ack: an ACK while a probe is out. Returns true
   * when the probe repaired a real loss (a resent segment acknowledged beyond the probe with no
   * D-SACK saying both copies arrived): the congestion control then reduces once. An ACK exactly
   * at the probe's end waits for a later one, which a D-SACK for a needless probe may be.
   */
  onAck(ack: number, dsack: boolean): boolean {
    if (!this.#outstanding || !seqGe(ack, this.#endSeq)) return false;
    if (!this.#retransmission || dsack) {
      this.#outstanding = false;
      return false;
    }
    if (!seqGt(ack, this.#endSeq)) return false;
    this.#outstanding = false;
    return true;
  }

  /** A retransmission timeout or recovery took over: the episode is over. */
  reset(): void {
    this.#outstanding = false;
    this.deadline = Infinity;
  }
}
