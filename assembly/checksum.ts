// RFC 1071 ones-complement sum.
//
// Words are summed in the machine's (little-endian) byte order and the result is byte-swapped
// once at the end: RFC 1071 §2(B) shows the sum is byte-order independent up to that final swap.
// Ones-complement addition is addition mod 0xFFFF, and 2^16, 2^32 and 2^64 are all ≡ 1 mod
// 0xFFFF, so wide accumulators can be folded at the very end instead of after every add.

/** Inputs shorter than this take the scalar path: the SIMD set-up costs more than it saves. */
const SIMD_MIN_BYTES: usize = 64;

/**
 * 64-byte SIMD iterations an i32x4 lane can absorb before it may overflow. Each iteration adds
 * at most 8 * 0xFFFF < 2^19 to a lane, so 2^12 iterations stay below 2^31.
 */
const SIMD_BLOCK_ITERATIONS: usize = 4096;

/** Folds a wide ones-complement accumulator to 16 bits (no complement, no byte swap). */
// @ts-ignore: decorator
@inline
export function fold64(sum: u64): u32 {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  let s = <u32>sum;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return s;
}

/** Folds a 32-bit partial sum to 16 bits. */
// @ts-ignore: decorator
@inline
export function fold32(s: u32): u32 {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return s;
}

// @ts-ignore: decorator
@inline
function swap16(s: u32): u32 {
  return ((s & 0xff) << 8) | (s >> 8);
}

/** Native-order wide sum, 8 bytes at a time with end-around carry; handles any length. */
// @ts-ignore: decorator
@inline
function sumScalarNative(ptr: usize, len: usize): u64 {
  let acc: u64 = 0;
  let carry: u64 = 0;
  while (len >= 32) {
    const a = load<u64>(ptr);
    const b = load<u64>(ptr, 8);
    const c = load<u64>(ptr, 16);
    const d = load<u64>(ptr, 24);
    // Sum the 32-bit halves into 64 bits: no carry can be lost within one step.
    acc += (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32);
    carry += (c & 0xffffffff) + (c >> 32) + (d & 0xffffffff) + (d >> 32);
    ptr += 32;
    len -= 32;
  }
  while (len >= 4) {
    acc += <u64>load<u32>(ptr);
    ptr += 4;
    len -= 4;
  }
  if (len >= 2) {
    acc += <u64>load<u16>(ptr);
    ptr += 2;
    len -= 2;
  }
  // A trailing odd byte is the high byte of a big-endian word padded with zero, which in the
  // little-endian view is the low byte: add it as is.
  if (len) acc += <u64>load<u8>(ptr);
  // Each accumulator gains < 2^34 per 32 bytes, so neither can overflow below 2^30 iterations
  // (32 GiB, far beyond a 32-bit address space); fold them separately before adding.
  return <u64>fold64(acc) + <u64>fold64(carry);
}

/**
 * Native-order wide sum with 128-bit SIMD: 64 bytes per iteration. Each 32-bit lane adds the
 * words as they are (wrapping) and, separately, their high halves: the low halves' exact sum is
 * then raw - (high << 16), because it stays below 2^32 within a block. Three vector operations
 * per 16 bytes (add, shift, add) instead of four for a pairwise widening add and an add.
 */
function sumSimdNative(ptr: usize, len: usize): u64 {
  let wide = i64x2.splat(0);
  while (len >= 64) {
    let blocks = len >> 6;
    if (blocks > SIMD_BLOCK_ITERATIONS) blocks = SIMD_BLOCK_ITERATIONS;
    const end = ptr + (blocks << 6);
    let raw0 = i32x4.splat(0);
    let raw1 = i32x4.splat(0);
    let high0 = i32x4.splat(0);
    let high1 = i32x4.splat(0);
    do {
      const v0 = v128.load(ptr);
      const v1 = v128.load(ptr, 16);
      const v2 = v128.load(ptr, 32);
      const v3 = v128.load(ptr, 48);
      raw0 = i32x4.add(raw0, i32x4.add(v0, v2));
      raw1 = i32x4.add(raw1, i32x4.add(v1, v3));
      high0 = i32x4.add(high0, i32x4.add(i32x4.shr_u(v0, 16), i32x4.shr_u(v2, 16)));
      high1 = i32x4.add(high1, i32x4.add(i32x4.shr_u(v1, 16), i32x4.shr_u(v3, 16)));
      ptr += 64;
    } while (ptr < end);
    len -= blocks << 6;
    // Per lane: high < 2 * 4096 * 2^16 = 2^29, and the low halves' sum is as small.
    const low0 = i32x4.sub(raw0, i32x4.shl(high0, 16));
    const low1 = i32x4.sub(raw1, i32x4.shl(high1, 16));
    const sum0 = i32x4.add(low0, high0);
    const sum1 = i32x4.add(low1, high1);
    wide = i64x2.add(wide, i64x2.extend_low_i32x4_u(sum0));
    wide = i64x2.add(wide, i64x2.extend_high_i32x4_u(sum0));
    wide = i64x2.add(wide, i64x2.extend_low_i32x4_u(sum1));
    wide = i64x2.add(wide, i64x2.extend_high_i32x4_u(sum1));
  }
  // Up to three 16-byte pieces into a fresh lane accumulator (each lane gains < 2^17 per piece),
  // widened once, instead of four lane extractions per piece.
  let acc = i32x4.splat(0);
  while (len >= 16) {
    acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_u(v128.load(ptr)));
    ptr += 16;
    len -= 16;
  }
  wide = i64x2.add(wide, i64x2.extend_low_i32x4_u(acc));
  wide = i64x2.add(wide, i64x2.extend_high_i32x4_u(acc));
  let tail: u64 = 0;
  if (len) tail = sumScalarNative(ptr, len);
  // Lanes are < 2^63 after at most 2^31 blocks; fold each lane before combining.
  return <u64>fold64(i64x2.extract_lane(wide, 0)) + <u64>fold64(i64x2.extract_lane(wide, 1)) + tail;
}

/**
 * Ones-complement sum of `len` bytes at `ptr` as big-endian 16-bit words, folded to 16 bits and
 * not complemented, with `initial` (any partial sum that fits in 32 bits) added in.
 */
export function onesSum(ptr: usize, len: usize, initial: u32): u32 {
  return fold32(swap16(fold64(sumNative(ptr, len))) + fold32(initial));
}

/**
 * Native-order (little-endian words) sum of `len` bytes at `ptr`, below 2^19 and not folded, for
 * callers that add it to words of their own: fold64 of the total == 0xffff exactly when the
 * big-endian sum is (RFC 1071 §2(B); 0xffff is its own byte swap).
 */
// @ts-ignore: decorator
@inline
export function sumNative(ptr: usize, len: usize): u64 {
  if (ASC_FEATURE_SIMD && len >= SIMD_MIN_BYTES) return sumSimdNative(ptr, len);
  return sumScalarNative(ptr, len);
}

/** As onesSum but always on the scalar path, so tests and benchmarks can compare the two. */
export function onesSumScalar(ptr: usize, len: usize, initial: u32): u32 {
  return fold32(swap16(fold64(sumScalarNative(ptr, len))) + fold32(initial));
}

/**
 * Combines two partial sums: `b` covers bytes that start `offset` bytes after the bytes of `a`
 * began. When `offset` is odd, b's bytes sit in the other half of every 16-bit word, so its sum
 * is byte-swapped first (RFC 1071 §2(B)).
 */
export function combineSums(a: u32, b: u32, offset: u32): u32 {
  b = fold32(b);
  if (offset & 1) b = swap16(b);
  return fold32(fold32(a) + b);
}

/**
 * RFC 1624 eqn. 3 incremental update: the new checksum field after a 16-bit word of the covered
 * data changes from `oldWord` to `newWord`: HC' = ~(~HC + ~m + m').
 */
export function updateChecksum16(checksum: u32, oldWord: u32, newWord: u32): u32 {
  const sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~fold32(sum) & 0xffff;
}

/** Native-order sum of the two 32-bit halves of a 64-bit load (< 2^33, no carry lost). */
// @ts-ignore: decorator
@inline
function halves(ptr: usize, offset: usize): u64 {
  const v = load<u64>(ptr + offset);
  return (v & 0xffffffff) + (v >> 32);
}

/** The protocol and length words of a pseudo-header, already in big-endian-sum terms. */
// @ts-ignore: decorator
@inline
function pseudoTail(protocol: u32, length: u32): u32 {
  return protocol + (length & 0xffff) + (length >> 16);
}

// The pseudo-header sums are on every verified segment's path (twice per packet counting the
// IPv4 header), so they load the addresses as whole words rather than call the general sum.

/** Sum of the IPv4 pseudo-header: two addresses at srcPtr/dstPtr, protocol, length. */
export function pseudoSum4(srcPtr: usize, dstPtr: usize, protocol: u32, length: u32): u32 {
  const native = <u64>load<u32>(srcPtr) + <u64>load<u32>(dstPtr);
  return fold32(swap16(fold64(native)) + pseudoTail(protocol, length));
}

/** Sum of the IPv6 pseudo-header (RFC 8200 §8.1): 16-byte addresses, 32-bit length. */
export function pseudoSum6(srcPtr: usize, dstPtr: usize, protocol: u32, length: u32): u32 {
  const native = halves(srcPtr, 0) + halves(srcPtr, 8) + halves(dstPtr, 0) + halves(dstPtr, 8);
  return fold32(swap16(fold64(native)) + pseudoTail(protocol, length));
}

/**
 * Ones-complement sum of an IPv4 header of `ihl` bytes (a multiple of 4, 20..60), folded, not
 * complemented: 0xFFFF when the header checksum is right.
 */
export function ipv4HeaderSum(ptr: usize, ihl: usize): u32 {
  let native: u64 = halves(ptr, 0) + halves(ptr, 8) + <u64>load<u32>(ptr + 16);
  for (let i: usize = 20; i < ihl; i += 4) native += <u64>load<u32>(ptr + i);
  return swap16(fold64(native));
}
