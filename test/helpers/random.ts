// Seeded pseudo-random numbers so every randomized test is repeatable: the MemoryLink's
// generator (mulberry32), plus what tests need on top of it.

import { SeededRandom } from '../../src/link/random.js';

export class Random extends SeededRandom {
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}
