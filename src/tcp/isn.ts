// Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
// secretkey), where M is a 4-microsecond timer and F a keyed hash (SipHash-2-4 here).
//
// F makes each 4-tuple's sequence space start at an unguessable offset (no off-path blind
// injection from a predictable ISN); M keeps successive incarnations of the same 4-tuple
// moving forward, so old duplicates from a previous connection fall outside the new window.

import { TupleHash } from './keyed-hash.js';

/** M's rate: one tick per 4 µs, i.e. 250 per millisecond (RFC 9293 §3.4.1, RFC 6528 §3). */
export const ISN_TICKS_PER_MS = 250;

/**
 * Initial sequence numbers by RFC 6528: a keyed hash (SipHash) of the 4-tuple plus a clock that
 * ticks every 4 µs, so an off-path attacker cannot predict them and a reused 4-tuple moves forward.
 */
export class IsnGenerator {
  /** F: SipHash-2-4 keyed with the secret itself over the 4-tuple. */
  readonly #f: TupleHash;

  /** `secret`: 16 bytes; a fresh random key (crypto.getRandomValues) when omitted. */
  constructor(secret?: Uint8Array) {
    if (secret !== undefined && secret.length !== 16)
      throw new RangeError(`ISN secret must be 16 bytes, got ${secret.length}`);
    // TupleHash copies the key: the caller's array can change, our key must not.
    this.#f = new TupleHash(secret ?? globalThis.crypto.getRandomValues(new Uint8Array(16)), null);
  }

  /**
   * The ISN for a connection between `local`:`localPort` and `remote`:`remotePort` (4-byte IPv4
   * or 16-byte IPv6 addresses, same family) at time `nowMs`.
   */
  next(local: Uint8Array, localPort: number, remote: Uint8Array, remotePort: number, nowMs: number): number {
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
    const f = this.#f.hash(local, remote, localPort, remotePort, null);
    const ticks = Math.floor(nowMs * ISN_TICKS_PER_MS);
    return (ticks + f) >>> 0;
  }
}
