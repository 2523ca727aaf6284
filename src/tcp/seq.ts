// Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, RFC 1982 serial arithmetic).
//
// This is the only place where sequence numbers are added or compared: every other module calls
// these helpers, so a wrap-around bug can live in exactly one file. Sequence numbers are plain
// JS numbers holding a uint32 (0 .. 2^32-1); results are normalised with `>>> 0`.

const TWO_POW_31 = 0x80000000;

/** (a + n) mod 2^32. `n` may be negative (e.g. SND.NXT - 1 for a keep-alive probe). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * Signed distance a - b, in (-2^31, 2^31]. Positive means a is "after" b. The one ambiguous
 * distance (exactly 2^31 apart) is reported as +2^31, so it never looks like "before".
 */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) | 0;
  return d === -TWO_POW_31 ? TWO_POW_31 : d;
}

/** a < b modulo 2^32 (RFC 9293 §3.4). */
export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

/** a ≤ b modulo 2^32. */
export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

/** a > b modulo 2^32. */
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** a ≥ b modulo 2^32. */
export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/**
 * start <= x < start + length, all modulo 2^32. An empty window (length 0) contains nothing;
 * length is taken as given (0 .. 2^32), so a window larger than half the space still works.
 */
export function seqInWindow(x: number, start: number, length: number): boolean {
  return (x - start) >>> 0 < length;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqDiff(a, b) >= 0 ? a >>> 0 : b >>> 0;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqDiff(a, b) <= 0 ? a >>> 0 : b >>> 0;
}
