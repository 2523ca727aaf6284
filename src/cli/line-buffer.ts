// Output lines encoded to UTF-8 as they are made, so a line's string dies young instead of
// waiting in an array for the chunk to finish (which promoted them to the old generation and
// let a worker's heap grow by tens of MB). The bytes have their own ArrayBuffer, so a worker
// can transfer them to the main thread without a copy.

export class LineBuffer {
  private buffer: Buffer;
  private used = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafeSlow(Math.max(256, expectedBytes));
  }

  line(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; plus the newline.
    const worst = 3 * text.length + 1;
    if (this.used + worst > this.buffer.length) this.grow(this.used + worst);
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used++] = 0x0a;
  }

  get length(): number {
    return this.used;
  }

  /** The bytes written, in a buffer of their own (never Node's shared pool). */
  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.used);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(next, 0, 0, this.used);
    this.buffer = next;
  }
}
