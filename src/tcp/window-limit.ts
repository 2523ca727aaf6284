// An exact sliding-window limit: at most `limit` events in any `windowMs` milliseconds. Used for
// RFC 5961 §7 challenge ACKs ("at most N per second"): a token bucket with a burst of N lets
// nearly 2N through in one second (the burst, then the refill), which the limit exists to stop.
// Time is virtual milliseconds; memory is at most `limit` numbers (the latest allowed times).

export class WindowLimit {
  readonly limit: number;
  readonly windowMs: number;
  /** Times of the allowed events, oldest at `head`, as a ring once it holds `limit`. */
  readonly #times: number[] = [];
  #head = 0;
  #last = -Infinity;

  constructor(limit: number, windowMs: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    if (!Number.isInteger(windowMs) || windowMs < 1)
      throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Whether one more event may happen at `now`; if so it is counted. */
  allow(now: number): boolean {
    // A clock that steps backwards stands still: it cannot age events out early.
    if (now > this.#last) this.#last = now;
    const t = this.#last;
    const times = this.#times;
    if (times.length < this.limit) {
      times.push(t);
      return true;
    }
    // Full: the oldest of the last `limit` events must have left the window.
    if (t - times[this.#head]! < this.windowMs) return false;
    times[this.#head] = t;
    this.#head = (this.#head + 1) % this.limit;
    return true;
  }
}
