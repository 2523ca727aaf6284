// The receive buffer: in-order bytes the application has not read yet, followed by the
// receive window, into which out-of-order segments are written at their final position.
//
// Layout (positions relative to the first unread byte):
//   [0, readable)                      in-order, unread
//   [readable, readable + window)      the window beyond RCV.NXT; out-of-order data lives here
// Because out-of-order bytes are stored in place, a hole being filled costs no second copy, and
// memory is bounded by `capacity` whatever a peer sends. The held out-of-order ranges are kept
// coalesced (overlapping and adjacent ones merged) and their number is capped, so a peer
// spraying tiny disjoint fragments cannot grow the bookkeeping either: once the cap is reached a
// fragment that would need a new range is dropped and counted (the sender retransmits it).
//
// Range bookkeeping is a flat number array [start, end, stamp, ...] sorted by start, with
// offsets relative to RCV.NXT and `stamp` a counter of when the range last received data: the
// SACK option reports the most recently changed range first (RFC 2018 §4).

import { allocateUninitialized } from './byte-pool.js';
import { ByteRing } from './byte-ring.js';
import { seqAdd } from './seq.js';

/** Default cap on disjoint out-of-order ranges held at once. */
export const DEFAULT_MAX_FRAGMENTS = 64;

const STRIDE = 3;

export class ReceiveBuffer extends ByteRing {
  #dropped = 0;
  #unread = 0;
  #ranges: number[] | null = null;
  #clock = 0;
  readonly #maxFragments: number;

  constructor(capacity: number, maxFragments: number = DEFAULT_MAX_FRAGMENTS) {
    super(capacity);
    if (!Number.isSafeInteger(maxFragments) || maxFragments < 1) {
      throw new RangeError(`maxFragments must be a positive integer, got ${maxFragments}`);
    }
    this.#maxFragments = maxFragments;
  }

  /** In-order bytes not yet read. */
  get readable(): number {
    return this.#unread;
  }

  /** Bytes we can accept beyond RCV.NXT (capacity - readable; less under memory pressure). */
  get window(): number {
    return Math.max(0, this.limit - this.#unread);
  }

  get hasOutOfOrder(): boolean {
    return this.#ranges !== null;
  }

  /** Out-of-order fragments dropped because the range cap was reached (for stats). */
  get fragmentsDropped(): number {
    return this.#dropped;
  }

  /** Disjoint out-of-order ranges held. */
  get outOfOrderFragments(): number {
    return this.#ranges === null ? 0 : this.#ranges.length / STRIDE;
  }

  /** Bytes held out of order (for stats / tests). */
  get outOfOrderBytes(): number {
    const r = this.#ranges;
    if (r === null) return 0;
    let sum = 0;
    for (let i = 0; i < r.length; i += STRIDE) sum += r[i + 1]! - r[i]!;
    return sum;
  }

  /**
   * Store `data` that starts `offset` bytes after RCV.NXT. Bytes before RCV.NXT (negative
   * offset) and beyond the window are cut off. Returns how far RCV.NXT advances: the data's
   * in-order part plus any held out-of-order data it connects to (0 if it is out of order).
   */
  insert(offset: number, data: Uint8Array): number {
    let off = offset;
    let bytes = data;
    if (off < 0) {
      if (-off >= bytes.length) return 0;
      bytes = bytes.subarray(-off);
      off = 0;
    }
    const window = this.limit - this.#unread;
    if (bytes.length === 0 || off >= window) return 0;
    if (off + bytes.length > window) bytes = bytes.subarray(0, window - off);
    const end = off + bytes.length;
    const r = this.#ranges;

    if (r === null) {
      // Fast path, no held fragments: plain in-order append, or the first fragment.
      this.reserve(this.#unread + end, this.#unread);
      this.copyIn(this.#unread + off, bytes);
      if (off === 0) {
        this.#unread += end;
        return end;
      }
      this.#ranges = [off, end, ++this.#clock];
      return 0;
    }

    // Ranges touching [off, end] (overlapping or adjacent): indexes first .. last (in ranges).
    const count = r.length / STRIDE;
    let first = 0;
    while (first < count && r[first * STRIDE + 1]! < off) first++;
    let last = first - 1;
    while (last + 1 < count && r[(last + 1) * STRIDE]! <= end) last++;

    if (off > 0 && last < first && count >= this.#maxFragments) {
      this.#dropped++;
      return 0;
    }

    const heldEnd = r[r.length - 2]!;
    this.reserve(this.#unread + end, this.#unread + heldEnd);
    this.copyIn(this.#unread + off, bytes);

    let start = off;
    let stop = end;
    if (last >= first) {
      start = Math.min(start, r[first * STRIDE]!);
      stop = Math.max(stop, r[last * STRIDE + 1]!);
    }

    if (start === 0) {
      // In order: RCV.NXT moves to `stop`; the merged ranges become readable and the rest shift.
      r.splice(0, (last + 1) * STRIDE);
      if (r.length === 0) {
        this.#ranges = null;
      } else {
        for (let i = 0; i < r.length; i += STRIDE) {
          r[i] = r[i]! - stop;
          r[i + 1] = r[i + 1]! - stop;
        }
      }
      this.#unread += stop;
      return stop;
    }

    const removed = last >= first ? (last - first + 1) * STRIDE : 0;
    r.splice(first * STRIDE, removed, start, stop, ++this.#clock);
    return 0;
  }

  /**
   * Up to `max` in-order bytes, or null when nothing is readable. The result is the caller's to
   * keep: nothing writes to it again. A read that empties the buffer takes the storage itself
   * when the bytes lie in one piece filling at least half of it (a reader that keeps up: a
   * socket's 'data' chunk is then the one copy made on arrival); otherwise the bytes are copied.
   */
  read(max?: number): Uint8Array | null {
    const n = max === undefined ? this.#unread : Math.min(Math.max(0, Math.floor(max)), this.#unread);
    if (n === 0) return null;
    if (n === this.#unread && this.#ranges === null) {
      const whole = this.handOverStorage(n);
      if (whole !== null) {
        this.#unread = 0;
        return whole;
      }
    }
    const out = allocateUninitialized(n); // every byte is written just below
    this.copyOut(0, n, out, 0);
    this.#unread -= n;
    if (this.#unread === 0 && this.#ranges === null) this.releaseStorage();
    else this.advance(n);
    return out;
  }

  /**
   * Up to `max` SACK blocks as flat absolute sequence numbers [left0, right0, left1, ...], the
   * most recently changed range first (RFC 2018 §4: the block holding the segment that triggered
   * this ACK, then the ones reported most recently). `rcvNxt` is the current RCV.NXT.
   */
  sackBlocks(rcvNxt: number, max: number): number[] {
    const r = this.#ranges;
    if (r === null || max <= 0) return [];
    const count = r.length / STRIDE;
    const order: number[] = [];
    for (let i = 0; i < count; i++) order.push(i * STRIDE);
    order.sort((a, b) => r[b + 2]! - r[a + 2]!);
    const n = Math.min(max, count);
    const out = new Array<number>(n * 2);
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      out[k * 2] = seqAdd(rcvNxt, r[i]!);
      out[k * 2 + 1] = seqAdd(rcvNxt, r[i + 1]!);
    }
    return out;
  }
}
