// Timestamps as text without BigInt arithmetic per row: the time-of-day prefix is cached per
// second, since consecutive frames nearly always share it.

import { formatTime } from './format.js';

/** Microseconds since the epoch that a double still holds exactly. */
const MAX_EXACT_MICROS = Number.MAX_SAFE_INTEGER;

export class TimeOfDay {
  private second = Number.NaN;
  private prefix = '';

  /** Same text as formatTime(ns): UTC HH:MM:SS.ffffff, microseconds truncated. */
  format(ns: bigint): string {
    if (ns < 0n) return formatTime(ns);
    const micros = Number(ns / 1000n);
    if (micros > MAX_EXACT_MICROS) return formatTime(ns);
    const second = Math.floor(micros / 1e6);
    if (second !== this.second) {
      this.second = second;
      this.prefix = formatTime(BigInt(second) * 1_000_000_000n).slice(0, 9);
    }
    const fraction = micros - second * 1e6;
    return this.prefix + (fraction < 100000 ? String(fraction).padStart(6, '0') : String(fraction));
  }
}

/** Seconds since the epoch with nanoseconds, as tshark's frame.time_epoch prints it. */
export function epochText(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `${negative ? '-' : ''}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}
