// A growable byte buffer: payload views are copied in once, straight from the capture's frame
// bytes, and leave in one large write. It replaces a list of per-segment copies joined at write
// time (two copies of every byte and an ArrayBuffer per segment for the garbage collector).
// CLI only (Node's Buffer).

/** Smallest allocation: most streams are small, and a buffer is dropped after each write. */
const MIN_CAPACITY = 64 << 10;

export class ByteBuffer {
  #bytes: Uint8Array | undefined;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Copies `bytes` to the end. */
  append(bytes: Uint8Array): void {
    this.#reserve(bytes.length).set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** Appends `count` NUL bytes. */
  appendZeros(count: number): void {
    this.#reserve(count).fill(0, this.#length, this.#length + count);
    this.#length += count;
  }

  /** The bytes so far, as a view valid until the next append or clear. */
  view(): Uint8Array {
    return this.#bytes === undefined ? new Uint8Array(0) : this.#bytes.subarray(0, this.#length);
  }

  /** Empties the buffer and lets its memory go (bounded memory over many open streams). */
  clear(): void {
    this.#bytes = undefined;
    this.#length = 0;
  }

  #reserve(more: number): Uint8Array {
    const need = this.#length + more;
    const bytes = this.#bytes;
    if (bytes !== undefined && need <= bytes.length) return bytes;
    let capacity = Math.max(MIN_CAPACITY, bytes === undefined ? 0 : bytes.length * 2);
    while (capacity < need) capacity *= 2;
    // Not zero-filled: every byte up to #length is written before it is read.
    const grown = Buffer.allocUnsafeSlow(capacity);
    if (bytes !== undefined) grown.set(bytes.subarray(0, this.#length));
    this.#bytes = grown;
    return grown;
  }
}
