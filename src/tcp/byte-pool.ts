// A small process-wide pool of byte arrays for the send and receive rings.
//
// Why: connections hold no buffer storage while their buffers are empty (100,000 idle
// connections must stay cheap), so a busy connection releases and re-acquires storage often —
// a reader that drains every segment empties its receive ring each time. Allocating a fresh,
// zero-filled array each time would cost a memset and GC pressure per segment; recycling keeps
// that path allocation-free. The pool is bounded in total bytes: it parks at most
// POOL_LIMIT_BYTES, or as many bytes as the rings hold in use when that is more (1,000 busy
// flows keep far more than 32 MiB in their rings, and one ring's release is another's next
// acquire: a fixed 32 MiB bound made most acquires miss and allocate). So what is parked never
// exceeds what was in use, which the stack's memory budget bounds. Stale bytes in a recycled
// array are never observable: the rings only read ranges they have written, which is also why a
// fresh array is not zero-filled.

import { allocUnsafeSlow } from '../wire/host.js';
import { SEGMENT_HEADROOM } from '../wire/segment.js';

const POOL_LIMIT_BYTES = 32 * 1024 * 1024;

const free = new Map<number, Uint8Array[]>();
let pooled = 0;
/** Bytes handed out by acquireBytes and not released yet (what the rings hold). */
let inUse = 0;

/** An array of exactly `size` bytes (contents unspecified), recycled when one is available. */
export function acquireBytes(size: number): Uint8Array {
  inUse += size;
  const list = free.get(size);
  const recycled = list?.pop();
  if (recycled !== undefined) {
    pooled -= size;
    return recycled;
  }
  // Every byte a ring reads it has written first: no zero-fill (for a 64 KiB ring it costs
  // about what a segment's copies do).
  return allocateUninitialized(size);
}

/** Hand an array back for reuse. The caller must drop every reference to it. */
export function releaseBytes(bytes: Uint8Array): void {
  const size = bytes.byteLength;
  inUse = Math.max(0, inUse - size);
  // Only whole, unshared arrays: a view into a larger buffer would pin (and expose) the rest.
  if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== size) return;
  if (pooled + size > Math.max(POOL_LIMIT_BYTES, inUse)) return; // let the GC have it
  let list = free.get(size);
  if (list === undefined) {
    list = [];
    free.set(size, list);
  }
  list.push(bytes);
  pooled += size;
}

/** An acquired array will not come back (a ring handed it to its reader): no longer in use. */
export function disownBytes(bytes: Uint8Array): void {
  inUse = Math.max(0, inUse - bytes.byteLength);
}

/** Lets the GC have every parked array (a process under memory pressure; tests start clean). */
export function trimBytePool(): void {
  free.clear();
  pooled = 0;
}

/** Bytes currently parked in the pool (for tests and stats). */
export function pooledBytes(): number {
  return pooled;
}

/** The pool's bound in bytes while the rings hold less than this in use. */
export const BYTE_POOL_LIMIT = POOL_LIMIT_BYTES;

// Short-lived copies (segment payloads peeked from a send buffer) are carved out of shared
// slabs: a view costs far less than a fresh ArrayBuffer (no malloc per segment). A slab lives
// as long as any view into it does, so only small copies use it, and the views are disjoint:
// each is still an independent copy of its bytes.
//
// Slabs are 256 KiB: allocating an ArrayBuffer has a large fixed cost in V8 (tracking the
// off-heap memory for the GC), which a 64 KiB slab paid every ~40 segments.
//
// Every copy, from a slab or not, owns SEGMENT_HEADROOM unused bytes just before it in its
// buffer. The connection declares them on the segment it emits (TcpSegment.headroom, the
// contract is documented there), so the encoder writes the headers in front of the payload and
// header + payload leave as one array, instead of the payload being copied once more.
const SLAB_BYTES = 256 * 1024;
const SLAB_MAX_COPY = 4096;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * An array of `size` bytes of its own, for a short-lived copy (contents unspecified), with
 * SEGMENT_HEADROOM bytes before it in its buffer that belong to it too.
 */
export function allocateCopy(size: number): Uint8Array {
  const need = SEGMENT_HEADROOM + size;
  if (size > SLAB_MAX_COPY) return new Uint8Array(new ArrayBuffer(need), SEGMENT_HEADROOM, size);
  if (slabUsed + need > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed + SEGMENT_HEADROOM, size);
  slabUsed += (need + 7) & ~7; // keep views 8-byte aligned
  return out;
}

/**
 * A fresh array of `size` bytes of its own, contents unspecified: for a copy that overwrites
 * every byte at once (a read of a whole receive buffer). Under Node it skips the zero-fill,
 * which for a read of a few hundred KiB costs about as much as the copy itself. Always a plain
 * Uint8Array starting at offset 0 of its own buffer.
 */
export function allocateUninitialized(size: number): Uint8Array {
  // Node's Buffer.allocUnsafeSlow, when there is one, skips the zero-fill.
  const b = size > 64 ? allocUnsafeSlow(size) : undefined;
  if (b && b.byteOffset === 0 && b.buffer.byteLength === size) return new Uint8Array(b.buffer, 0, size);
  return new Uint8Array(size);
}
