// The sender's record of what the peer reported holding above SND.UNA (RFC 2018 SACK blocks),
// so fast recovery can resend the holes instead of data that already arrived (after RFC 6675).
//
// Ranges are kept as a flat array [start0, end0, start1, end1, ...] of absolute sequence
// numbers, sorted, disjoint and not touching, all within (SND.UNA, SND.MAX]. Their number is
// capped: a peer cannot grow it, and losing the least useful (highest) range only makes us
// resend a little more. Allocated only once a SACK block arrives.

import { seqDiff, seqGt, seqLe, seqLt } from './seq.js';

const MAX_RANGES = 16;

export class SackScoreboard {
  readonly #ranges: number[] = [];

  get isEmpty(): boolean {
    return this.#ranges.length === 0;
  }

  /** Number of disjoint ranges held (for tests). */
  get rangeCount(): number {
    return this.#ranges.length >>> 1;
  }

  clear(): void {
    this.#ranges.length = 0;
  }

  /**
   * Merge the peer's blocks (flat [left, right, ...]). Blocks that are empty, reversed, or not
   * entirely within (sndUna, sndMax] are ignored: they are stale, or not from an honest peer.
   */
  update(blocks: readonly number[], sndUna: number, sndMax: number): void {
    for (let i = 0; i + 1 < blocks.length; i += 2) {
      const left = blocks[i]! >>> 0;
      const right = blocks[i + 1]! >>> 0;
      if (!seqLt(left, right) || !seqGt(left, sndUna) || seqGt(right, sndMax)) continue;
      this.#insert(left, right);
    }
  }

  #insert(left: number, right: number): void {
    const r = this.#ranges;
    // First range whose end reaches left (touching counts: merge adjacent ranges).
    let i = 0;
    while (i < r.length && seqLt(r[i + 1]!, left)) i += 2;
    let start = left;
    let end = right;
    let j = i;
    while (j < r.length && seqLe(r[j]!, end)) {
      if (seqLt(r[j]!, start)) start = r[j]!;
      if (seqGt(r[j + 1]!, end)) end = r[j + 1]!;
      j += 2;
    }
    r.splice(i, j - i, start, end);
    if (r.length > MAX_RANGES * 2) r.length = MAX_RANGES * 2;
  }

  /** The cumulative ACK moved to `sndUna`: forget what it covers. */
  advance(sndUna: number): void {
    const r = this.#ranges;
    let drop = 0;
    while (drop < r.length && seqLe(r[drop + 1]!, sndUna)) drop += 2;
    if (drop > 0) r.splice(0, drop);
    if (r.length > 0 && seqLt(r[0]!, sndUna)) r[0] = sndUna;
  }

  /** If `seq` lies in a reported range, the end of that range; otherwise -1. */
  sackedEndAt(seq: number): number {
    const r = this.#ranges;
    for (let i = 0; i < r.length; i += 2) {
      if (seqLt(seq, r[i]!)) return -1;
      if (seqLt(seq, r[i + 1]!)) return r[i + 1]!;
    }
    return -1;
  }

  /** Start of the first reported range above `seq`, or -1 when there is none. */
  nextSackedStart(seq: number): number {
    const r = this.#ranges;
    for (let i = 0; i < r.length; i += 2) if (seqGt(r[i]!, seq)) return r[i]!;
    return -1;
  }

  /** Bytes reported above `seq` (what has left the network beyond it). */
  sackedAbove(seq: number): number {
    const r = this.#ranges;
    let sum = 0;
    for (let i = 0; i < r.length; i += 2) {
      const start = r[i]!;
      const end = r[i + 1]!;
      if (seqLe(end, seq)) continue;
      sum += seqDiff(end, seqGt(start, seq) ? start : seq);
    }
    return sum;
  }
}
