// RFC 1071 checksums through the WebAssembly codec, plus the partial-sum helpers that let a
// caller checksum a segment in pieces (pseudo-header, header, payload) and patch it (RFC 1624).

import { formatAddress, toAddress, type ParsedAddress } from '../base/address.js';
import { smallOnesSum, SMALL_SUM_BYTES } from './checksum-small.js';
import { codec, type Codec } from './module.js';

function checkBytes(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
}

function checkSum(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be an unsigned 32-bit integer, got ${String(value)}`);
  }
}

/** The last short view found in the codec's input area: it skips the getters in shortOutside. */
let lastResident: Uint8Array | undefined;

/**
 * True when `bytes` is short and outside WASM memory, so summing it in JS is cheaper than
 * copying it in (see checksum-small.ts). Short views of the input area stay on the WASM path,
 * which sums them where they lie; the view is remembered so its next call costs no getter.
 */
function shortOutside(c: Codec, bytes: Uint8Array): boolean {
  if (bytes.length >= SMALL_SUM_BYTES) return false;
  if (c.isResident(bytes)) {
    lastResident = bytes;
    return false;
  }
  return true;
}

/** onesComplementSum on a given codec instance, choosing the SIMD or the scalar routine. */
export function sumWith(c: Codec, bytes: Uint8Array, initial: number, scalar = false): number {
  // Bytes already in the input area (inputArea()) are summed where they lie: no copy.
  const ptr = c.placeCounted(bytes);
  const n = c.placedLength;
  return scalar ? c.exports.onesSumScalar(ptr, n, initial) : c.exports.onesSum(ptr, n, initial);
}

/**
 * The 16-bit ones-complement sum of `bytes` as big-endian words (odd length padded with a zero
 * byte), not complemented, with `initial` (an earlier partial sum, up to 32 bits) added in.
 */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  checkBytes(bytes);
  if (initial !== 0) checkSum('initial', initial);
  const c = codec();
  if (bytes !== lastResident && shortOutside(c, bytes)) return smallOnesSum(bytes, bytes.length, initial >>> 0);
  return sumWith(c, bytes, initial >>> 0);
}

/**
 * The Internet checksum of `bytes` as it goes into a header: the complement of their
 * ones-complement sum plus `initial` (e.g. a pseudoHeaderSum). Over data that includes a correct
 * checksum field, the result is 0.
 */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  // onesComplementSum inlined by hand: at 40 B every call layer shows.
  checkBytes(bytes);
  if (initial !== 0) checkSum('initial', initial);
  const c = codec();
  if (bytes !== lastResident && shortOutside(c, bytes)) {
    return ~smallOnesSum(bytes, bytes.length, initial >>> 0) & 0xffff;
  }
  const ptr = c.placeCounted(bytes);
  return ~c.exports.onesSum(ptr, c.placedLength, initial >>> 0) & 0xffff;
}

/**
 * Combines partial sums of adjacent pieces: `b` covers bytes starting `offset` bytes after the
 * start of the bytes `a` covers (odd offsets are handled by swapping b's bytes).
 */
export function combineSums(a: number, b: number, offset: number): number {
  checkSum('a', a);
  checkSum('b', b);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError('offset must be a non-negative integer');
  return codec().exports.combineSums(a >>> 0, b >>> 0, offset % 2);
}

/**
 * RFC 1624 incremental update: the new checksum field after one 16-bit word of the covered data
 * changes from `oldWord` to `newWord`. For a 32-bit field, apply it to each half.
 */
export function updateChecksum(checksum: number, oldWord: number, newWord: number): number {
  for (const [name, value] of [
    ['checksum', checksum],
    ['oldWord', oldWord],
    ['newWord', newWord],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new RangeError(`${name} must be a 16-bit unsigned integer, got ${String(value)}`);
    }
  }
  return codec().exports.updateChecksum16(checksum, oldWord, newWord);
}

/**
 * The ones-complement sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) for the
 * given addresses (text, or parsed as encodeTcp takes them), protocol number and transport
 * length. Feed it as `initial`.
 */
export function pseudoHeaderSum(
  src: string | ParsedAddress,
  dst: string | ParsedAddress,
  protocol: number,
  length: number,
): number {
  const s = toAddress(src);
  const d = toAddress(dst);
  if (s.version !== d.version) {
    throw new TypeError(
      `address families differ: ${formatAddress(s.bytes, 0, s.version)} and ${formatAddress(d.bytes, 0, d.version)}`,
    );
  }
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new RangeError('protocol must be 0..255');
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) throw new RangeError('length out of range');
  const c = codec();
  const at = c.addresses;
  c.bytes().set(s.bytes, at);
  c.bytes().set(d.bytes, at + 16);
  return s.version === 4
    ? c.exports.pseudoSum4(at, at + 16, protocol, length)
    : c.exports.pseudoSum6(at, at + 16, protocol, length);
}
