// SipHash-2-4 (Aumasson & Bernstein) over 32-bit halves, so it needs neither BigInt nor
// node:crypto and runs wherever the engine runs. Used as the keyed hash F of RFC 6528 ISNs.

// The state is eight uint32 halves (v0..v3, high and low); module-level so hashing allocates
// nothing. JS is single-threaded, and sipHash24 never re-enters itself.
let v0h = 0,
  v0l = 0,
  v1h = 0,
  v1l = 0,
  v2h = 0,
  v2l = 0,
  v3h = 0,
  v3l = 0;

function sipRound(): void {
  let lo: number, t: number;
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  lo = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  t = v1h;
  v1h = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  v1l = ((v1l << 13) | (t >>> 19)) >>> 0;
  v1h = (v1h ^ v0h) >>> 0;
  v1l = (v1l ^ v0l) >>> 0;
  t = v0h;
  v0h = v0l;
  v0l = t;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  lo = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  t = v3h;
  v3h = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  v3l = ((v3l << 16) | (t >>> 16)) >>> 0;
  v3h = (v3h ^ v2h) >>> 0;
  v3l = (v3l ^ v2l) >>> 0;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  lo = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  t = v3h;
  v3h = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  v3l = ((v3l << 21) | (t >>> 11)) >>> 0;
  v3h = (v3h ^ v0h) >>> 0;
  v3l = (v3l ^ v0l) >>> 0;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  lo = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  t = v1h;
  v1h = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  v1l = ((v1l << 17) | (t >>> 15)) >>> 0;
  v1h = (v1h ^ v2h) >>> 0;
  v1l = (v1l ^ v2l) >>> 0;
  t = v2h;
  v2h = v2l;
  v2l = t;
}

function le32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function compress(mh: number, ml: number): void {
  v3h = (v3h ^ mh) >>> 0;
  v3l = (v3l ^ ml) >>> 0;
  sipRound();
  sipRound();
  v0h = (v0h ^ mh) >>> 0;
  v0l = (v0l ^ ml) >>> 0;
}

/**
 * SipHash-2-4 of `message` under the 16-byte `key`. The 64-bit result is written to
 * out[0] (low 32 bits) and out[1] (high 32 bits); `out` is returned.
 */
export function sipHash24(key: Uint8Array, message: Uint8Array, out: Uint32Array = new Uint32Array(2)): Uint32Array {
  if (key.length !== 16) throw new RangeError(`SipHash key must be 16 bytes, got ${key.length}`);
  const k0l = le32(key, 0),
    k0h = le32(key, 4),
    k1l = le32(key, 8),
    k1h = le32(key, 12);
  // "somepseudorandomlygeneratedbytes"
  v0h = (k0h ^ 0x736f6d65) >>> 0;
  v0l = (k0l ^ 0x70736575) >>> 0;
  v1h = (k1h ^ 0x646f7261) >>> 0;
  v1l = (k1l ^ 0x6e646f6d) >>> 0;
  v2h = (k0h ^ 0x6c796765) >>> 0;
  v2l = (k0l ^ 0x6e657261) >>> 0;
  v3h = (k1h ^ 0x74656462) >>> 0;
  v3l = (k1l ^ 0x79746573) >>> 0;

  const len = message.length;
  const whole = len - (len & 7);
  for (let i = 0; i < whole; i += 8) compress(le32(message, i + 4), le32(message, i));
  // Last block: the remaining 0..7 bytes, little-endian, with len mod 256 in the top byte.
  let ml = 0;
  let mh = (len & 0xff) << 24;
  for (let i = whole, shift = 0; i < len; i++, shift += 8) {
    if (shift < 32) ml |= message[i]! << shift;
    else mh |= message[i]! << (shift - 32);
  }
  compress(mh >>> 0, ml >>> 0);

  v2l = (v2l ^ 0xff) >>> 0;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  out[0] = v0l ^ v1l ^ v2l ^ v3l;
  out[1] = v0h ^ v1h ^ v2h ^ v3h;
  return out;
}
