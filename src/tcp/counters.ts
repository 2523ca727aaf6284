// Statistics a Connection increments; the stack shares one object among all its connections and
// exposes it inside stack.stats. Plain numbers in a fixed shape so increments stay cheap.

/** Segments dropped, by reason (each dropped segment counts once). */
export interface TcpDropCounters {
  /** Segment failed the acceptability test (RFC 9293 §3.10.7.4 first check). */
  outOfWindow: number;
  /** ACK for data never sent, or older than SND.UNA - MAX.SND.WND (RFC 5961 §5). */
  badAck: number;
  /** Timestamp older than TS.Recent (RFC 7323 §5 PAWS). */
  paws: number;
  /** RST that was not an exact match (RFC 5961 §3) or not acceptable. */
  rstInvalid: number;
  /** SYN in a synchronized state (RFC 5961 §4) or otherwise unexpected. */
  synInvalid: number;
  /** Segment for no connection and no listener (counted by the stack). */
  noListener: number;
  /** ACK to a listening port for no connection, answered with RST (RFC 9293 §3.10.7.2; counted by the stack). */
  noConnection: number;
  /** Undecodable segment (counted by the stack). */
  malformed: number;
  /** Checksum mismatch (counted by the stack). */
  badChecksum: number;
  /** SYN dropped because a listener's queue was full (counted by the stack). */
  listenOverflow: number;
  /** Segment without ACK in a state that needs one, or data in a state that takes none. */
  unexpected: number;
}

/** What connections count; one object may be shared by many (a stack shares one in `stack.stats`). */
export interface TcpCounters {
  segmentsIn: number;
  segmentsOut: number;
  /** Segments sent again (RTO, fast retransmit, NewReno partial ACK). */
  retransmissions: number;
  fastRetransmits: number;
  /** Retransmission timer expiries. */
  timeouts: number;
  /** Timeouts found spurious and undone (Eifel with timestamps, RFC 3522 / 4015). */
  spuriousTimeoutsUndone: number;
  /** Tail loss probes sent (RFC 8985 §7), each where only an RTO would have noticed a tail loss. */
  tailLossProbes: number;
  challengeAcks: number;
  /** Challenge ACKs suppressed by the RFC 5961 §7 rate limit. */
  challengeAcksLimited: number;
  /** Replies to unacceptable zero-length segments suppressed (one per 500 ms, as Linux). */
  outOfWindowAcksLimited: number;
  keepAliveProbes: number;
  windowProbes: number;
  /** ACKs that advertised a zero window (our reader fell behind). */
  zeroWindowsSent: number;
  resetsSent: number;
  resetsReceived: number;
  dropped: TcpDropCounters;
}

/** A zeroed `TcpCounters` to pass as `ConnectionInit.counters`. */
export function createTcpCounters(): TcpCounters {
  return {
    segmentsIn: 0,
    segmentsOut: 0,
    retransmissions: 0,
    fastRetransmits: 0,
    timeouts: 0,
    spuriousTimeoutsUndone: 0,
    tailLossProbes: 0,
    challengeAcks: 0,
    challengeAcksLimited: 0,
    outOfWindowAcksLimited: 0,
    keepAliveProbes: 0,
    windowProbes: 0,
    zeroWindowsSent: 0,
    resetsSent: 0,
    resetsReceived: 0,
    dropped: {
      outOfWindow: 0,
      badAck: 0,
      paws: 0,
      rstInvalid: 0,
      synInvalid: 0,
      noListener: 0,
      noConnection: 0,
      malformed: 0,
      badChecksum: 0,
      listenOverflow: 0,
      unexpected: 0,
    },
  };
}
