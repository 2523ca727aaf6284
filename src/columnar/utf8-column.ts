// A UTF-8 column filled with bytes that are already encoded: addresses repeat from row to row,
// so each distinct one is formatted and encoded once and then copied, instead of building a JS
// string per row and letting apache-arrow's builder encode it again (most of the time spent
// writing segments went there).

import { Utf8, makeData, type Data } from 'apache-arrow';
import { formatAddress } from '../base/address.js';

const encoder = new TextEncoder();

export class Utf8Column {
  readonly #offsets: Int32Array;
  #bytes: Uint8Array;
  #length = 0;

  constructor(capacity: number, bytesPerRow: number) {
    this.#offsets = new Int32Array(capacity + 1);
    this.#bytes = new Uint8Array(Math.max(64, capacity * bytesPerRow));
  }

  push(encoded: Uint8Array): void {
    const at = this.#offsets[this.#length]!;
    const end = at + encoded.length;
    if (end > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
    }
    this.#bytes.set(encoded, at);
    this.#offsets[++this.#length] = end;
  }

  toData(): Data<Utf8> {
    const n = this.#length;
    return makeData({
      type: new Utf8(),
      length: n,
      nullCount: 0,
      valueOffsets: this.#offsets.subarray(0, n + 1),
      data: this.#bytes.subarray(0, this.#offsets[n]!),
    });
  }
}

/** Each distinct value encoded once, for texts that repeat (checksum states, …). */
export function encodedTexts<T extends string>(texts: readonly T[]): Record<T, Uint8Array> {
  return Object.fromEntries(texts.map((t) => [t, encoder.encode(t)])) as Record<T, Uint8Array>;
}

/**
 * IP addresses in text form, encoded, by their bytes. Bounded: past `limit` distinct addresses
 * the cache starts over, so a scan across many hosts costs formatting, not memory.
 */
export class AddressTexts {
  readonly #v4 = new Map<number, Uint8Array>();
  readonly #v6 = new Map<string, Uint8Array>();
  readonly #limit: number;

  constructor(limit = 65_536) {
    this.#limit = limit;
  }

  /** The address of `version` (4 or 6) at data[at…]. */
  get(data: Uint8Array, at: number, version: number): Uint8Array {
    if (version === 4) {
      const key = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
      let text = this.#v4.get(key);
      if (text === undefined) {
        if (this.#v4.size >= this.#limit) this.#v4.clear();
        text = encoder.encode(formatAddress(data, at, 4));
        this.#v4.set(key, text);
      }
      return text;
    }
    const formatted = formatAddress(data, at, 6);
    let text = this.#v6.get(formatted);
    if (text === undefined) {
      if (this.#v6.size >= this.#limit) this.#v6.clear();
      text = encoder.encode(formatted);
      this.#v6.set(formatted, text);
    }
    return text;
  }
}
