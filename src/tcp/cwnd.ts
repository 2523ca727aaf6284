// Window constants shared by every congestion control (NewReno, CUBIC, registered ones).

/** "Arbitrarily high" (RFC 5681 §3.1) but still an int32, like Linux's initial ssthresh. */
export const INITIAL_SSTHRESH = 0x7fffffff;
/** Growth stops here: the largest window TCP can advertise (65535 << 14), rounded up. */
export const MAX_CWND = 0x40000000;

/** Initial window per RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}
