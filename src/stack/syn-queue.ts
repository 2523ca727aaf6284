// A listener's SYN queue: its passive opens still in SYN-RECEIVED, oldest first, so that under
// pressure the oldest embryonic connection can make room (when SYN cookies are off), and the
// counters of what the queue and SYN cookies did (stack.stats.synQueue).

/**
 * SYN cookies (RFC 4987 §3.6): `true` (the default, as Linux tcp_syncookies=1) when a
 * listener's SYN queue is full, `'always'` for every SYN (Linux tcp_syncookies=2; for tests),
 * `false` never — a full queue then evicts its oldest entry for the new SYN.
 */
export type SynCookieMode = boolean | 'always';

export interface SynQueueCounters {
  /** SYN-ACKs sent with a cookie instead of a queued connection. */
  cookiesSent: number;
  /** ACKs that returned a valid cookie and opened a connection. */
  cookiesValidated: number;
  /** ACKs for a listener in cookie mode that carried no cookie of ours (dropped, no RST). */
  cookiesFailed: number;
  /** ACKs with a cookie older than its lifetime (dropped, no RST). */
  cookiesExpired: number;
  /** Embryonic connections dropped, oldest first, to make room for a new SYN. */
  evicted: number;
}

export function createSynQueueCounters(): SynQueueCounters {
  return { cookiesSent: 0, cookiesValidated: 0, cookiesFailed: 0, cookiesExpired: 0, evicted: 0 };
}

/** Generic over the entry (the stack's Endpoint), so this module need not import endpoint.ts. */
export class SynQueue<E> {
  // A Set keeps insertion order: its first entry is the oldest, and removal anywhere is O(1).
  readonly #entries = new Set<E>();

  get size(): number {
    return this.#entries.size;
  }

  add(ep: E): void {
    this.#entries.add(ep);
  }

  /** Whether `ep` was in the queue. */
  delete(ep: E): boolean {
    return this.#entries.delete(ep);
  }

  oldest(): E | undefined {
    for (const ep of this.#entries) return ep;
    return undefined;
  }
}
