// Plain, obviously-correct reference implementations to check the WASM codec against.

/** RFC 1071 ones-complement sum, folded, of big-endian 16-bit words (odd byte padded). */
export function referenceSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

export function referenceChecksum(bytes: Uint8Array, initial = 0): number {
  return ~referenceSum(bytes, initial) & 0xffff;
}

/** Pseudo-header sum for TCP from raw address bytes (4 or 16 each). */
export function referencePseudoSum(src: Uint8Array, dst: Uint8Array, length: number): number {
  const header = new Uint8Array(src.length * 2 + (src.length === 4 ? 4 : 8));
  header.set(src, 0);
  header.set(dst, src.length);
  const v = new DataView(header.buffer);
  if (src.length === 4) {
    v.setUint8(src.length * 2 + 1, 6);
    v.setUint16(src.length * 2 + 2, length);
  } else {
    v.setUint32(32, length);
    v.setUint8(39, 6);
  }
  return referenceSum(header);
}
