// One row of the connection table: a Connection and what the stack needs around it (addresses,
// its place in the deadline heap, the socket it feeds, the listener it came from).

import type { Connection } from '../tcp/connection.js';
import type { HeapItem } from '../base/deadline-heap.js';
import type { LocalAddress } from '../base/interface-address.js';
import type { Listener } from './listener.js';

/**
 * What an endpoint reports to the socket attached to it. TcpSocket implements it with prototype
 * methods, so an idle connection carries no per-socket closures.
 */
export interface EndpointOwner {
  _onTcpEstablished(): void;
  _onTcpReadable(): void;
  _onTcpWritable(): void;
  _onTcpEnd(): void;
  _onTcpError(code: string): void;
  _onTcpClosed(): void;
}

export class Endpoint implements HeapItem {
  deadline = Infinity;
  heapIndex = -1;
  /** In the stack's dirty list (to be polled for segments and events). */
  dirty = false;
  owner: EndpointOwner | null = null;
  /** Passive open still counted in its listener's SYN queue. */
  inSynQueue = false;
  /** Opened by a SYN cookie and counted in its listener's cookiePending until accept-queued. */
  cookiePending = false;
  /** Events that arrived before a socket was attached (passive opens waiting in the accept queue). */
  peerEnded = false;
  error: string | null = null;
  established = false;
  closed = false;
  /** Counted among the stack's quiet connections (TIME-WAIT, orphans in FIN-WAIT-2). */
  quiet = false;
  /** The socket let go of it before TCP finished (see orphans.ts). */
  orphan = false;
  /** An orphan's FIN-WAIT-2 deadline (Infinity until it reaches FIN-WAIT-2). */
  finTimeoutAt = Infinity;
  /** Clock time of the last handleTimeout call (guards against a deadline that does not move). */
  timedOutAt = -1;

  constructor(
    readonly key: string,
    readonly conn: Connection,
    readonly local: LocalAddress,
    readonly localPort: number,
    readonly remoteAddress: string,
    /** The remote address as 4 or 16 bytes (for the encoder and the input fast path). */
    readonly remoteBytes: Uint8Array,
    readonly remotePort: number,
    readonly listener: Listener | null,
  ) {}
}

/** The connection table key for a 4-tuple (remote address as addressKey()). */
export function endpointKey(localIndex: number, localPort: number, remoteKey: string, remotePort: number): string {
  return `${remoteKey}|${remotePort}|${localPort}|${localIndex}`;
}
