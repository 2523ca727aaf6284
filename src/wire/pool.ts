// Output byte arrays carved from shared slabs. In V8 a typed array over 64 bytes gets its own
// off-heap ArrayBuffer, which costs about a microsecond to allocate here — more than encoding a
// packet; a view into an existing buffer costs a few nanoseconds. Node's Buffer pool makes the
// same trade: an array from here shares its `.buffer` with others (mind `byteOffset`), and the
// slab is not zero-filled: every caller overwrites all of its bytes.

import { allocUnsafeSlow } from './host.js';

const SLAB_BYTES = 64 * 1024;
/** Larger arrays get a buffer of their own, so one long-lived array never pins much memory. */
const POOLED_MAX = 8 * 1024;

/**
 * Node's Buffer.allocUnsafeSlow skips zero-filling, which costs about as much as the copy that
 * then overwrites every byte anyway; elsewhere a plain ArrayBuffer.
 */
function newSlab(): ArrayBufferLike {
  const b = allocUnsafeSlow(SLAB_BYTES);
  if (b && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b.buffer;
  return new ArrayBuffer(SLAB_BYTES);
}

// No slab until the first allocation: importing the codec allocates nothing and needs no Buffer.
let slab: ArrayBufferLike | undefined;
let used = 0;

/** A zero-filled-or-overwritten Uint8Array of `length` bytes; callers fill it completely. */
export function allocBytes(length: number): Uint8Array {
  if (length > POOLED_MAX) return new Uint8Array(length);
  if (slab === undefined || used + length > SLAB_BYTES) {
    slab = newSlab();
    used = 0;
  }
  const out = new Uint8Array(slab, used, length);
  used = (used + length + 7) & ~7;
  return out;
}

/** Copies `source` into a pooled array. */
export function copyBytes(source: Uint8Array): Uint8Array {
  const out = allocBytes(source.length);
  out.set(source);
  return out;
}
