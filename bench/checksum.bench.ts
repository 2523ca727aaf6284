// Checksum throughput at typical sizes: an ACK's TCP header (40 B), the IPv4 minimum MTU
// (576 B), an Ethernet MTU (1500 B), a jumbo frame (9000 B) and a 64 KiB GSO/TSO super-segment.
// Compared: the public internetChecksum (SIMD build; it copies the bytes into WASM memory on
// every call), the scalar WASM build, the SIMD routine on bytes already in WASM memory (to show
// what the copy costs), the best pure JS we could write, and a naive DataView loop.

import { internetChecksum } from '../dist/index.js';
import { sumWith } from '../dist/wire/checksum.js';
import { codec, loadCodecSync } from '../dist/wire/module.js';
import { bestJsChecksum, naiveChecksum } from './baselines/checksum.js';
import { compareWith, consume, loopTask, runTasks, type BenchConfig, type Row } from './harness.js';

export const SIZES = [40, 576, 1500, 9000, 65536];
const BASELINE = 'best pure JS (Uint32Array, 4 acc.)';

/** Deterministic pseudo-random bytes (xorshift32), so every run sums the same data. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function checksumGroup(size: number): string {
  return `checksum ${size} B`;
}

export async function runChecksum(config: BenchConfig): Promise<Row[]> {
  const scalar = loadCodecSync('scalar');
  const shared = codec();
  if (shared.variant !== 'simd') console.warn(`note: the default codec is '${shared.variant}', not SIMD`);
  const rows: Row[] = [];
  for (const size of SIZES) {
    const bytes = randomBytes(size, size);
    // Every implementation must agree before anything is timed.
    const expected = internetChecksum(bytes);
    const inMemory = () => ~shared.exports.onesSum(shared.inputBase, size, 0) & 0xffff;
    shared.copyIn(bytes);
    const got = {
      scalar: ~sumWith(scalar, bytes, 0, true) & 0xffff,
      resident: inMemory(),
      js: bestJsChecksum(bytes),
      naive: naiveChecksum(bytes),
    };
    for (const [name, value] of Object.entries(got)) {
      if (value !== expected) throw new Error(`checksum of ${size} B: ${name} gives ${value}, internetChecksum ${expected}`);
    }

    // internetChecksum copies these same bytes to the same place (the input area's start), so
    // the resident-data task keeps summing the right bytes while the others run.
    const exportsOf = shared.exports;
    const at = shared.inputBase;
    const impls: Array<[string, (n: number) => void, string?]> = [
      ['wasm simd: internetChecksum', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += internetChecksum(bytes);
        consume(acc);
      }, 'public API; includes copying the bytes into WASM memory'],
      ['wasm scalar: sumWith(scalar)', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += ~sumWith(scalar, bytes, 0, true) & 0xffff;
        consume(acc);
      }, 'nosimd build; includes the copy'],
      ['wasm simd, bytes already in wasm memory', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += ~exportsOf.onesSum(at, size, 0) & 0xffff;
        consume(acc);
      }, 'raw export on resident data: no copy, no argument checks'],
      [BASELINE, (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += bestJsChecksum(bytes);
        consume(acc);
      }],
      ['naive JS (DataView.getUint16)', (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += naiveChecksum(bytes);
        consume(acc);
      }],
    ];
    const specs = impls.map(([name, run, note]) => loopTask(name, run, size, note));
    const measured = await runTasks(checksumGroup(size), 'call', specs, config);
    rows.push(...compareWith(measured, BASELINE));
  }
  return rows;
}
