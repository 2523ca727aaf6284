// Connection events. Pending events are kept as bits of one number (no queue allocation per
// event) and handed out in a fixed order that matches their causality: established before any
// data, data before end-of-stream, error before closed.

/** Why a connection failed, as Node's `err.code` (Linux's errno for ICMP errors). */
export type ConnectionErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EPIPE'
  // From ICMP errors (src/stack/icmp-errors.ts), as Linux reports them.
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'ENOPROTOOPT'
  | 'EHOSTDOWN'
  | 'ENONET'
  | 'EOPNOTSUPP'
  | 'EACCES';

/** What `Connection.pollEvent` hands out; `error` comes before `closed`. */
export type ConnectionEvent =
  | { type: 'established' }
  | { type: 'readable' }
  | { type: 'writable' }
  | { type: 'end' }
  | { type: 'error'; code: ConnectionErrorCode }
  | { type: 'closed' };

export const EV_ESTABLISHED = 1;
export const EV_READABLE = 2;
export const EV_WRITABLE = 4;
export const EV_END = 8;
export const EV_ERROR = 16;
export const EV_CLOSED = 32;

// Shared immutable event objects: pollEvent allocates nothing.
export const ESTABLISHED_EVENT: ConnectionEvent = Object.freeze({ type: 'established' });
export const READABLE_EVENT: ConnectionEvent = Object.freeze({ type: 'readable' });
export const WRITABLE_EVENT: ConnectionEvent = Object.freeze({ type: 'writable' });
export const END_EVENT: ConnectionEvent = Object.freeze({ type: 'end' });
export const CLOSED_EVENT: ConnectionEvent = Object.freeze({ type: 'closed' });
export const ERROR_EVENTS: Readonly<Record<ConnectionErrorCode, ConnectionEvent>> = Object.freeze({
  ECONNREFUSED: Object.freeze({ type: 'error', code: 'ECONNREFUSED' }),
  ECONNRESET: Object.freeze({ type: 'error', code: 'ECONNRESET' }),
  ETIMEDOUT: Object.freeze({ type: 'error', code: 'ETIMEDOUT' }),
  EPIPE: Object.freeze({ type: 'error', code: 'EPIPE' }),
  EHOSTUNREACH: Object.freeze({ type: 'error', code: 'EHOSTUNREACH' }),
  ENETUNREACH: Object.freeze({ type: 'error', code: 'ENETUNREACH' }),
  ENOPROTOOPT: Object.freeze({ type: 'error', code: 'ENOPROTOOPT' }),
  EHOSTDOWN: Object.freeze({ type: 'error', code: 'EHOSTDOWN' }),
  ENONET: Object.freeze({ type: 'error', code: 'ENONET' }),
  EOPNOTSUPP: Object.freeze({ type: 'error', code: 'EOPNOTSUPP' }),
  EACCES: Object.freeze({ type: 'error', code: 'EACCES' }),
});
