// The listening ports of a stack: which Listener takes a SYN for (local address, port), and the
// bind rules (EADDRINUSE when a port is already bound on an overlapping address).

import type { LocalAddress } from '../base/interface-address.js';
import type { EndpointListener as Listener } from './endpoint.js';

export class ListenerRegistry {
  readonly #byPort = new Map<number, Listener[]>();

  has(port: number): boolean {
    return this.#byPort.has(port);
  }

  /** The listener for a segment to our address `local`, port `port`. */
  find(local: LocalAddress, port: number): Listener | undefined {
    const list = this.#byPort.get(port);
    if (list === undefined) return undefined;
    for (const l of list) if (l.matches(local)) return l;
    return undefined;
  }

  /**
   * Whether binding `port` on `local` (null: every address of `family`, or of both with null)
   * would clash with a listener: addresses overlap and so do families (an IPV6_V6ONLY '::' and a
   * '0.0.0.0' share a port, as on Linux).
   */
  conflicts(port: number, local: LocalAddress | null, family: 4 | 6 | null = null): boolean {
    const list = this.#byPort.get(port);
    if (list === undefined) return false;
    return list.some((l) => {
      if (l.local !== null && local !== null) return l.local === local;
      const theirs = l.local?.version ?? l.family;
      const ours = local?.version ?? family;
      return theirs === null || ours === null || theirs === ours;
    });
  }

  add(listener: Listener): void {
    const list = this.#byPort.get(listener.port);
    if (list) list.push(listener);
    else this.#byPort.set(listener.port, [listener]);
  }

  remove(listener: Listener): void {
    const list = this.#byPort.get(listener.port);
    if (!list) return;
    const rest = list.filter((l) => l !== listener);
    if (rest.length > 0) this.#byPort.set(listener.port, rest);
    else this.#byPort.delete(listener.port);
  }
}
