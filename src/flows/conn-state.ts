// Zeek's view of a TCP connection: each endpoint's state as its packets move it, the conn_state
// summary (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH) and the history
// letters. The summary follows the conn_state function of Zeek's base/protocols/conn/main.zeek;
// the endpoint states are a simplification of its TCP analyzer (no content checks).

/** An endpoint's state, named as Zeek's TCP_* endpoint states. */
export const EndpointState = Object.freeze({
  INACTIVE: 0,
  SYN_SENT: 1,
  SYN_ACK_SENT: 2,
  /** Sent something other than a SYN before any SYN of its own was seen (midstream). */
  PARTIAL: 3,
  ESTABLISHED: 4,
  CLOSED: 5,
  RESET: 6,
});
export type EndpointState = (typeof EndpointState)[keyof typeof EndpointState];

const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const ACK = 0x10;

/**
 * The states after a packet with `flags`: the sender's in the low 4 bits, the peer's (which a
 * handshake-completing ACK moves to ESTABLISHED too) in the next 4. One number, not a pair, so
 * the per-packet path allocates nothing.
 */
export function nextStates(sender: EndpointState, peer: EndpointState, flags: number): number {
  if (flags & RST) return EndpointState.RESET | (peer << 4);
  if (flags & FIN) return (sender === EndpointState.RESET ? sender : EndpointState.CLOSED) | (peer << 4);
  if (flags & SYN) {
    if (sender !== EndpointState.INACTIVE) return sender | (peer << 4);
    return (flags & ACK ? EndpointState.SYN_ACK_SENT : EndpointState.SYN_SENT) | (peer << 4);
  }
  if (sender === EndpointState.SYN_SENT || sender === EndpointState.SYN_ACK_SENT) {
    // The sender's first ACK after its SYN: established once the peer answered with its own SYN.
    if (peer === EndpointState.SYN_ACK_SENT || peer === EndpointState.SYN_SENT)
      return EndpointState.ESTABLISHED | (EndpointState.ESTABLISHED << 4);
    if (peer === EndpointState.ESTABLISHED) return EndpointState.ESTABLISHED | (peer << 4);
    return sender | (peer << 4);
  }
  if (sender === EndpointState.INACTIVE) return EndpointState.PARTIAL | (peer << 4);
  return sender | (peer << 4);
}

/**
 * Zeek's conn_state from the two endpoint states, whether any payload was seen and the history
 * (RSTOS0 is "S, then no H A F G I Q, then R" in the originator's letters).
 */
export function connState(orig: EndpointState, resp: EndpointState, anyPayload: boolean, history: string): string {
  const oInactive = orig === EndpointState.INACTIVE || orig === EndpointState.PARTIAL;
  const rInactive = resp === EndpointState.INACTIVE || resp === EndpointState.PARTIAL;
  if (resp === EndpointState.RESET) {
    if (
      orig === EndpointState.SYN_SENT ||
      orig === EndpointState.SYN_ACK_SENT ||
      (orig === EndpointState.RESET && !anyPayload)
    )
      return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (orig === EndpointState.RESET) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (resp === EndpointState.CLOSED && orig === EndpointState.CLOSED) return 'SF';
  if (orig === EndpointState.CLOSED) return rInactive ? 'SH' : 'S2';
  if (resp === EndpointState.CLOSED) return oInactive ? 'SHR' : 'S3';
  if (orig === EndpointState.SYN_SENT && resp === EndpointState.INACTIVE) return 'S0';
  if (orig === EndpointState.ESTABLISHED && resp === EndpointState.ESTABLISHED) return 'S1';
  return 'OTH';
}

/**
 * Zeek's history string for one connection. Letters: s SYN without ACK, h SYN+ACK, a pure ACK,
 * d payload, f FIN, r RST, t retransmitted payload, w zero window, g content gap; upper case
 * from the originator. a and d are written once per direction; s h f r again when the sequence
 * number differs from the last packet with that flag; t w g at the 1st, 10th, 100th… event.
 */
export class History {
  text = '';
  /**
   * Per direction (0 originator, 1 responder; index dir * 3 + slot): last seq of s/h, f, r, and
   * the t/w/g counters. Plain number arrays: a connection allocated four typed arrays before, a
   * tenth of the flows command's CPU time on many short connections.
   */
  readonly #lastSeq = [-1, -1, -1, -1, -1, -1];
  readonly #once = [0, 0];
  readonly #counts = [0, 0, 0, 0, 0, 0];

  /** Notes a packet's SYN, FIN and RST (with its sequence number); call before packet(). */
  control(dir: 0 | 1, flags: number, seq: number): void {
    const at = dir * 3;
    if (flags & SYN) this.#bySeq(dir, at, seq, flags & ACK ? 'h' : 's');
    if (flags & FIN) this.#bySeq(dir, at + 1, seq, 'f');
    if (flags & RST) this.#bySeq(dir, at + 2, seq, 'r');
  }

  /** Notes a packet's pure ACK or payload; `dir` 0 is the originator. */
  packet(dir: 0 | 1, flags: number, payloadLength: number): void {
    if (flags & ACK && payloadLength === 0 && !(flags & (SYN | FIN | RST))) this.#onceLetter(dir, 1, 'a');
    if (payloadLength > 0) this.#onceLetter(dir, 2, 'd');
  }

  /** A retransmission (0), zero window (1) or gap (2) event, logarithmically. */
  event(dir: 0 | 1, kind: 0 | 1 | 2): void {
    const n = ++this.#counts[dir * 3 + kind]!;
    // 1, 10, 100, …: a power of ten.
    let p = 1;
    while (p < n) p *= 10;
    if (p === n) this.#add(dir, 'twg'[kind]!);
  }

  /** Zeek's '^': the connection's direction was decided against the first packet seen. */
  flipped(): void {
    this.text = `^${this.text}`;
  }

  #bySeq(dir: 0 | 1, slot: number, seq: number, letter: string): void {
    const last = this.#lastSeq;
    if (last[slot] === seq) return;
    last[slot] = seq;
    this.#add(dir, letter);
  }

  #onceLetter(dir: 0 | 1, bit: number, letter: string): void {
    if (this.#once[dir]! & bit) return;
    this.#once[dir]! |= bit;
    this.#add(dir, letter);
  }

  #add(dir: 0 | 1, letter: string): void {
    this.text += dir === 0 ? letter.toUpperCase() : letter;
  }
}
