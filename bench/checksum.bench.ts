// Checksum throughput at typical sizes: an ACK's TCP header (40 B), the IPv4 minimum MTU
// (576 B), an Ethernet MTU (1500 B), a jumbo frame (9000 B) and a 64 KiB GSO/TSO super-segment.
// Compared: the public internetChecksum (SIMD build) on an ordinary Uint8Array (it copies the
// bytes into WASM memory on every call) and on bytes already in the codec's input area
// (inputArea: no copy), the scalar WASM build, the raw WASM routine alone (the floor), the best
// pure JS we could write, and a naive DataView loop.

import { inputArea, internetChecksum } from '../dist/index.js';
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
    const got = {
      scalar: ~sumWith(scalar, bytes, 0, true) & 0xffff,
      js: bestJsChecksum(bytes),
      naive: naiveChecksum(bytes),
    };
    for (const [name, value] of Object.entries(got)) {
      if (value !== expected)
        throw new Error(`checksum of ${size} B: ${name} gives ${value}, internetChecksum ${expected}`);
    }

    // The same bytes in the codec's input area (copies of other inputs never go there). Re-made
    // if memory grew (detaching the view) or another inputArea call replaced the area.
    let resident: Uint8Array = new Uint8Array(0);
    const residentBytes = () => {
      if (resident.length !== size || !shared.isResident(resident)) {
        resident = inputArea(size);
        resident.set(bytes);
      }
      return resident;
    };
    if (internetChecksum(residentBytes()) !== expected)
      throw new Error(`checksum of ${size} B: inputArea path disagrees`);
    const exportsOf = shared.exports;
    const impls: Array<[string, (n: number) => void, string?]> = [
      [
        'wasm simd: internetChecksum',
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += internetChecksum(bytes);
          consume(acc);
        },
        'public API on an ordinary Uint8Array: includes copying the bytes into WASM memory',
      ],
      [
        'wasm simd: internetChecksum, bytes in inputArea (zero-copy)',
        (n) => {
          const r = residentBytes();
          let acc = 0;
          for (let i = 0; i < n; i++) acc += internetChecksum(r);
          consume(acc);
        },
        'public API on bytes the caller wrote into the codec input area: no copy',
      ],
      [
        'wasm scalar: sumWith(scalar)',
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += ~sumWith(scalar, bytes, 0, true) & 0xffff;
          consume(acc);
        },
        'nosimd build; includes the copy',
      ],
      [
        'floor: raw onesSum export on bytes in WASM memory',
        (n) => {
          const at = residentBytes().byteOffset;
          let acc = 0;
          for (let i = 0; i < n; i++) acc += ~exportsOf.onesSum(at, size, 0) & 0xffff;
          consume(acc);
        },
        'the WASM routine alone: no copy, no argument checks',
      ],
      [
        BASELINE,
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += bestJsChecksum(bytes);
          consume(acc);
        },
      ],
      [
        'naive JS (DataView.getUint16)',
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += naiveChecksum(bytes);
          consume(acc);
        },
      ],
    ];
    const specs = impls.map(([name, run, note]) => loopTask(name, run, size, note));
    const measured = await runTasks(checksumGroup(size), 'call', specs, config);
    rows.push(...compareWith(measured, BASELINE));
  }
  return rows;
}
