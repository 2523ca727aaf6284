// HyStart++ (RFC 9406): leave slow start when the round trip time starts to grow (the queue is
// filling), before the overshoot that ends classic slow start in a burst of losses, and probe
// with Conservative Slow Start (CSS) for a few rounds in case the increase was noise.
//
// Sans-IO like the engine: it is told RTT samples and ACKs (with the connection's SND.NXT, which
// marks the end of a round) and answers with the phase, so the congestion controller knows how
// to grow the window. Rounds are counted in sequence space (RFC 9406 §4.2: windowEnd = SND.NXT).

import { seqGe } from './seq.js';

/** RFC 9406 §4.3's recommended constants. RTTs in ms. */
export const HYSTART = Object.freeze({
  MIN_RTT_THRESH: 4,
  MAX_RTT_THRESH: 16,
  MIN_RTT_DIVISOR: 8,
  N_RTT_SAMPLE: 8,
  CSS_GROWTH_DIVISOR: 4,
  CSS_ROUNDS: 5,
  /** Per-ACK growth limit in MSS without pacing (the RFC's L = 8 for non-paced senders). */
  L: 8,
});

/** 'slow-start' and 'css' grow the window; 'done' means congestion avoidance from here on. */
export type HyStartPhase = 'slow-start' | 'css' | 'done';

export class HyStart {
  #current: HyStartPhase = 'slow-start';
  /** SND.NXT when the current round started; undefined before the first ACK. */
  #windowEnd: number | undefined = undefined;
  #lastRoundMinRtt = Infinity;
  #currentRoundMinRtt = Infinity;
  #rttSampleCount = 0;
  #cssBaselineMinRtt = Infinity;
  #cssRounds = 0;
  /** A sample taken for the ACK being processed; applied after the round boundary check. */
  #pendingRtt = -1;

  get phase(): HyStartPhase {
    return this.#current;
  }

  /** The RTT the ACK about to be reported to onAck() measured (ms). */
  onRttSample(rtt: number): void {
    if (rtt >= 0) this.#pendingRtt = rtt;
  }

  /**
   * An ACK of new data in slow start or CSS. `ack` is the acknowledgement number, `sndNxt` the
   * next sequence number to be sent. Returns the phase to apply to this ACK's growth:
   * 'slow-start' grows by min(N, L*MSS), 'css' by a quarter of that, 'done' means the caller sets
   * ssthresh = cwnd and continues in congestion avoidance (RFC 9406 §4.3).
   */
  onAck(ack: number, sndNxt: number): HyStartPhase {
    if (this.#current === 'done') return 'done';
    const rtt = this.#pendingRtt;
    this.#pendingRtt = -1;
    if (this.#windowEnd === undefined || seqGe(ack, this.#windowEnd)) {
      // A round ended (or the first one starts).
      if (this.#windowEnd !== undefined && this.#current === 'css' && ++this.#cssRounds >= HYSTART.CSS_ROUNDS) {
        this.#current = 'done';
        return 'done';
      }
      this.#lastRoundMinRtt = this.#currentRoundMinRtt;
      this.#currentRoundMinRtt = Infinity;
      this.#rttSampleCount = 0;
      this.#windowEnd = sndNxt;
    }
    if (rtt >= 0) {
      if (rtt < this.#currentRoundMinRtt) this.#currentRoundMinRtt = rtt;
      this.#rttSampleCount++;
    }
    if (this.#rttSampleCount >= HYSTART.N_RTT_SAMPLE) {
      if (this.#current === 'slow-start') {
        if (this.#currentRoundMinRtt !== Infinity && this.#lastRoundMinRtt !== Infinity) {
          const thresh = Math.max(
            HYSTART.MIN_RTT_THRESH,
            Math.min(this.#lastRoundMinRtt / HYSTART.MIN_RTT_DIVISOR, HYSTART.MAX_RTT_THRESH),
          );
          if (this.#currentRoundMinRtt >= this.#lastRoundMinRtt + thresh) {
            this.#cssBaselineMinRtt = this.#currentRoundMinRtt;
            this.#current = 'css';
            this.#cssRounds = 0;
          }
        }
      } else if (this.#currentRoundMinRtt < this.#cssBaselineMinRtt) {
        // The RTT came back down: the increase was spurious; resume slow start.
        this.#cssBaselineMinRtt = Infinity;
        this.#current = 'slow-start';
      }
    }
    return this.#current;
  }

  /** Loss, ECN or a timeout ends HyStart++ for good (RFC 9406 §4.3: later slow starts are plain). */
  stop(): void {
    this.#current = 'done';
    this.#pendingRtt = -1;
  }
}
