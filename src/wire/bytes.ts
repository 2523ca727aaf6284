// Big-endian (network order) reads of header fields from a byte array, for the few places in
// wire that read bytes in TypeScript rather than in the WASM decoder. The caller checks bounds.

export function readUint16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

export function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
