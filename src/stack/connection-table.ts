// The connection table: every Connection of a stack keyed by its 4-tuple, with O(1) lookup
// straight from the address bytes of a received packet.

import { addressKey } from '../base/interface-address.js';
import { endpointKey, type Endpoint } from './endpoint.js';
import type { LocalAddress } from '../base/interface-address.js';

export class ConnectionTable {
  readonly #entries = new Map<string, Endpoint>();
  /** The entry the previous lookup found: bulk traffic arrives in runs for one connection. */
  #lastHit: Endpoint | null = null;

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for a segment from `packet[srcOffset..]`:srcPort to `local`:dstPort. */
  lookup(
    local: LocalAddress,
    dstPort: number,
    packet: Uint8Array,
    srcOffset: number,
    srcPort: number,
  ): Endpoint | undefined {
    const last = this.#lastHit;
    if (
      last !== null &&
      last.remotePort === srcPort &&
      last.localPort === dstPort &&
      last.local === local &&
      sameBytes(last.remoteBytes, packet, srcOffset)
    ) {
      return last;
    }
    const ep = this.#entries.get(
      endpointKey(local.index, dstPort, addressKey(packet, srcOffset, local.version), srcPort),
    );
    if (ep !== undefined) this.#lastHit = ep;
    return ep;
  }

  /** Whether the 4-tuple is in use (remote given as address bytes). */
  has(local: LocalAddress, localPort: number, remote: Uint8Array, remotePort: number): boolean {
    return this.#entries.has(endpointKey(local.index, localPort, addressKey(remote, 0, local.version), remotePort));
  }

  add(ep: Endpoint): void {
    this.#entries.set(ep.key, ep);
  }

  delete(ep: Endpoint): void {
    if (this.#lastHit === ep) this.#lastHit = null;
    if (this.#entries.get(ep.key) === ep) this.#entries.delete(ep.key);
  }

  values(): IterableIterator<Endpoint> {
    return this.#entries.values();
  }
}

/** The key an entry for this 4-tuple gets (remote as address bytes). */
export function tupleKey(local: LocalAddress, localPort: number, remote: Uint8Array, remotePort: number): string {
  return endpointKey(local.index, localPort, addressKey(remote, 0, local.version), remotePort);
}

function sameBytes(own: Uint8Array, packet: Uint8Array, offset: number): boolean {
  for (let i = 0; i < own.length; i++) if (own[i] !== packet[offset + i]) return false;
  return true;
}
