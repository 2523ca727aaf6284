// The ones-complement sum of a short input, in JavaScript. Below SMALL_SUM_BYTES this is cheaper
// than handing the bytes to WASM: copying an ordinary array into WASM memory (TypedArray set,
// ~15-20 ns of fixed cost on V8) plus the boundary call cost more than summing a TCP header's
// worth of byte pairs here. Crossover measured with bench/checksum.bench.ts: at 40 B the JS path
// took 28.6 ns and the copy 31.5 ns, at 48 B 43.0 ns and 36.2 ns (same run, shared 2-core box).

/** Inputs shorter than this are summed in JS by internetChecksum and onesComplementSum. */
export const SMALL_SUM_BYTES = 48;

/**
 * onesSum's result (RFC 1071: big-endian 16-bit words, odd length padded with a zero byte,
 * end-around carry, not complemented) for `n` = bytes.length < SMALL_SUM_BYTES, with a 32-bit
 * `initial` folded in exactly as the WASM routine folds it, so both paths are bit-identical.
 */
export function smallOnesSum(bytes: Uint8Array, n: number, initial: number): number {
  // Four independent accumulators so the adds do not wait on one another; each stays below
  // 2^21 for n < 64, so int32 arithmetic is exact.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += (bytes[i]! << 8) | bytes[i + 1]!;
    s1 += (bytes[i + 2]! << 8) | bytes[i + 3]!;
    s2 += (bytes[i + 4]! << 8) | bytes[i + 5]!;
    s3 += (bytes[i + 6]! << 8) | bytes[i + 7]!;
  }
  for (; i + 2 <= n; i += 2) s0 += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < n) s1 += bytes[i]! << 8;
  // Same folds as assembly/checksum.ts: fold the data sum to 16 bits (a non-zero multiple of
  // 0xffff stays 0xffff, all-zero data stays 0), fold `initial` to 16 bits, add, fold again.
  let s = s0 + s1 + s2 + s3;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  let init = (initial & 0xffff) + (initial >>> 16);
  init = (init & 0xffff) + (init >>> 16);
  s += init;
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}
