// The send buffer: bytes the application wrote that are not yet acknowledged (sent or unsent).
// Offset 0 is SND.UNA; the connection peeks segments out of it and consumes acknowledged bytes.

import { allocateCopy } from './byte-pool.js';
import { ByteRing } from './byte-ring.js';

export class SendBuffer extends ByteRing {
  #used = 0;

  constructor(capacity: number) {
    super(capacity);
  }

  /** Bytes held (unacknowledged, sent or not). */
  get length(): number {
    return this.#used;
  }

  /** Room left for write(). */
  get free(): number {
    return Math.max(0, this.limit - this.#used);
  }

  /** Copy min(free, data.length) bytes in; returns how many were taken. */
  write(data: Uint8Array): number {
    const n = Math.min(this.limit - this.#used, data.length);
    if (n <= 0) return 0;
    this.reserve(this.#used + n, this.#used);
    this.copyIn(this.#used, n === data.length ? data : data.subarray(0, n));
    this.#used += n;
    return n;
  }

  /**
   * A fresh copy of bytes [offset, offset + length), clamped to what is held (so a request past
   * the end returns fewer bytes, possibly none). One allocation: the segment payload itself,
   * carved from a shared slab when small (it may be a view with a non-zero byteOffset), with
   * SEGMENT_HEADROOM bytes of its own before it (see TcpSegment.headroom).
   */
  peek(offset: number, length: number): Uint8Array {
    const start = Math.min(Math.max(0, offset), this.#used);
    const n = Math.min(Math.max(0, length), this.#used - start);
    const out = allocateCopy(n);
    if (n > 0) this.copyOut(start, n, out, 0);
    return out;
  }

  /**
   * Drop n acknowledged bytes from the front (clamped to length, so an ACK that also covers the
   * FIN's sequence number cannot underflow). Storage is released once nothing is left.
   */
  consume(n: number): void {
    const k = Math.min(Math.max(0, n), this.#used);
    if (k === 0) return;
    this.#used -= k;
    if (this.#used === 0) this.releaseStorage();
    else this.advance(k);
  }
}
