// The pluggable congestion-control interface, on its own so that algorithms (cubic.ts) and the
// registry that constructs them (congestion.ts) import it without importing each other.
//
// The connection decides *when* (new ACK, third duplicate ACK, partial ACK, timeout, idle
// restart) and calls in; the algorithm only owns cwnd and ssthresh. All sizes are bytes.

/** A congestion control algorithm, driven by the connection; add one with `registerCongestionControl`. */
export interface CongestionControl {
  readonly name: string;
  readonly cwnd: number;
  readonly ssthresh: number;
  /**
   * New data acknowledged outside fast recovery. `ack` (the new SND.UNA) and `sndNxt` let an
   * algorithm count round trips in sequence space (HyStart++'s rounds); older callers omit them.
   */
  onAck(ackedBytes: number, mss: number, now: number, ack?: number, sndNxt?: number): void;
  /** An RTT measurement (ms), reported before the onAck() of the ACK that produced it. */
  onRttSample?(rtt: number, now: number): void;
  /** Third duplicate ACK: ssthresh = max(F/2, 2 MSS), cwnd = ssthresh + 3 MSS. */
  onEnterRecovery(flightSize: number, mss: number, now: number): void;
  /** Each further duplicate ACK in recovery: cwnd += MSS. */
  onDupAckInRecovery(mss: number): void;
  /** RFC 6582 partial ACK: deflate by the bytes acknowledged, add back one MSS if >= MSS. */
  onPartialAck(ackedBytes: number, mss: number): void;
  /** Full ACK ends recovery: cwnd = min(ssthresh, max(F, MSS) + MSS). */
  onExitRecovery(flightSize: number, mss: number): void;
  /** Retransmission timeout: ssthresh = max(F/2, 2 MSS), cwnd = 1 MSS (loss window). */
  onTimeout(flightSize: number, mss: number): void;
  /** RFC 5681 §4.1: after an idle period longer than RTO, cwnd = min(IW, cwnd). */
  onIdleRestart?(mss: number): void;
  /**
   * A reduction turned out spurious (RFC 4015 Eifel response): cwnd and ssthresh back to at
   * least these values from before it (Linux's undo_cwnd). Without it nothing is undone.
   */
  undo?(priorCwnd: number, priorSsthresh: number): void;
  /**
   * ECN-Echo (RFC 3168 §6.1.2): the multiplicative decrease of a loss, once per window, with
   * nothing to resend (no recovery inflation). Without it an algorithm ignores ECN marks.
   */
  onCongestionSignal?(flightSize: number, mss: number, now: number): void;
}
