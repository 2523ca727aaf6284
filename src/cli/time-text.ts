// Timestamps as text from the seconds and nanoseconds columns, without BigInt arithmetic per row:
// the time-of-day prefix is cached per second, since consecutive frames nearly always share it.

import { formatTime } from './format.js';
import type { LineBuffer } from './line-buffer.js';

const NS_PER_SECOND = 1_000_000_000n;

export class TimeOfDay {
  #second = Number.NaN;
  #prefix = '';

  /**
   * formatTime(ns) written into `out`, for ns = seconds * 1e9 + nanoseconds (seconds the floor,
   * 0 <= nanoseconds < 1e9). 15 bytes.
   */
  write(out: LineBuffer, seconds: number, nanoseconds: number): void {
    // formatTime truncates toward zero, so before 1970 its fields are not the floor split's.
    if (seconds < 0) return out.ascii(formatTime(BigInt(seconds) * NS_PER_SECOND + BigInt(nanoseconds)));
    if (seconds !== this.#second) {
      this.#second = seconds;
      this.#prefix = formatTime(BigInt(seconds) * NS_PER_SECOND).slice(0, 9);
    }
    out.ascii(this.#prefix);
    out.digits((nanoseconds / 1000) >>> 0, 6);
  }
}

/** Seconds since the epoch with nanoseconds, as tshark's frame.time_epoch prints it. */
export function epochText(seconds: number, nanoseconds: number): string {
  if (seconds >= 0) return `${seconds}.${String(nanoseconds).padStart(9, '0')}`;
  const ns = BigInt(seconds) * NS_PER_SECOND + BigInt(nanoseconds);
  const abs = -ns;
  return `-${abs / NS_PER_SECOND}.${String(abs % NS_PER_SECOND).padStart(9, '0')}`;
}
