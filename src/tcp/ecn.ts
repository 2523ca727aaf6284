// Explicit Congestion Notification for one connection (RFC 3168 §6.1): negotiation on the
// handshake, ECT(0) on new data, the receiver's ECE echo until CWR, and the sender's once-per-
// window reaction. The connection calls in at a few points; the congestion response itself is
// the congestion control's (onCongestionSignal).

import { seqGt } from './seq.js';
import { CWR, ECE, SYN } from '../wire/segment.js';

/** IP ECN codepoints (RFC 3168 §5), carried in TcpSegment.ecn. */
export const NOT_ECT = 0;
export const ECT1 = 1;
export const ECT0 = 2;
export const CE = 3;

/**
 * 'off': never; 'passive': accept when the peer's SYN asks (Linux's default, tcp_ecn = 2);
 * 'on': also ask on our SYNs (tcp_ecn = 1).
 */
export type EcnMode = 'off' | 'passive' | 'on';

export class EcnState {
  /** Negotiated: both ends agreed on the handshake. */
  enabled = false;
  /** We asked in our SYN (active open with mode 'on'). */
  #requested = false;
  /** Receiver: a CE mark arrived; ECE on every ACK until the sender's CWR (§6.1.3). */
  #echo = false;
  /** Sender: set CWR on the next new data segment (§6.1.2). */
  #cwrPending = false;
  /** Sender: no further reduction until SND.UNA passes this (once per window, §6.1.2). */
  #recover = 0;
  #recoverSet = false;
  readonly #mode: EcnMode;

  constructor(mode: EcnMode) {
    this.#mode = mode;
  }

  /** Flags our SYN carries: ECE|CWR when asking (§6.1.1). */
  synFlags(): number {
    if (this.#mode !== 'on') return 0;
    this.#requested = true;
    return ECE | CWR;
  }

  /**
   * A passive open: agreed when the mode allows it and the peer's SYN is an ECN-setup SYN (both
   * ECE and CWR, §6.1.1); null (no state) otherwise.
   */
  static forPassiveOpen(mode: EcnMode, synFlags: number): EcnState | null {
    if (mode === 'off' || (synFlags & (ECE | CWR)) !== (ECE | CWR)) return null;
    const state = new EcnState(mode);
    state.enabled = true;
    return state;
  }

  /** Flags our SYN-ACK carries: ECE alone when agreeing (§6.1.1). */
  synAckFlags(): number {
    return this.enabled ? ECE : 0;
  }

  /** The peer's SYN-ACK: ECE without CWR agrees (a SYN-ACK with both is not an answer). */
  onSynAck(flags: number): void {
    this.enabled = this.#requested && (flags & (ECE | CWR)) === ECE;
  }

  /**
   * An acceptable segment arrived with IP ECN codepoint `ecn`. Returns true when it carried a
   * new CE mark: the caller ACKs at once (as Linux's quick ACK on CE), so the echo is prompt.
   */
  onReceive(flags: number, ecn: number | undefined): boolean {
    if (!this.enabled) return false;
    // CWR first: a CWR segment that is itself CE-marked starts a new echo.
    if (flags & CWR) this.#echo = false;
    if (ecn === CE && !this.#echo) {
      this.#echo = true;
      return true;
    }
    return false;
  }

  /** ECE on our ACKs while echoing (never on SYNs). */
  ackFlags(flags: number): number {
    return this.#echo && !(flags & SYN) ? ECE : 0;
  }

  /**
   * An ACK with ECE: true when the sender should reduce its window now — at most once per
   * window of data (until SND.UNA passes SND.MAX at the last reduction).
   */
  onEce(sndUna: number, sndMax: number): boolean {
    if (!this.enabled) return false;
    if (this.#recoverSet && !seqGt(sndUna, this.#recover)) return false;
    this.#recover = sndMax;
    this.#recoverSet = true;
    this.#cwrPending = true;
    return true;
  }

  /** A new data segment goes out: its ECN codepoint and whether it carries CWR. */
  dataCodepoint(): number {
    return this.enabled ? ECT0 : NOT_ECT;
  }

  takeCwr(): number {
    if (!this.#cwrPending) return 0;
    this.#cwrPending = false;
    return CWR;
  }
}
