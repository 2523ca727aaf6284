// Ephemeral port choice for active opens: RFC 6056 §3.3.4, Algorithm 4 ("Double-Hash Port
// Selection", the basis of Linux's __inet_hash_connect). Each destination (local address, remote
// address, remote port) starts from its own keyed-hash offset F, plus a counter from a small table
// picked by a second hash G, so an off-path attacker learns nothing from the ports we use toward
// other peers (sequential global ports leak our connection rate and let a blind attacker guess the
// next 4-tuple), while one destination's ports still cycle through the whole range before reuse.
// A port is free for a connection when that exact 4-tuple is unused, so many connections to
// different peers (or peer ports) can share one local port.

import { randomInt } from 'node:crypto';
import { KEY_EPHEMERAL_PORT, KEY_EPHEMERAL_TABLE, TupleHash } from '../tcp/keyed-hash.js';

/** RFC 6056 §3.3.4 suggests a table of a few hundred counters; Linux uses 256 (more on big hosts). */
const TABLE_SIZE = 256;

export class EphemeralPorts {
  readonly low: number;
  readonly high: number;
  readonly #offset: TupleHash;
  readonly #index: TupleHash;
  readonly #table = new Uint32Array(TABLE_SIZE);

  /** `secret`: the stack's 16-byte key (random when omitted). */
  constructor(range: readonly [number, number] = [49152, 65535], secret?: Uint8Array) {
    const [low, high] = range;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high) {
      throw new RangeError(`ephemeral port range must be integers 1..65535, low <= high; got [${low}, ${high}]`);
    }
    this.low = low;
    this.high = high;
    const key = secret ?? globalThis.crypto.getRandomValues(new Uint8Array(16));
    this.#offset = new TupleHash(key, KEY_EPHEMERAL_PORT);
    this.#index = new TupleHash(key, KEY_EPHEMERAL_TABLE);
  }

  /**
   * A port for a connection from `local` to `remote`:`remotePort` for which `inUse` is false, or
   * -1 when all are taken. Without a destination (a listen on port 0) the start is random.
   */
  allocate(inUse: (port: number) => boolean, local?: Uint8Array, remote?: Uint8Array, remotePort = 0): number {
    const size = this.high - this.low + 1;
    let offset: number;
    let slot = -1;
    if (local !== undefined && remote !== undefined) {
      offset = this.#offset.hash(local, remote, 0, remotePort);
      slot = this.#index.hash(local, remote, 0, remotePort) % TABLE_SIZE;
    } else {
      offset = randomInt(size);
    }
    for (let tries = 0; tries < size; tries++) {
      const step = slot < 0 ? tries : this.#table[slot]!++;
      const port = this.low + (((offset % size) + (step % size)) % size);
      if (!inUse(port)) return port;
    }
    return -1;
  }
}
