// Big-endian (network order) loads and stores. WebAssembly memory is little-endian, so each
// multi-byte field is byte-swapped once here rather than assembled from single bytes.

// @ts-ignore: decorator
@inline export function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

// @ts-ignore: decorator
@inline export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

// @ts-ignore: decorator
@inline export function u8at(p: usize): u32 {
  return <u32>load<u8>(p);
}

// @ts-ignore: decorator
@inline export function storeBe16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

// @ts-ignore: decorator
@inline export function storeBe32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}
