// The body of /bytes/N: a Readable that makes N bytes only as fast as the consumer takes them
// (read() is called when the stream wants more), so a slow client never makes the server buffer
// the whole body. Byte i of the body is i mod 256, so any client can check what it got.

import { Readable } from 'node:stream';

/** 64 KiB of the pattern; a multiple of 256, so consecutive chunks continue it exactly. */
const CHUNK = (() => {
  const b = Buffer.allocUnsafe(64 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = i & 0xff;
  return b;
})();

/** Byte `offset` of every /bytes body. */
export function patternByte(offset: number): number {
  return offset & 0xff;
}

export class PatternSource extends Readable {
  readonly #length: number;
  #produced = 0;
  readonly #onProduce: (bytes: number) => void;

  /** `onProduce` is told of every chunk handed to the stream (the server counts them). */
  constructor(length: number, onProduce: (bytes: number) => void = () => {}) {
    super({ highWaterMark: CHUNK.length });
    this.#length = length;
    this.#onProduce = onProduce;
  }

  /** Bytes handed to the stream so far. */
  get produced(): number {
    return this.#produced;
  }

  override _read(): void {
    const left = this.#length - this.#produced;
    if (left <= 0) {
      this.push(null);
      return;
    }
    // The chunk is never written to, so every push can share it.
    const n = Math.min(left, CHUNK.length);
    this.#produced += n;
    this.#onProduce(n);
    this.push(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
  }
}
