// Public surface of the sans-IO TCP connection (RFC 9293). The state machine lands in the next
// commit; the signatures are fixed here so the stack can compile against them.

import type { TcpConfig } from './config.js';
import type { TcpCounters } from './counters.js';
import type { TcpSegment } from './segment.js';
import type { TcpState } from './state.js';

export interface ConnectionInit {
  localPort: number;
  remotePort: number;
  /** Initial send sequence number, from IsnGenerator (RFC 6528). */
  iss: number;
  /** Resolved configuration (resolveTcpConfig). */
  config: TcpConfig;
  /** The MSS this path allows us to advertise (MTU - IP header - 20); default config.mss. */
  mss?: number;
  /** Shared statistics object the connection increments. */
  counters?: TcpCounters;
}

export type ConnectionErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE';

export type ConnectionEvent =
  | { type: 'established' }
  | { type: 'readable' }
  | { type: 'writable' }
  | { type: 'end' }
  | { type: 'error'; code: ConnectionErrorCode }
  | { type: 'closed' };

export class Connection {
  constructor(init: ConnectionInit) {
    void init;
    throw new Error('Connection: state machine not yet committed');
  }
  static connect(init: ConnectionInit, now: number): Connection { void now; return new Connection(init); }
  static accept(init: ConnectionInit, syn: TcpSegment, now: number): Connection { void syn; void now; return new Connection(init); }
  get state(): TcpState { return 'CLOSED'; }
  handleSegment(seg: TcpSegment, now: number): void { void seg; void now; }
  write(data: Uint8Array): number { void data; return 0; }
  get sendBufferFree(): number { return 0; }
  get bufferedSend(): number { return 0; }
  close(now: number): void { void now; }
  abort(now: number): void { void now; }
  read(max?: number): Uint8Array | null { void max; return null; }
  get readable(): number { return 0; }
  pollTransmit(now: number): TcpSegment | null { void now; return null; }
  pollEvent(): ConnectionEvent | null { return null; }
  get nextTimeout(): number { return Infinity; }
  handleTimeout(now: number): void { void now; }
  setNoDelay(noDelay: boolean): void { void noDelay; }
  setKeepAlive(enable: boolean, initialDelayMs?: number): void { void enable; void initialDelayMs; }
  get mssSend(): number { return 0; }
}
