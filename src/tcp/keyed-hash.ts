// A keyed hash of a connection's addresses and ports (plus one extra word), for the identifiers an
// off-path attacker must not predict: timestamp offsets (RFC 7323 §5.4), SYN cookies (RFC 4987
// §3.6) and ephemeral ports (RFC 6056 §3.3.4). Each use gets its own key derived from the stack's
// one RFC 6528 secret with a distinct label, so no value of one use tells anything about another
// (Linux keeps separate net_secret / ts_secret / syncookie_secret for the same reason).

import { sipHash24 } from './siphash.js';

/** Labels for derived keys (one per use; never reuse a label for a different purpose). */
export const KEY_TS_OFFSET = 1;
export const KEY_SYN_COOKIE_A = 2;
export const KEY_SYN_COOKIE_B = 3;
export const KEY_EPHEMERAL_PORT = 4;
export const KEY_EPHEMERAL_TABLE = 5;

// Local address, remote address (16 bytes each at most), two ports, one 32-bit extra word.
const MAX_MESSAGE = 16 + 16 + 2 + 2 + 4;

export class TupleHash {
  readonly #key = new Uint8Array(16);
  readonly #message = new Uint8Array(MAX_MESSAGE);
  readonly #digest = new Uint32Array(2);

  /**
   * `secret`: 16 bytes (the stack's RFC 6528 key); `label` picks an independent derived key, or
   * null to key the hash with `secret` itself (the ISN's F, RFC 6528 §3).
   */
  constructor(secret: Uint8Array, label: number | null) {
    if (secret.length !== 16) throw new RangeError(`secret must be 16 bytes, got ${secret.length}`);
    if (label === null) {
      this.#key.set(secret);
      return;
    }
    const seed = new Uint8Array(8);
    new DataView(seed.buffer).setUint32(0, label >>> 0);
    const words = new DataView(this.#key.buffer);
    for (let half = 0; half < 2; half++) {
      seed[7] = half;
      const d = sipHash24(secret, seed, this.#digest);
      words.setUint32(half * 8, d[0]!);
      words.setUint32(half * 8 + 4, d[1]!);
    }
  }

  /**
   * 32 bits of SipHash-2-4 over (local, remote, localPort, remotePort, extra). Addresses are 4 or
   * 16 bytes (the same family); pass 0 for a port or `extra` the use does not depend on, or a null
   * `extra` to hash the 4-tuple alone (the ISN's F).
   */
  hash(local: Uint8Array, remote: Uint8Array, localPort: number, remotePort: number, extra: number | null = 0): number {
    const n = local.length;
    if ((n !== 4 && n !== 16) || remote.length !== n) {
      throw new RangeError(`addresses must both be 4 (IPv4) or 16 (IPv6) bytes, got ${n} and ${remote.length}`);
    }
    const m = this.#message;
    m.set(local, 0);
    m.set(remote, n);
    let at = 2 * n;
    m[at++] = (localPort >>> 8) & 0xff;
    m[at++] = localPort & 0xff;
    m[at++] = (remotePort >>> 8) & 0xff;
    m[at++] = remotePort & 0xff;
    if (extra !== null) {
      m[at++] = (extra >>> 24) & 0xff;
      m[at++] = (extra >>> 16) & 0xff;
      m[at++] = (extra >>> 8) & 0xff;
      m[at++] = extra & 0xff;
    }
    return sipHash24(this.#key, m.subarray(0, at), this.#digest)[0]!;
  }
}
