// The WebAssembly module's exports. The TypeScript side (src/wire) owns memory above
// __heap_base: this module never allocates, it only reads and writes where it is told.

export { onesSum, onesSumScalar, combineSums, updateChecksum16, pseudoSum4, pseudoSum6 } from './checksum';
export { decodeDetail } from './decode';
export { decodeBatch, configureBatch, setBatchFastPath, batchFastRows } from './batch';
export { encode } from './encode';
export * from './status';
export * from './layout';
export {
  LINK_NULL, LINK_ETHERNET, LINK_RAW, LINK_LOOP, LINK_LINUX_SLL, LINK_IPV4, LINK_IPV6, LINK_LINUX_SLL2,
} from './link';

/** First byte of memory free for the host to use. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 when this build uses the SIMD checksum path, 0 for the scalar-only build. */
export function simdEnabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
