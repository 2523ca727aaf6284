// Window constants shared by every congestion control (NewReno, CUBIC, registered ones).

/** "Arbitrarily high" (RFC 5681 §3.1) but still an int32, like Linux's initial ssthresh. */
export const INITIAL_SSTHRESH = 0x7fffffff;
/** Growth stops here: the largest window TCP can advertise (65535 << 14), rounded up. */
export const MAX_CWND = 0x40000000;

/** RFC 3465's limit L on the per-ACK increase in standard slow start, in MSS. */
export const ABC_LIMIT = 2;

/** Every algorithm's constructor takes the MSS it starts from; a bad one is a caller's bug. */
export function checkMss(mss: number): void {
  if (!Number.isSafeInteger(mss) || mss <= 0) throw new RangeError(`MSS must be a positive integer, got ${mss}`);
}

/** Initial window per RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}

/** RFC 6582 §3.2 (3) partial ACK: deflate by the bytes acknowledged, add back one MSS if >= MSS. */
export function deflateOnPartialAck(window: number, ackedBytes: number, mss: number): number {
  const acked = Math.max(0, ackedBytes);
  let next = window - acked;
  if (acked >= mss) next += mss;
  return Math.max(mss, next);
}

/** RFC 6582 §3.2 (5) full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize, MSS) + MSS). */
export function windowAfterRecovery(ssthresh: number, flightSize: number, mss: number): number {
  return Math.max(mss, Math.min(ssthresh, Math.max(flightSize, mss) + mss));
}
