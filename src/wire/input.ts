// Zero-copy input: bytes written straight into the codec's WebAssembly memory.
//
// Every codec call on an ordinary Uint8Array first copies it into WASM memory; for a checksum
// that copy costs about as much as the sum itself. A caller that builds or receives its bytes in
// the input area instead skips it: internetChecksum, onesComplementSum, decodeFrame, decodeIp
// and decodeBatch recognise views of the input area and use them where they lie.

import { codec } from './module.js';

/** The largest input area asked for at once (WASM memory is at most 4 GiB anyway). */
const MAX_INPUT_AREA = 1 << 30;

/**
 * The caller's input area: `length` bytes of the codec's WebAssembly memory, as a Uint8Array.
 * Fill it (or subarrays of it) and pass it to internetChecksum, onesComplementSum, decodeFrame,
 * decodeIp or decodeBatch (as frames, or as PackedFrames.data): they read it in place instead
 * of copying it in first.
 *
 * The area is yours until the next inputArea call, which replaces it (same start, new length):
 * tcpwasm copies every other input it is given into memory after the area, never into it.
 * When WebAssembly memory has to grow (a larger input area, or a larger input than any before)
 * the old memory buffer is detached and views of it read as length 0: take a new view then
 * (the bytes are still there). Views into the area of other lengths or offsets (subarrays) work
 * as long as they lie wholly inside it.
 */
export function inputArea(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_INPUT_AREA) {
    throw new RangeError(`length must be an integer 0..${MAX_INPUT_AREA}, got ${String(length)}`);
  }
  return codec().inputView(length);
}
