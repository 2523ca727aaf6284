// One row of the connection table: a Connection and what the stack needs around it (addresses,
// its place in the deadline heap, the socket it feeds, the listener it came from).

import type { Connection } from '../tcp/connection.js';
import type { HeapItem } from '../base/deadline-heap.js';
import type { LocalAddress } from '../base/interface-address.js';
import type { Listener } from './listener.js';
import type { TcpState } from '../tcp/state.js';

/** A listener whose queues hold endpoints. */
export type EndpointListener = Listener<Endpoint>;

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

// The endpoint's booleans, packed into one small integer: an idle connection's row holds one
// field for them instead of eight (each field is 8 bytes on a 64-bit V8 without pointer
// compression, as Node ships), read and written through the accessors below.
const DIRTY = 1;
const IN_SYN_QUEUE = 2;
const COOKIE_PENDING = 4;
const PEER_ENDED = 8;
const ESTABLISHED = 16;
const CLOSED = 32;
const QUIET = 64;
const ORPHAN = 128;

export class Endpoint implements HeapItem {
  deadline = Infinity;
  heapIndex = -1;
  owner: EndpointOwner | null = null;
  error: string | null = null;
  /** An orphan's FIN-WAIT-2 deadline (Infinity until it reaches FIN-WAIT-2). */
  finTimeoutAt = Infinity;
  /** Clock time of the last handleTimeout call (guards against a deadline that does not move). */
  timedOutAt = -1;
  #flags = 0;

  #flag(bit: number): boolean {
    return (this.#flags & bit) !== 0;
  }

  #setFlag(bit: number, on: boolean): void {
    this.#flags = on ? this.#flags | bit : this.#flags & ~bit;
  }

  /** In the stack's dirty list (to be polled for segments and events). */
  get dirty(): boolean {
    return this.#flag(DIRTY);
  }
  set dirty(on: boolean) {
    this.#setFlag(DIRTY, on);
  }
  /** Passive open still counted in its listener's SYN queue. */
  get inSynQueue(): boolean {
    return this.#flag(IN_SYN_QUEUE);
  }
  set inSynQueue(on: boolean) {
    this.#setFlag(IN_SYN_QUEUE, on);
  }
  /** Opened by a SYN cookie and counted in its listener's cookiePending until accept-queued. */
  get cookiePending(): boolean {
    return this.#flag(COOKIE_PENDING);
  }
  set cookiePending(on: boolean) {
    this.#setFlag(COOKIE_PENDING, on);
  }
  /** Events that arrived before a socket was attached (passive opens waiting in the accept queue). */
  get peerEnded(): boolean {
    return this.#flag(PEER_ENDED);
  }
  set peerEnded(on: boolean) {
    this.#setFlag(PEER_ENDED, on);
  }
  get established(): boolean {
    return this.#flag(ESTABLISHED);
  }
  set established(on: boolean) {
    this.#setFlag(ESTABLISHED, on);
  }
  get closed(): boolean {
    return this.#flag(CLOSED);
  }
  set closed(on: boolean) {
    this.#setFlag(CLOSED, on);
  }
  /** Counted among the stack's quiet connections (TIME-WAIT, orphans in FIN-WAIT-2). */
  get quiet(): boolean {
    return this.#flag(QUIET);
  }
  set quiet(on: boolean) {
    this.#setFlag(QUIET, on);
  }
  /** The socket let go of it before TCP finished (see orphans.ts). */
  get orphan(): boolean {
    return this.#flag(ORPHAN);
  }
  set orphan(on: boolean) {
    this.#setFlag(ORPHAN, on);
  }

  constructor(
    readonly key: string,
    readonly conn: Connection,
    readonly local: LocalAddress,
    readonly remoteAddress: string,
    /** The remote address as 4 or 16 bytes (for the encoder and the input fast path). */
    readonly remoteBytes: Uint8Array,
    readonly listener: EndpointListener | null,
  ) {}

  // The ports are the connection's (one copy per connection, not two).
  get localPort(): number {
    return this.conn.localPort;
  }

  get remotePort(): number {
    return this.conn.remotePort;
  }

  // What a socket does to its connection, so TcpSocket never reaches into `conn` (it then tells
  // its host markDirty(), which polls the engine for what the change made it send).

  /** The engine's TCP state. */
  get state(): TcpState {
    return this.conn.state;
  }

  /** In-order received bytes not read yet. */
  get readable(): number {
    return this.conn.readable;
  }

  /** Takes up to `max` received bytes (all that are ready without it); null when none are. */
  read(max?: number): Uint8Array | null {
    return this.conn.read(max);
  }

  /** Queues bytes to send; returns how many the send buffer took. */
  write(data: Uint8Array): number {
    return this.conn.write(data);
  }

  /** The application's close (FIN after what is queued), as shutdown(SHUT_WR). */
  close(now: number): void {
    this.conn.close(now);
  }

  setNoDelay(noDelay: boolean): void {
    this.conn.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    this.conn.setKeepAlive(enable, initialDelayMs);
  }
}

/** The connection table key for a 4-tuple (remote address as addressKey()). */
export function endpointKey(localIndex: number, localPort: number, remoteKey: string, remotePort: number): string {
  return `${remoteKey}|${remotePort}|${localPort}|${localIndex}`;
}
