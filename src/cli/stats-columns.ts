// --stats counted over the SegmentTable's columns: the rows a chunk counts are gathered first,
// then each figure is one pass over a typed column into a histogram (flags byte, option mask,
// checksum state), expanded into the per-name counts once per chunk. Flow keys are hashed from
// the address words and ports in one function with no array or object per row.

import type { SegmentTable } from '../wire/batch.js';
import { expandCounts, type ChunkStats } from './stats.js';
import { be32 } from './options-text.js';

/** Flags are 9 bits (AE, CWR ... FIN), option masks 6 (OptionBit), checksum states 4. */
const FLAG_VALUES = 512;
const MASK_VALUES = 64;
const STATES = 4;

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 53-bit key of row i's connection, the same for both directions: each endpoint (address
 * words, then port) is hashed along two independent 32-bit lanes, the two endpoints are put in
 * a fixed order, and the ordered pair is mixed into 21 + 32 bits. Collisions among a million
 * flows are unlikely (about 1 in 10^4 runs), so the count is exact in practice.
 */
export function flowKey(t: SegmentTable, data: Uint8Array, frame: number, i: number): number {
  const size = t.ipVersion[i] === 4 ? 4 : 16;
  const src = frame + t.srcAddressOffset[i]!;
  const dst = frame + t.dstAddressOffset[i]!;
  let a1 = 0x9747b28c;
  let a2 = 0x3c6ef372;
  let b1 = 0x9747b28c;
  let b2 = 0x3c6ef372;
  for (let k = 0; k < size; k += 4) {
    const wa = be32(data, src + k);
    const wb = be32(data, dst + k);
    a1 = mix32(a1 ^ wa) + k;
    a2 = mix32(a2 ^ wa ^ 0x5bd1e995) + k;
    b1 = mix32(b1 ^ wb) + k;
    b2 = mix32(b2 ^ wb ^ 0x5bd1e995) + k;
  }
  const sp = t.srcPort[i]!;
  const dp = t.dstPort[i]!;
  a1 = mix32(a1 ^ sp);
  a2 = mix32(a2 ^ (sp << 16));
  b1 = mix32(b1 ^ dp);
  b2 = mix32(b2 ^ (dp << 16));
  const aFirst = a1 < b1 || (a1 === b1 && a2 <= b2);
  const l1 = aFirst ? a1 : b1;
  const l2 = aFirst ? a2 : b2;
  const h1 = aFirst ? b1 : a1;
  const h2 = aFirst ? b2 : a2;
  const hi = mix32(Math.imul(l1, 31) ^ h1 ^ size) & 0x1fffff;
  const lo = mix32(Math.imul(l2, 17) ^ h2 ^ (hi << 3));
  return hi * 0x100000000 + lo;
}

/** Counts rows of one chunk after another; its histograms are reused (no garbage per chunk). */
export class ColumnCounter {
  readonly #flags = new Uint32Array(FLAG_VALUES);
  readonly #masks = new Uint32Array(MASK_VALUES);
  readonly #states = new Uint32Array(STATES);
  readonly #flows = new Set<number>();

  /**
   * Adds the chunk's decoded rows rows[0, count) (each status 0, in order) to `s`; its
   * `frames`, `frameBytes` and `errors` are the caller's (they cover every frame).
   */
  count(
    s: ChunkStats,
    t: SegmentTable,
    data: Uint8Array,
    offsets: Uint32Array,
    rows: Uint32Array,
    count: number,
  ): void {
    const flags = this.#flags.fill(0);
    const masks = this.#masks.fill(0);
    const states = this.#states.fill(0);
    const flows = this.#flows;
    flows.clear();
    const tFlags = t.flags;
    const tMask = t.optionMask;
    const tState = t.checksumState;
    const tHeader = t.headerLength;
    const tPayload = t.payloadLength;
    let payloadBytes = 0;
    let withOptions = 0;
    let lastKey = -1;
    for (let r = 0; r < count; r++) {
      const i = rows[r]!;
      flags[tFlags[i]! & (FLAG_VALUES - 1)]!++;
      masks[tMask[i]! & (MASK_VALUES - 1)]!++;
      states[tState[i]! & (STATES - 1)]!++;
      payloadBytes += tPayload[i]!;
      if (tHeader[i]! > 20) withOptions++;
      const key = flowKey(t, data, offsets[i]!, i);
      // Segments of one connection come in runs: the Set sees each run once.
      if (key !== lastKey) {
        flows.add(key);
        lastKey = key;
      }
    }
    s.segments += count;
    s.payloadBytes += payloadBytes;
    s.withOptions += withOptions;
    expandCounts(s, flags, masks, states);
    s.flows = [...flows];
  }
}
