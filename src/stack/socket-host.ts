// What a TcpSocket and a Server need from the stack they live on, and nothing more. Stack
// implements it; the socket and the server import only this module, never stack.ts, so the
// three do not import each other (test/architecture/ checks it) and a socket can be driven by
// any host that keeps these promises (cf. node:net's Socket over a libuv handle).

import type { Clock } from '../base/clock.js';
import type { LocalAddress } from '../base/interface-address.js';
import type { ConnectOptions } from './connect-args.js';
import type { Endpoint, EndpointListener, EndpointOwner } from './endpoint.js';
import type { ReleaseMode } from './orphans.js';
import type { StackStats } from './stats.js';

/** The socket side of an active open: the host binds it to the new table entry. */
export interface HostedSocket extends EndpointOwner {
  /** Binds the socket to `ep`; `active` for connect(), false for accepted connections. */
  attach(ep: Endpoint, active: boolean, paused?: boolean): void;
  destroy(error?: Error): unknown;
  setNoDelay(noDelay?: boolean): unknown;
  setKeepAlive(enable?: boolean, initialDelay?: number): unknown;
}

/** The stack as its sockets and servers see it (implemented by Stack). */
export interface SocketHost {
  /** Time for idle timeouts and for the engine calls a socket makes (close). */
  readonly clock: Clock;
  /** The stack's own addresses ('localhost' and connect() to 0.0.0.0 resolve among them). */
  readonly addresses: readonly LocalAddress[];
  /** Counters; a server counts the connections it accepts. */
  readonly stats: StackStats;
  /** Queues `ep` to be polled for segments and events: after every change a socket makes to it. */
  markDirty(ep: Endpoint): void;
  /** The socket on `ep` is destroyed: close(2) ('close') or abort with RST ('abort'). */
  release(ep: Endpoint, mode: ReleaseMode, unsent: Uint8Array[]): void;
  /** A ref'd, active socket or server keeps the process alive: take (+1) or give back (-1) a hold. */
  hold(delta: 1 | -1): void;
  /** connect(), once the host is an address: allocate the port, send the SYN, attach `socket`. */
  openSocket(socket: HostedSocket, options: ConnectOptions): void;
  /** Registers a listener; throws EADDRINUSE / EADDRNOTAVAIL as node:net's listen(). */
  listen(
    port: number,
    host: string | undefined,
    backlog: number | undefined,
    onAcceptable: () => void,
    ipv6Only?: boolean,
  ): EndpointListener;
  /** Stops a listener; handshakes not yet accepted are reset. */
  unlisten(listener: EndpointListener): void;
}
