// Lazily allocated circular byte storage shared by SendBuffer and ReceiveBuffer.
//
// Storage starts absent and grows on demand (doubling, from MIN_STORAGE, never beyond the
// owner's capacity), so an idle connection's buffers cost nothing. Owners release it when they
// become empty. Positions are relative to `head` (the first live byte); all copies are
// Uint8Array.set over at most two contiguous pieces, never per-byte loops.

import { acquireBytes, disownBytes, releaseBytes } from './byte-pool.js';
import { MIN_GUARANTEED, type MemoryAccount } from './memory-account.js';

const MIN_STORAGE = MIN_GUARANTEED;

export abstract class ByteRing {
  /** The most bytes this ring may ever hold. */
  readonly capacity: number;
  protected storage: Uint8Array | null = null;
  protected head = 0;
  /** The most bytes asked of the current storage (reserve's `needed`) since it was acquired. */
  #peak = 0;
  /**
   * Storage size the ring needed last time it held data: a busy ring that empties and fills
   * again (a reader that drains every batch) starts there, instead of growing from MIN_STORAGE
   * again with a copy of everything held at each doubling.
   */
  #lastSize = 0;
  /** Where storage is charged (the stack's memory budget); none for a bare engine. */
  #account: MemoryAccount | null = null;

  protected constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Bytes of storage currently allocated (0 while empty): for memory accounting and tests. */
  get storageBytes(): number {
    return this.storage === null ? 0 : this.storage.length;
  }

  /** Charges this ring's storage, now and from now on, to `account` (null: to nothing). */
  chargeTo(account: MemoryAccount | null): void {
    const bytes = this.storageBytes;
    if (this.#account !== null) this.#account.used -= bytes;
    this.#account = account;
    if (account !== null) account.used += bytes;
  }

  /**
   * The most bytes the ring may hold now: its capacity, or under memory pressure what its
   * storage already covers (at least MIN_GUARANTEED), so it does not grow.
   */
  protected get limit(): number {
    const a = this.#account;
    if (a === null || a.used <= a.pressure) return this.capacity;
    return Math.min(this.capacity, Math.max(this.storageBytes, MIN_GUARANTEED));
  }

  /**
   * Make room for positions [0, needed). `live` bytes from head are preserved (moved to the
   * front of the new storage when it grows). `needed` must not exceed capacity.
   */
  protected reserve(needed: number, live: number): Uint8Array {
    if (needed > this.#peak) this.#peak = needed;
    const old = this.storage;
    if (old !== null && needed <= old.length) return old;
    let size = old === null && this.#lastSize > MIN_STORAGE ? this.#lastSize : MIN_STORAGE;
    while (size < needed) size *= 2;
    if (old !== null && size < old.length * 2) size = old.length * 2;
    const limit = this.limit;
    if (size > limit) size = Math.max(limit, needed);
    const next = acquireBytes(size);
    if (this.#account !== null) this.#account.used += size - (old === null ? 0 : old.length);
    if (old !== null) {
      if (live > 0) this.copyOut(0, live, next, 0);
      releaseBytes(old);
    }
    this.storage = next;
    this.head = 0;
    return next;
  }

  /** Copy `src` into positions [pos, pos + src.length); storage must already cover them. */
  protected copyIn(pos: number, src: Uint8Array): void {
    const buf = this.storage!;
    const size = buf.length;
    let at = this.head + pos;
    if (at >= size) at -= size;
    const first = size - at;
    if (src.length <= first) {
      buf.set(src, at);
    } else {
      buf.set(src.subarray(0, first), at);
      buf.set(src.subarray(first), 0);
    }
  }

  /** Copy positions [pos, pos + length) into dst at dstOffset. */
  protected copyOut(pos: number, length: number, dst: Uint8Array, dstOffset: number): void {
    const buf = this.storage!;
    const size = buf.length;
    let at = this.head + pos;
    if (at >= size) at -= size;
    const first = size - at;
    if (length <= first) {
      dst.set(buf.subarray(at, at + length), dstOffset);
    } else {
      dst.set(buf.subarray(at, size), dstOffset);
      dst.set(buf.subarray(0, length - first), dstOffset + first);
    }
  }

  /** Drop n bytes from the front. */
  protected advance(n: number): void {
    const buf = this.storage;
    if (buf === null) return;
    let at = this.head + n;
    if (at >= buf.length) at -= buf.length;
    this.head = at;
  }

  /** Give the storage back (the owner is empty). */
  protected releaseStorage(): void {
    const storage = this.storage;
    if (storage !== null) {
      this.#dropStorage(storage);
      releaseBytes(storage);
    }
    this.head = 0;
  }

  /**
   * The owner's last `length` bytes, from head, as a view of the storage itself, which the ring
   * then lets go of (uncharged, never back to the pool: the caller may keep the view, and its
   * bytes are never written again). Null when they wrap around the end, or fill less than half
   * the storage (the view would pin twice its size): the caller copies instead.
   */
  protected handOverStorage(length: number): Uint8Array | null {
    const storage = this.storage;
    if (storage === null || this.head + length > storage.length || length * 2 < storage.length) return null;
    const view = storage.subarray(this.head, this.head + length);
    this.#dropStorage(storage);
    disownBytes(storage);
    this.head = 0;
    return view;
  }

  #dropStorage(storage: Uint8Array): void {
    // Remember what the data needed (not what the storage grew to), so a ring that once held
    // much and now holds little shrinks back on its next fill.
    let size = MIN_STORAGE;
    while (size < this.#peak && size < this.capacity) size *= 2;
    this.#lastSize = Math.min(size, this.capacity);
    this.#peak = 0;
    if (this.#account !== null) this.#account.used -= storage.length;
    this.storage = null;
  }
}
