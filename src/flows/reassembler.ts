// One direction of a TCP connection as a byte stream: segments in, bytes out in stream order.
//
// Sequence numbers are mapped to 0-based stream offsets (plain JS numbers, exact to 2^53) by
// their signed distance from the highest byte seen so far (tcp/seq.ts seqDiff), so a stream may
// wrap the 32-bit space any number of times and outgrow 4 GiB. Bytes seen once are never
// replaced: a retransmission or overlap that disagrees with what came first is dropped ("first
// seen wins", as Wireshark's follow and tcpflow's in-order path do; the oracle test lists where
// tcpflow differs). Out-of-order data waits in a bounded list of ranges; when the bound is hit,
// or at finish(), the hole before the first waiting range is reported as a gap and skipped.

import { seqAdd, seqDiff } from '../tcp/seq.js';

/** What one segment did to the stream (the return of StreamReassembler.segment). */
export const SegmentVerdict = Object.freeze({
  /** New bytes that continued the stream at its delivery point. */
  IN_ORDER: 0,
  /** New bytes beyond a hole: something before them is missing so far. */
  AHEAD: 1,
  /** Only new bytes, but below the highest byte seen: they filled (part of) a hole. */
  OUT_OF_ORDER: 2,
  /** At least one byte that had been seen before (a retransmission or an overlap). */
  RETRANSMISSION: 3,
  /** No payload. */
  EMPTY: 4,
});
export type SegmentVerdict = (typeof SegmentVerdict)[keyof typeof SegmentVerdict];

export interface ReassemblerOptions {
  /**
   * Stream bytes in order, as views valid only during the call (copy to keep). Without it the
   * reassembler tracks ranges only and copies nothing (what the flow table's counters need).
   */
  onData?: (bytes: Uint8Array, offset: number) => void;
  /** A hole that will not be filled: `length` bytes from stream offset `offset` were skipped. */
  onGap?: (length: number, offset: number) => void;
  /** Out-of-order bytes held before the oldest hole is given up as a gap (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Out-of-order ranges held before the oldest hole is given up as a gap (default 1024). */
  maxRanges?: number;
}

/** A waiting out-of-order range [start, end) and its bytes (when bytes are kept). */
interface Range {
  start: number;
  end: number;
  bytes: Uint8Array | undefined;
}

export class StreamReassembler {
  /** Offset of the next byte to deliver: every byte before it was delivered or skipped as a gap. */
  next = 0;
  /** Distinct payload bytes seen (retransmitted copies counted once). */
  uniqueBytes = 0;
  /** Bytes skipped as gaps, and how many gaps. */
  gapBytes = 0;
  gaps = 0;
  /** Out-of-order bytes currently held. */
  bufferedBytes = 0;
  readonly #onData: ((bytes: Uint8Array, offset: number) => void) | undefined;
  readonly #onGap: ((length: number, offset: number) => void) | undefined;
  readonly #maxBuffered: number;
  readonly #maxRanges: number;
  #started = false;
  /** Sequence number of stream offset #highest: the reference every other number is read against. */
  #refSeq = 0;
  /** One past the highest stream offset seen. */
  #highest = 0;
  /** Waiting ranges, sorted and disjoint, all after `next`. */
  readonly #pending: Range[] = [];

  constructor(options: ReassemblerOptions = {}) {
    this.#onData = options.onData;
    this.#onGap = options.onGap;
    this.#maxBuffered = options.maxBufferedBytes ?? 4 << 20;
    this.#maxRanges = options.maxRanges ?? 1024;
  }

  get started(): boolean {
    return this.#started;
  }

  /** One past the highest stream offset seen. */
  get highest(): number {
    return this.#highest;
  }

  /**
   * The stream starts after `isn` (a SYN's sequence number: the SYN takes one number, RFC 9293
   * §3.4). Without a SYN the first segment with payload starts the stream at its own sequence.
   * Ignored once started.
   */
  start(isn: number): void {
    if (this.#started) return;
    this.#started = true;
    this.#refSeq = seqAdd(isn, 1);
  }

  /** Stream offset of a sequence number, relative to the highest byte seen (wrap-safe). */
  offsetOf(seq: number): number {
    return this.#highest + seqDiff(seq, this.#refSeq);
  }

  /**
   * A segment's payload: `length` bytes from `seq`. Pass `payload` (exactly `length` bytes) when
   * bytes are wanted; it is copied only if it has to wait.
   */
  segment(seq: number, length: number, payload?: Uint8Array): SegmentVerdict {
    if (length <= 0) return SegmentVerdict.EMPTY;
    if (!this.#started) {
      this.#started = true;
      this.#refSeq = seq >>> 0;
    }
    const s = this.offsetOf(seq);
    const e = s + length;
    const highestBefore = this.#highest;
    if (e > highestBefore) {
      this.#highest = e;
      this.#refSeq = seqAdd(seq, length);
    }
    const keep = this.#onData !== undefined && payload !== undefined;
    const pending = this.#pending;
    // The common case: the next bytes of the stream, nothing waiting.
    if (s === this.next && pending.length === 0) {
      this.uniqueBytes += length;
      this.next = e;
      if (keep) this.#onData!(payload!, s);
      return SegmentVerdict.IN_ORDER;
    }
    if (e <= this.next) return SegmentVerdict.RETRANSMISSION;
    const nextBefore = this.next;
    const from = Math.max(s, nextBefore);
    let overlapped = from > s;
    // The new pieces: [from, e) minus every waiting range, as pairs of offsets.
    const pieces: number[] = [];
    let fresh = 0;
    let at = from;
    let k = 0;
    while (k < pending.length && pending[k]!.end <= at) k++;
    while (at < e) {
      const r = pending[k];
      if (r === undefined || r.start >= e) {
        pieces.push(at, e);
        fresh += e - at;
        break;
      }
      if (r.start > at) {
        pieces.push(at, r.start);
        fresh += r.start - at;
      }
      overlapped = true;
      at = r.end;
      k++;
    }
    this.uniqueBytes += fresh;
    for (let p = 0; p < pieces.length; p += 2) {
      const a = pieces[p]!;
      const b = pieces[p + 1]!;
      if (a === this.next) {
        this.next = b;
        if (keep) this.#onData!(payload!.subarray(a - s, b - s), a);
        this.#drain();
      } else {
        this.#insert(a, b, keep ? payload!.slice(a - s, b - s) : undefined);
      }
    }
    this.#enforceBounds();
    if (overlapped || fresh === 0) return SegmentVerdict.RETRANSMISSION;
    if (s < highestBefore) return SegmentVerdict.OUT_OF_ORDER;
    return s > nextBefore ? SegmentVerdict.AHEAD : SegmentVerdict.IN_ORDER;
  }

  /**
   * The direction ended (FIN at `finSeq`, RST, expiry or end of capture): every hole left is a
   * gap, including bytes missing between the highest byte seen and a FIN beyond it.
   */
  finish(finSeq?: number): void {
    while (this.#pending.length > 0) this.#skipToFirst();
    if (finSeq !== undefined && this.#started) {
      const fin = this.offsetOf(finSeq);
      if (fin > this.next && fin - this.next < 0x80000000) this.#gap(fin - this.next);
    }
  }

  #insert(start: number, end: number, bytes: Uint8Array | undefined): void {
    const pending = this.#pending;
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.start > start) i--;
    pending.splice(i, 0, { start, end, bytes });
    if (bytes) this.bufferedBytes += bytes.length;
  }

  /** Delivers waiting ranges that now start at `next`. */
  #drain(): void {
    const pending = this.#pending;
    while (pending.length > 0 && pending[0]!.start === this.next) {
      const r = pending.shift()!;
      this.next = r.end;
      if (r.bytes) {
        this.bufferedBytes -= r.bytes.length;
        this.#onData?.(r.bytes, r.start);
      }
    }
  }

  #enforceBounds(): void {
    while (this.#pending.length > this.#maxRanges || this.bufferedBytes > this.#maxBuffered) this.#skipToFirst();
  }

  /** Gives up the hole before the first waiting range. */
  #skipToFirst(): void {
    const first = this.#pending[0]!;
    this.#gap(first.start - this.next);
    this.#drain();
  }

  #gap(length: number): void {
    const at = this.next;
    this.gapBytes += length;
    this.gaps++;
    this.next += length;
    this.#onGap?.(length, at);
  }
}
