// Round-trip time estimation and the retransmission timeout, per RFC 6298.
//
// All values are milliseconds of virtual time. Callers feed only unambiguous samples (Karn's
// rule, RFC 6298 §3: never time a retransmitted segment, or use timestamps per RFC 7323).

/** Clock granularity G (RFC 6298 §2): engine time is counted in whole milliseconds. */
const CLOCK_GRANULARITY_MS = 1;
/** K (RFC 6298 §2). */
const K = 4;

export interface RttOptions {
  initialRto: number;
  minRto: number;
  maxRto: number;
}

export class RttEstimator {
  #smoothed: number | undefined = undefined;
  #variation: number | undefined = undefined;
  #current: number;
  readonly #minRto: number;
  readonly #maxRto: number;

  constructor(o: RttOptions) {
    const { initialRto, minRto, maxRto } = o;
    for (const [name, v] of [
      ['initialRto', initialRto],
      ['minRto', minRto],
      ['maxRto', maxRto],
    ] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${v}`);
    }
    if (minRto > maxRto) throw new RangeError(`minRto (${minRto}) exceeds maxRto (${maxRto})`);
    this.#minRto = minRto;
    this.#maxRto = maxRto;
    // RFC 6298 §2.1: until a measurement is made, RTO is the initial value (1 s by default).
    this.#current = this.#clamp(initialRto);
  }

  /** Current RTO including any backoff, within [minRto, maxRto]. */
  get rto(): number {
    return this.#current;
  }

  /** Smoothed RTT, undefined before the first sample. */
  get srtt(): number | undefined {
    return this.#smoothed;
  }

  /** RTT variation, undefined before the first sample. */
  get rttvar(): number | undefined {
    return this.#variation;
  }

  /**
   * Take one RTT measurement R (RFC 6298 §2.2/2.3) and recompute RTO; a fresh estimate also
   * ends any backoff (§5.7's "new RTT measurement"). Negative or non-finite samples are ignored.
   */
  sample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    if (this.#smoothed === undefined || this.#variation === undefined) {
      this.#smoothed = rttMs;
      this.#variation = rttMs / 2;
    } else {
      // RTTVAR first: it uses the SRTT from before this sample (§2.3).
      this.#variation = 0.75 * this.#variation + 0.25 * Math.abs(this.#smoothed - rttMs);
      this.#smoothed = 0.875 * this.#smoothed + 0.125 * rttMs;
    }
    this.#current = this.#clamp(this.#smoothed + Math.max(CLOCK_GRANULARITY_MS, K * this.#variation));
  }

  /** The retransmission timer expired: RTO = RTO * 2, up to maxRto (RFC 6298 §5.5). */
  backoff(): void {
    this.#current = Math.min(this.#maxRto, this.#current * 2);
  }

  #clamp(v: number): number {
    return Math.min(this.#maxRto, Math.max(this.#minRto, v));
  }
}
