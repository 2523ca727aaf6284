// Connections the application let go of (destroy() = close(2)) but TCP has not finished with:
// Linux calls them orphans. They keep sending what was written, then their FIN, and live on
// through FIN-WAIT-1/2, CLOSING and LAST-ACK without an owner (Linux tcp_close). The rules here
// follow the kernel:
//   - unread received data at close → RST instead of FIN (RFC 9293 §3.10.4, RFC 2525 §2.17;
//     Linux LINUX_MIB_TCPABORTONCLOSE);
//   - new data arriving after close → RST (RFC 1122 §4.2.2.13 via Linux tcp_rcv_state_process,
//     LINUX_MIB_TCPABORTONDATA);
//   - more orphans than maxOrphans → the new one is reset (Linux tcp_max_orphans,
//     LINUX_MIB_TCPABORTONMEMORY);
//   - an orphan in FIN-WAIT-2 waits finTimeout for the peer's FIN, then goes away without a
//     segment (Linux tcp_fin_timeout, 60 s: the FIN-WAIT-2 timewait socket simply expires).
// TIME-WAIT is not an orphan state here either: Linux turns those into timewait minisockets.

import type { Connection } from '../tcp/connection.js';
import type { Endpoint, EndpointOwner } from './endpoint.js';
import type { StackCounters } from './stats.js';

export interface OrphanOptions {
  /** Most orphaned connections at once; a new orphan beyond it is reset (default 4096). */
  maxOrphans?: number;
  /** ms an orphan waits in FIN-WAIT-2 for the peer's FIN (default 60000, Linux tcp_fin_timeout). */
  finTimeout?: number;
}

/**
 * Linux sizes tcp_max_orphans from memory (tens of thousands on a large machine); here each
 * orphan may still hold a full send buffer (256 KiB by default), so the default is smaller.
 */
const DEFAULT_MAX_ORPHANS = 4096;
const DEFAULT_FIN_TIMEOUT = 60_000;

/** How a socket lets go of its connection. */
export type ReleaseMode = 'close' | 'abort';

export class Orphans {
  readonly maxOrphans: number;
  readonly finTimeout: number;
  /** Orphans not yet in TIME-WAIT or CLOSED. */
  count = 0;
  readonly #counters: StackCounters;

  constructor(options: OrphanOptions, counters: StackCounters) {
    this.maxOrphans = nonNegativeInteger('maxOrphans', options.maxOrphans, DEFAULT_MAX_ORPHANS);
    this.finTimeout = nonNegativeInteger('finTimeout', options.finTimeout, DEFAULT_FIN_TIMEOUT);
    this.#counters = counters;
  }

  /**
   * The owner is gone. `unsent`: bytes the application wrote that are not yet in the connection's
   * send buffer (they were accepted by write(), so they are sent as the kernel would send them).
   */
  release(ep: Endpoint, mode: ReleaseMode, unsent: Uint8Array[], now: number): void {
    ep.owner = null;
    const conn = ep.conn;
    // Already over (a RST or timeout the socket is being destroyed for): nothing to finish.
    if (ep.closed || conn.state === 'CLOSED') return;
    if (mode === 'abort') {
      conn.abort(now);
      return;
    }
    if (conn.readable > 0) {
      this.#counters.abortOnClose++;
      conn.abort(now);
      return;
    }
    if (conn.state === 'SYN-SENT') {
      conn.close(now); // nothing to say yet: CLOSED without a segment, as Linux
      return;
    }
    if (this.count >= this.maxOrphans) {
      this.#counters.orphanResets++;
      conn.abort(now);
      return;
    }
    this.#counters.orphaned++;
    ep.orphan = true;
    this.count++;
    if (unsent.length > 0) ep.owner = new OrphanDrain(ep, unsent);
    else conn.close(now);
  }

  /** After a segment reached orphan `ep`: new data from the peer ends it with RST. */
  afterInput(ep: Endpoint, now: number): void {
    // CLOSED: reset already (segments of one batch all reach the connection before it leaves).
    if (ep.closed || ep.conn.readable === 0 || ep.conn.state === 'CLOSED') return;
    this.#counters.abortOnData++;
    ep.conn.abort(now);
  }

  /** The orphan's deadline at `now` in `state`: FIN-WAIT-2 starts its fin timeout. */
  deadline(ep: Endpoint, state: string, now: number): number {
    if (state !== 'FIN-WAIT-2') return Infinity;
    if (ep.finTimeoutAt === Infinity) ep.finTimeoutAt = now + this.finTimeout;
    return ep.finTimeoutAt;
  }

  /** Timer: an orphan past its FIN-WAIT-2 time goes away silently. Returns whether it did. */
  expire(ep: Endpoint, now: number): boolean {
    if (now < ep.finTimeoutAt || ep.conn.state !== 'FIN-WAIT-2') return false;
    this.#counters.finTimeouts++;
    ep.conn.expire();
    return true;
  }

  /** `ep` left the orphan states (TIME-WAIT or CLOSED). */
  settled(ep: Endpoint): void {
    if (!ep.orphan) return;
    ep.orphan = false;
    this.count--;
  }
}

/**
 * Owner of an orphan whose application writes did not all fit the send buffer at close: feeds
 * them in as the buffer drains, then queues the FIN. Linux holds such bytes in the socket already;
 * here they wait in the stream, so they are carried over rather than dropped.
 */
class OrphanDrain implements EndpointOwner {
  readonly #ep: Endpoint;
  readonly #chunks: Uint8Array[];

  constructor(ep: Endpoint, chunks: Uint8Array[]) {
    this.#ep = ep;
    this.#chunks = chunks;
    this._onTcpWritable();
  }

  _onTcpWritable(): void {
    const conn: Connection = this.#ep.conn;
    const chunks = this.#chunks;
    while (chunks.length > 0) {
      const chunk = chunks[0]!;
      const n = conn.write(chunk);
      if (n < chunk.length) {
        chunks[0] = chunk.subarray(n);
        return;
      }
      chunks.shift();
    }
    this.#ep.owner = null;
    conn.close(0); // close() ignores its time argument; the FIN follows the data
  }

  _onTcpEstablished(): void {}
  _onTcpReadable(): void {}
  _onTcpEnd(): void {}
  _onTcpError(): void {
    this.#chunks.length = 0;
  }
  _onTcpClosed(): void {
    this.#chunks.length = 0;
  }
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  return v;
}
