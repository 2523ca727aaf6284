// Ephemeral port choice for active opens (RFC 6056 style): a random starting point, then the
// next free port; a port is free for a connection when that exact 4-tuple is unused, so many
// connections to different peers (or peer ports) can share one local port.

import { randomInt } from 'node:crypto';

export class EphemeralPorts {
  readonly low: number;
  readonly high: number;
  #next: number;

  constructor(range: readonly [number, number] = [49152, 65535]) {
    const [low, high] = range;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || low > high) {
      throw new RangeError(`ephemeral port range must be integers 1..65535, low <= high; got [${low}, ${high}]`);
    }
    this.low = low;
    this.high = high;
    this.#next = low + randomInt(high - low + 1);
  }

  /** The first port from the rolling start for which `inUse` is false, or -1 when all are taken. */
  allocate(inUse: (port: number) => boolean): number {
    const size = this.high - this.low + 1;
    for (let tries = 0; tries < size; tries++) {
      const port = this.#next;
      this.#next = port === this.high ? this.low : port + 1;
      if (!inUse(port)) return port;
    }
    return -1;
  }
}
