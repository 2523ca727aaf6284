// Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
// secretkey), where M is a 4-microsecond timer and F a keyed hash (SipHash-2-4 here).
//
// F makes each 4-tuple's sequence space start at an unguessable offset (no off-path blind
// injection from a predictable ISN); M keeps successive incarnations of the same 4-tuple
// moving forward, so old duplicates from a previous connection fall outside the new window.

import { sipHash24 } from './siphash.js';

/** M's rate: one tick per 4 µs, i.e. 250 per millisecond (RFC 9293 §3.4.1, RFC 6528 §3). */
export const ISN_TICKS_PER_MS = 250;

// Message layout: local address, remote address (4 or 16 bytes each), local port, remote port.
const MAX_MESSAGE = 16 + 16 + 2 + 2;

export class IsnGenerator {
  private readonly secret: Uint8Array;
  private readonly message = new Uint8Array(MAX_MESSAGE);
  private readonly digest = new Uint32Array(2);

  /** `secret`: 16 bytes; a fresh random key (crypto.getRandomValues) when omitted. */
  constructor(secret?: Uint8Array) {
    if (secret === undefined) {
      this.secret = globalThis.crypto.getRandomValues(new Uint8Array(16));
    } else {
      if (secret.length !== 16) throw new RangeError(`ISN secret must be 16 bytes, got ${secret.length}`);
      this.secret = secret.slice(); // the caller's array can change; our key must not
    }
  }

  /**
   * The ISN for a connection between `local`:`localPort` and `remote`:`remotePort` (4-byte IPv4
   * or 16-byte IPv6 addresses, same family) at time `nowMs`.
   */
  next(local: Uint8Array, localPort: number, remote: Uint8Array, remotePort: number, nowMs: number): number {
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
    const n = local.length;
    if ((n !== 4 && n !== 16) || remote.length !== n) {
      throw new RangeError(`addresses must both be 4 (IPv4) or 16 (IPv6) bytes, got ${n} and ${remote.length}`);
    }
    const m = this.message;
    m.set(local, 0);
    m.set(remote, n);
    let at = 2 * n;
    m[at++] = (localPort >>> 8) & 0xff;
    m[at++] = localPort & 0xff;
    m[at++] = (remotePort >>> 8) & 0xff;
    m[at++] = remotePort & 0xff;
    const f = sipHash24(this.secret, m.subarray(0, at), this.digest)[0]!;
    const ticks = Math.floor(nowMs * ISN_TICKS_PER_MS);
    return (ticks + f) >>> 0;
  }
}
