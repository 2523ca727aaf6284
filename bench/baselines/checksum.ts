// Pure-JS RFC 1071 checksums: the baselines the WASM checksum is measured against.
//
// bestJsChecksum is the fastest portable JS we know how to write, so a "WASM is N× faster"
// figure is not inflated by a strawman. naiveChecksum is what most JS code actually does
// (DataView.getUint16 in a loop). Both return what internetChecksum does: the complemented
// 16-bit ones-complement sum of the bytes (big-endian words, odd length padded with a zero
// byte) plus `initial`.

/** Below this length the Uint32Array path's setup costs more than it saves. */
const SMALL = 64;

// A Uint32Array view over the whole buffer of the last input. Making a view per call costs about
// as much as summing 40 bytes, and callers tend to checksum many pieces of one buffer.
let viewBuffer: ArrayBufferLike | undefined;
let view32: Uint32Array = new Uint32Array(0);

function wordsOf(buffer: ArrayBufferLike): Uint32Array {
  if (buffer !== viewBuffer || view32.length !== buffer.byteLength >>> 2) {
    viewBuffer = buffer;
    view32 = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return view32;
}

/** Folds a non-negative integer below 2^53 to 16 bits with end-around carry (0 stays 0). */
function foldLarge(s: number): number {
  if (s > 0xffffffff) {
    // 2^16 ≡ 1 (mod 0xffff), so the fold is the residue mod 0xffff, except that a non-zero
    // multiple of 0xffff folds to 0xffff, not 0. `%` is exact on integers below 2^53, but a
    // floating-point remainder is slow, so it is only used when 32-bit shifts cannot be.
    const r = s % 0xffff;
    return r === 0 ? 0xffff : r;
  }
  s = (s >>> 16) + (s & 0xffff); // at most 0x1fffe
  return (s >>> 16) + (s & 0xffff);
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/** Big-endian 16-bit word sum of bytes[start, end) where `start` begins a word. */
function sumBytes(b: Uint8Array, start: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = start;
  // Two independent accumulators so consecutive adds do not wait on each other.
  for (; i + 4 <= end; i += 4) {
    s0 += (b[i]! << 8) | b[i + 1]!;
    s1 += (b[i + 2]! << 8) | b[i + 3]!;
  }
  if (i + 2 <= end) {
    s0 += (b[i]! << 8) | b[i + 1]!;
    i += 2;
  }
  if (i < end) s1 += b[i]! << 8;
  return s0 + s1;
}

/**
 * The ones-complement sum (folded to 16 bits, not complemented) of bytes[start, end) plus
 * `initial`. A range rather than a subarray so a decoder can sum part of a frame without
 * allocating a view per packet.
 */
export function bestJsSumRange(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  const len = end - start;
  if (len < SMALL) return foldLarge(sumBytes(bytes, start, end) + initial);

  // Split into an unaligned head (0-3 bytes), whole little-endian 32-bit words, and a tail.
  const p = bytes.byteOffset + start;
  const head = (4 - (p & 3)) & 3;
  const first = (p + head) >>> 2;
  const words = (len - head) >>> 2;
  const u32 = wordsOf(bytes.buffer);

  // Four accumulators in doubles: each add is exact (values < 2^32, sums < 2^53 for any
  // array that fits in memory) and independent, so the loop is limited by loads, not by one
  // carry chain. Whole 32-bit words halve the iterations of a 16-bit loop. (Measured on V8:
  // 4 double accumulators beat 2 or 8, and beat splitting words into 16-bit halves in ints.)
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = first;
  const stopWords = first + words;
  for (const stop = stopWords - 3; i < stop; i += 4) {
    a += u32[i]!;
    b += u32[i + 1]!;
    c += u32[i + 2]!;
    d += u32[i + 3]!;
  }
  for (; i < stopWords; i++) a += u32[i]!;

  // Little-endian words summed mod 0xffff equal the byte-swapped big-endian sum (RFC 1071
  // §2(B)): swap once at the end. If the aligned part starts at an odd position of the range,
  // its bytes sit in the other half of every word relative to the range's start, which is one
  // more swap, i.e. none.
  let middle = foldLarge(a + b + c + d);
  if ((head & 1) === 0) middle = swap16(middle);

  // Head and tail bytes, each in the half of its word given by its position in the range.
  let edges = 0;
  for (let k = 0; k < head; k++) edges += (k & 1) === 0 ? bytes[start + k]! << 8 : bytes[start + k]!;
  for (let k = head + 4 * words; k < len; k++) edges += (k & 1) === 0 ? bytes[start + k]! << 8 : bytes[start + k]!;

  return foldLarge(middle + edges + initial);
}

/** The ones-complement sum of all of `bytes` (same value as the package's onesComplementSum). */
export function bestJsSum(bytes: Uint8Array, initial = 0): number {
  return bestJsSumRange(bytes, 0, bytes.length, initial);
}

/** Complemented checksum, like internetChecksum. */
export function bestJsChecksum(bytes: Uint8Array, initial = 0): number {
  return ~bestJsSum(bytes, initial) & 0xffff;
}

/** The straightforward version: one DataView.getUint16 per word, fold at the end. */
export function naiveChecksum(bytes: Uint8Array, initial = 0): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += v.getUint16(i);
  if (even < bytes.length) sum += bytes[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
