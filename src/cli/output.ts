// Text out to a stream in large writes, waiting on backpressure so a huge capture decoded faster
// than the consumer reads does not pile up in memory.

import type { Writable } from 'node:stream';

export class Output {
  #pending: Array<string | Uint8Array> = [];
  #size = 0;
  readonly #stream: Writable;

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  /** Queues text (whole lines, each ending in '\n'). */
  async write(text: string | Uint8Array): Promise<void> {
    if (text.length === 0) return;
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const chunk = this.#pending.length === 1 ? this.#pending[0]! : joinParts(this.#pending);
    this.#pending = [];
    this.#size = 0;
    if (!this.#stream.write(chunk)) {
      await new Promise<void>((resolve) => this.#stream.once('drain', resolve));
    }
  }
}

function joinParts(parts: Array<string | Uint8Array>): string | Uint8Array {
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}
