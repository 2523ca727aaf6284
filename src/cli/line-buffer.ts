// Output lines encoded to UTF-8 a few dozen kilobytes at a time, so lines die young instead of
// waiting in an array for the chunk to finish (which promoted them to the old generation and
// let a worker's heap grow by tens of MB), and the encoder is called once per batch of lines
// rather than per line. The bytes have their own ArrayBuffer, so a worker can transfer them to
// the main thread without a copy.

/** "00" "01" ... "99" as ASCII bytes. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, k) => 0x30 + (k & 1 ? (k >> 1) % 10 : Math.floor((k >> 1) / 10)),
);

/** Characters gathered before they are encoded. */
const SPILL_CHARS = 32 << 10;

export class LineBuffer {
  #buffer: Buffer;
  #used = 0;
  #pending = '';

  constructor(expectedBytes: number) {
    this.#buffer = Buffer.allocUnsafeSlow(Math.max(256, expectedBytes));
  }

  line(text: string): void {
    this.#pending += `${text}\n`;
    if (this.#pending.length >= SPILL_CHARS) this.#spill();
  }

  /**
   * Starts a line written byte by byte with the methods below, which do not check capacity:
   * `maxBytes` must cover the whole line.
   */
  begin(maxBytes: number): void {
    this.#spill();
    if (this.#used + maxBytes > this.#buffer.length) this.#grow(this.#used + maxBytes);
  }

  /** An ASCII string (every code unit below 0x80). */
  ascii(text: string): void {
    const b = this.#buffer;
    let at = this.#used;
    for (let k = 0; k < text.length; k++) b[at++] = text.charCodeAt(k);
    this.#used = at;
  }

  byte(c: number): void {
    this.#buffer[this.#used++] = c;
  }

  /** A non-negative integer below 2^32 (or any below 2^53) in decimal. */
  uint(n: number): void {
    const b = this.#buffer;
    if (n < 10) {
      b[this.#used++] = 0x30 + n;
      return;
    }
    if (n < 1000) {
      // Ports' and address octets' range, the most common numbers in a line: no division loop.
      let at = this.#used;
      if (n >= 100) {
        const q = (n * 41) >>> 12; // floor(n / 100) for n < 1000
        b[at++] = 0x30 + q;
        n -= q * 100;
        b[at++] = DIGIT_PAIRS[2 * n]!;
      } else if (n >= 10) {
        b[at++] = DIGIT_PAIRS[2 * n]!;
      }
      b[at++] = DIGIT_PAIRS[2 * n + 1]!;
      this.#used = at;
      return;
    }
    const width =
      n < 100
        ? 2
        : n < 1000
          ? 3
          : n < 10000
            ? 4
            : n < 100000
              ? 5
              : n < 1000000
                ? 6
                : n < 10000000
                  ? 7
                  : n < 100000000
                    ? 8
                    : n < 1000000000
                      ? 9
                      : n < 10000000000
                        ? 10
                        : String(n).length;
    this.digits(n, width);
  }

  /** The low `width` decimal digits of n, zero-padded. */
  digits(n: number, width: number): void {
    const b = this.#buffer;
    let at = this.#used + width;
    this.#used = at;
    if (n < 0x100000000) {
      // Below 2^32, `>>> 0` truncates a quotient exactly and much faster than Math.floor; two
      // digits per division halve the divisions.
      let left = width;
      while (left >= 2) {
        const q = (n / 100) >>> 0;
        const pair = 2 * (n - q * 100);
        b[--at] = DIGIT_PAIRS[pair + 1]!;
        b[--at] = DIGIT_PAIRS[pair]!;
        n = q;
        left -= 2;
      }
      if (left === 1) b[at - 1] = 0x30 + (n % 10);
      return;
    }
    for (let k = 0; k < width; k++) {
      const q = Math.floor(n / 10);
      b[--at] = 0x30 + (n - q * 10);
      n = q;
    }
  }

  /** Four lower-case hex digits. */
  hex4(n: number): void {
    const b = this.#buffer;
    for (let shift = 12; shift >= 0; shift -= 4) {
      const d = (n >>> shift) & 15;
      b[this.#used++] = d < 10 ? 0x30 + d : 0x57 + d;
    }
  }

  /** The bytes written, in a buffer of their own (never Node's shared pool). */
  bytes(): Uint8Array {
    this.#spill();
    return new Uint8Array(this.#buffer.buffer, this.#buffer.byteOffset, this.#used);
  }

  #spill(): void {
    const text = this.#pending;
    if (text.length === 0) return;
    this.#pending = '';
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const worst = 3 * text.length;
    if (this.#used + worst > this.#buffer.length) this.#grow(this.#used + worst);
    this.#used += this.#buffer.write(text, this.#used, 'utf8');
  }

  #grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.#buffer.length));
    this.#buffer.copy(next, 0, 0, this.#used);
    this.#buffer = next;
  }
}
