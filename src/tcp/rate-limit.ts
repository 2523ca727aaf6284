// A token bucket, used to cap RFC 5961 challenge ACKs (§7: at most N per second, so a blind
// attacker cannot turn us into an ACK amplifier). Time is virtual milliseconds.

export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number | undefined = undefined;

  /**
   * Allows `perSecond` events per second on average and bursts of up to `perSecond` (at least
   * one, so a rate below 1/s still lets one event through every 1/rate seconds).
   */
  constructor(perSecond: number) {
    if (!Number.isFinite(perSecond) || perSecond < 0) {
      throw new RangeError(`rate must be a finite number >= 0 per second, got ${perSecond}`);
    }
    this.#perMs = perSecond / 1000;
    this.#burst = perSecond > 0 ? Math.max(1, perSecond) : 0;
    this.#tokens = this.#burst;
  }

  /** Whether one more event may happen at `now`; if so it is counted. */
  allow(now: number): boolean {
    const last = this.#last;
    // A clock that steps backwards earns nothing (and cannot be used to earn twice).
    if (last === undefined || now > last) {
      if (last !== undefined) this.#tokens = Math.min(this.#burst, this.#tokens + (now - last) * this.#perMs);
      this.#last = now;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }
}
