// Timestamps as text without BigInt arithmetic per row: the time-of-day prefix is cached per
// second, since consecutive frames nearly always share it, and the microseconds come from the
// two 32-bit halves of the nanosecond count.

import { formatTime } from './format.js';
import type { LineBuffer } from './line-buffer.js';

/** Beyond this high word (the year 2242) the microsecond count would pass 2^53. */
const MAX_EXACT_HIGH = 2_000_000_000;

export class TimeOfDay {
  private second = Number.NaN;
  private prefix = '';

  /**
   * formatTime(ns) written into `out`, for ns given as the high (signed) and low 32-bit halves of
   * a 64-bit count: no BigInt is made on this path. 15 bytes for any time from 1970 to 2255.
   */
  write(out: LineBuffer, high: number, low: number): void {
    if (high < 0 || high >= MAX_EXACT_HIGH) return out.ascii(formatTime((BigInt(high) << 32n) + BigInt(low)));
    // ns = high * 2^32 + low, and 2^32 = 4294967 * 1000 + 296, so exactly:
    const micros = high * 4294967 + Math.floor((high * 296 + low) / 1000);
    const second = Math.floor(micros / 1e6);
    if (second !== this.second) {
      this.second = second;
      this.prefix = formatTime(BigInt(second) * 1_000_000_000n).slice(0, 9);
    }
    out.ascii(this.prefix);
    out.digits(micros - second * 1e6, 6);
  }
}

/** Seconds since the epoch with nanoseconds, as tshark's frame.time_epoch prints it. */
export function epochText(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `${negative ? '-' : ''}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}
