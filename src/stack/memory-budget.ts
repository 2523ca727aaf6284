// The stack's memory budget for TCP buffers, like Linux's net.ipv4.tcp_mem: every connection's
// send and receive rings charge their storage to it (src/tcp/memory-account.ts). Above
// `pressure` rings stop growing (senders block, advertised windows shrink to what is already
// allocated); above `limit` the stack aborts the connections holding the most until it is back
// under, so 8,000 clients that never read cannot take the process's memory.

import { totalmem } from 'node:os';
import type { MemoryAccount } from '../tcp/memory-account.js';
import type { Endpoint } from './endpoint.js';

export interface MemoryBudgetOptions {
  /**
   * Hard limit on bytes held in TCP send and receive buffers across all connections. Default
   * 3/32 of the machine's memory, as Linux's tcp_mem[2] (tcp_init_mem: 1/16 of free pages, x 1.5).
   */
  limit?: number;
  /** Where rings stop growing; default 2/3 of `limit` (tcp_mem[1]). */
  pressure?: number;
}

export interface MemoryCounters {
  /** Times the buffers went above the pressure threshold (rings stopped growing). */
  pressureEntered: number;
  /** Connections aborted (RST) for holding the most buffer memory above the hard limit. */
  aborts: number;
}

export function createMemoryCounters(): MemoryCounters {
  return { pressureEntered: 0, aborts: 0 };
}

export class MemoryBudget implements MemoryAccount {
  used = 0;
  readonly pressure: number;
  readonly limit: number;
  readonly #counters: MemoryCounters;
  #underPressure = false;

  constructor(counters: MemoryCounters, options: MemoryBudgetOptions = {}) {
    this.#counters = counters;
    this.limit = positiveInteger('memory.limit', options.limit, Math.floor((totalmem() * 3) / 32));
    this.pressure = positiveInteger('memory.pressure', options.pressure, Math.floor((this.limit * 2) / 3));
    if (this.pressure > this.limit)
      throw new RangeError(`memory.pressure (${this.pressure}) must not exceed memory.limit (${this.limit})`);
  }

  /**
   * Called once per flush: counts entering pressure, and when above the hard limit aborts the
   * endpoints with the most buffer storage until what is left fits (their receive storage is
   * uncharged when they leave the table).
   */
  check(endpoints: () => Iterable<Endpoint>, abort: (ep: Endpoint) => void): void {
    const under = this.used > this.pressure;
    if (under !== this.#underPressure) {
      this.#underPressure = under;
      if (under) this.#counters.pressureEntered++;
    }
    if (this.used <= this.limit) return;
    const held: Endpoint[] = [];
    for (const ep of endpoints()) if (!ep.closed && ep.conn.bufferBytes > 0) held.push(ep);
    held.sort((a, b) => b.conn.bufferBytes - a.conn.bufferBytes);
    let left = this.used;
    for (const ep of held) {
      if (left <= this.limit) break;
      left -= ep.conn.bufferBytes;
      this.#counters.aborts++;
      abort(ep);
    }
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return v;
}
