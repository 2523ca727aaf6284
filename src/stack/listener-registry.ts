// The listening ports of a stack: which Listener takes a SYN for (local address, port), and the
// bind rules (EADDRINUSE when a port is already bound on an overlapping address).

import type { LocalAddress } from './addresses.js';
import type { Listener } from './listener.js';

export class ListenerRegistry {
  readonly #byPort = new Map<number, Listener[]>();

  has(port: number): boolean {
    return this.#byPort.has(port);
  }

  /** The listener for a segment to our address `localIndex`, port `port`. */
  find(localIndex: number, port: number): Listener | undefined {
    const list = this.#byPort.get(port);
    if (list === undefined) return undefined;
    for (const l of list) if (l.matches(localIndex)) return l;
    return undefined;
  }

  /** Whether binding `port` on `local` (null: every address) would clash with a listener. */
  conflicts(port: number, local: LocalAddress | null): boolean {
    const list = this.#byPort.get(port);
    return list !== undefined && list.some((l) => l.local === null || local === null || l.local === local);
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
