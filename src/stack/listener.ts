// A LISTEN port: the bounded SYN queue (handshakes in progress) and the accept backlog
// (established connections the application has not taken yet), per RFC 9293 §3.10.7.2 and the
// usual two-queue design of BSD and Linux.

import type { LocalAddress } from '../base/interface-address.js';
import { SynQueue } from './syn-queue.js';

/**
 * Generic over its queue entries (the stack's Endpoint, see EndpointListener): an endpoint
 * points at its listener and a listener queues endpoints, and this keeps the import one-way.
 */
export class Listener<E> {
  /** Handshakes in SYN-RECEIVED for this port, oldest first. */
  readonly synQueue = new SynQueue<E>();
  /** When this listener last answered a SYN with a cookie (ACKs are checked for one until 2 min later). */
  lastCookieAt = -Infinity;
  readonly acceptQueue: E[] = [];
  /**
   * Connections opened by a returning SYN cookie whose 'established' event has not queued them
   * yet: a batch of cookie ACKs must not overfill the accept queue (the extra ones would be reset).
   */
  cookiePending = 0;
  closed = false;

  constructor(
    readonly port: number,
    /** null: every address of the stack (of either family). */
    readonly local: LocalAddress | null,
    readonly backlog: number,
    readonly synBacklog: number,
    /** Called when acceptQueue gains an entry. */
    readonly onAcceptable: () => void,
    /** With `local` null: the one family taken ('0.0.0.0' → 4, '::' with ipv6Only → 6), null both. */
    readonly family: 4 | 6 | null = null,
  ) {}

  /**
   * Whether a new SYN may start a handshake: the SYN queue has room, and every handshake in
   * progress will find room in the accept queue when it completes (the engine cannot hold back
   * a completed handshake the way Linux drops the final ACK, so the check happens at SYN time).
   */
  get synCount(): number {
    return this.synQueue.size;
  }

  /** The accept queue is full: a new SYN is dropped, cookie or not (as Linux tcp_conn_request). */
  get acceptFull(): boolean {
    return this.acceptQueue.length >= this.backlog;
  }

  get hasRoom(): boolean {
    return this.synCount < this.synBacklog && this.synCount + this.acceptQueue.length < this.backlog;
  }

  matches(local: LocalAddress): boolean {
    if (this.local !== null) return this.local.index === local.index;
    return this.family === null || this.family === local.version;
  }
}
