// gzip handling for captures: decompress, and when the stream is damaged, recover the longest
// prefix that still inflates so the records before the damage can be delivered (as `gzip -dc`
// writes what it can before reporting the error).

import { DecodeError } from '../wire/errors.js';

type Zlib = typeof import('node:zlib');

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Offset of the deflate data after a gzip member header (RFC 1952 §2.3), or -1. */
function deflateStart(bytes: Uint8Array): number {
  if (bytes.length < 10 || !isGzip(bytes) || bytes[2] !== 8) return -1;
  const flags = bytes[3]!;
  let at = 10;
  if (flags & 4) {
    if (at + 2 > bytes.length) return -1;
    at += 2 + (bytes[at]! | (bytes[at + 1]! << 8));
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      while (at < bytes.length && bytes[at] !== 0) at++;
      at++;
    }
  }
  if (flags & 2) at += 2;
  return at <= bytes.length ? at : -1;
}

/**
 * The longest prefix of the first gzip member's deflate data that inflates, decompressed. Data
 * after corrupted bytes may still be wrong (only the trailer's CRC could tell), so callers must
 * report the damage afterwards.
 */
export function inflateLongestPrefix(zlib: Zlib, bytes: Uint8Array): Uint8Array {
  const start = deflateStart(bytes);
  if (start < 0) return new Uint8Array(0);
  const body = bytes.subarray(start);
  const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const inflates = (n: number): boolean => {
    try {
      zlib.inflateRawSync(body.subarray(0, n), options);
      return true;
    } catch {
      return false;
    }
  };
  // Binary search: prefixes up to the first corrupt byte inflate, longer ones (mostly) fail.
  let lo = 0;
  let hi = body.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (inflates(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? zlib.inflateRawSync(body.subarray(0, lo), options) : new Uint8Array(0);
}

/** Decompresses a gzip file; on damage, what inflateLongestPrefix recovers and the zlib error. */
export function gunzipRecovering(zlib: Zlib, bytes: Uint8Array): { data: Uint8Array; error?: unknown } {
  try {
    return { data: zlib.gunzipSync(bytes) };
  } catch (error) {
    return { data: inflateLongestPrefix(zlib, bytes), error };
  }
}

/** The DecodeError for a gzip failure after `decompressed` bytes were delivered. */
export function gzipFault(error: unknown, decompressed: number): DecodeError {
  const reason = error instanceof Error ? error.message : String(error);
  const cut = /unexpected end/i.test(reason);
  return new DecodeError(
    cut ? 'TRUNCATED' : 'BAD_CAPTURE',
    `gzip stream is ${cut ? 'truncated' : 'corrupt'} after ${decompressed} decompressed bytes (${reason})`,
    decompressed,
    { cause: error },
  );
}
