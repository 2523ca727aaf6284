// Server: node:net's Server on the userspace stack. listen() registers a Listener; established
// connections waiting in its accept queue become TcpSockets and 'connection' events.

import { EventEmitter } from 'node:events';
import { normalizeListenArgs, type ServerListenOptions } from './listen-args.js';
import type { Endpoint, EndpointListener } from './endpoint.js';
import { serverAlreadyListen, serverNotRunning } from './net-errors.js';
import type { SystemError } from './node-errors.js';
import { watchListenSignal } from './abort-signal.js';
import { ProcessHold } from './process-hold.js';
import { localhostAddress } from './socket-connect.js';
import { TcpSocket } from './socket.js';
import type { SocketHost } from './socket-host.js';

export interface ServerOptions {
  /** Sockets keep their writable side open after the peer's FIN (default false). */
  allowHalfOpen?: boolean;
  /** Sockets get setNoDelay(true). */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  /** Accepted sockets start paused: nothing is read until resume() (node:net). */
  pauseOnConnect?: boolean;
}

export type ListenOptions = ServerListenOptions;

export interface ServerAddress {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

export class Server extends EventEmitter {
  readonly #host: SocketHost;
  readonly #options: ServerOptions;
  #listener: EndpointListener | null = null;
  /** Connections beyond this many are closed at once with a 'drop' event (node:net; 0: no limit). */
  maxConnections = 0;
  #draining = false;
  readonly #sockets = new Set<TcpSocket>();
  /**
   * Every accepted socket's 'close' listener: one function per server (the socket is `this`),
   * not a once() wrapper and closure per socket, which an idle connection would carry. A socket
   * counted once: one that closes again (connect() reopens a socket) finds itself gone.
   */
  readonly #socketClosed = (() => {
    const sockets = this.#sockets;
    const drained = () => this.#emitCloseIfDrained();
    return function (this: TcpSocket): void {
      if (sockets.delete(this)) drained();
    };
  })();
  /** ref()/unref() as net.Server: whether listening keeps the process alive. */
  readonly #hold: ProcessHold;

  /** @internal use stack.createServer() */
  constructor(host: SocketHost, options: ServerOptions, connectionListener?: (socket: TcpSocket) => void) {
    super();
    this.#host = host;
    this.#options = options;
    this.#hold = new ProcessHold(host);
    if (connectionListener) this.on('connection', connectionListener);
  }

  get listening(): boolean {
    return this.#listener !== null;
  }

  /** Open connections accepted by this server. */
  get connections(): number {
    return this.#sockets.size;
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, this.#sockets.size);
    return this;
  }

  // net.Server's overloads in its order, so a Server is a net.Server to TypeScript. A string
  // port must be numeric (no pipes here); null or no port: any free port.
  listen(port?: number | null, hostname?: string, backlog?: number, listeningListener?: () => void): this;
  listen(port?: number | null, hostname?: string, listeningListener?: () => void): this;
  listen(port?: number | null, backlog?: number, listeningListener?: () => void): this;
  listen(port?: number | null, listeningListener?: () => void): this;
  listen(port: string, backlog?: number, listeningListener?: () => void): this;
  listen(port: string, listeningListener?: () => void): this;
  listen(options: ListenOptions, listeningListener?: () => void): this;
  listen(listeningListener?: () => void): this;
  listen(...args: unknown[]): this {
    // node:net's order: arguments, then ERR_SERVER_ALREADY_LISTEN, then the port's checks.
    const request = normalizeListenArgs(args);
    if (this.#listener !== null) throw serverAlreadyListen();
    if (request.signal !== undefined) watchListenSignal(this, request.signal);
    if (request.callback) this.once('listening', request.callback);
    const host =
      request.host?.toLowerCase() === 'localhost'
        ? (localhostAddress(this.#host.addresses)?.address ?? request.host)
        : request.host;
    let listener: EndpointListener;
    try {
      listener = this.#host.listen(request.port, host, request.backlog, () => this.#scheduleAccept(), request.ipv6Only);
    } catch (error) {
      // node:net reports bind failures asynchronously as 'error' events.
      process.nextTick(() => this.emit('error', error as SystemError));
      return this;
    }
    this.#listener = listener;
    this.#hold.update(true);
    // Not if close() came first (node:net's emitListeningNT checks for the handle).
    process.nextTick(() => {
      if (this.#listener === listener) this.emit('listening');
    });
    return this;
  }

  address(): ServerAddress | null {
    const l = this.#listener;
    if (l === null) return null;
    if (l.local === null) {
      return l.family === 4
        ? { address: '0.0.0.0', family: 'IPv4', port: l.port }
        : { address: '::', family: 'IPv6', port: l.port };
    }
    return { address: l.local.address, family: l.local.version === 4 ? 'IPv4' : 'IPv6', port: l.port };
  }

  /**
   * Stops accepting new connections; 'close' follows once every accepted connection has closed
   * (as node:net). Handshakes not yet accepted are reset. On a server that is not listening the
   * callback gets ERR_SERVER_NOT_RUNNING and 'close' is still emitted, as node:net does.
   */
  close(callback?: (error?: Error) => void): this {
    if (typeof callback === 'function') {
      if (this.#listener === null) this.once('close', () => callback(serverNotRunning()));
      else this.once('close', () => callback());
    }
    if (this.#listener !== null) {
      this.#host.unlisten(this.#listener);
      this.#listener = null;
      this.#hold.update(false);
    }
    this.#emitCloseIfDrained();
    return this;
  }

  /** `await using server = ...`: closes the server and waits for its 'close', as net.Server. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#listener === null) return;
    await new Promise<void>((resolve, reject) => this.close((error) => (error ? reject(error) : resolve())));
  }

  /** node:net's captureRejections hook: a rejected async 'connection' handler destroys that socket. */
  override [EventEmitter.captureRejectionSymbol](error: Error, event: string, socket?: TcpSocket): void {
    if (event === 'connection' && socket !== undefined) socket.destroy(error);
    else this.emit('error', error);
  }

  /** As net.Server: a listening server keeps the process alive (real-time clock) unless unref()'d. */
  ref(): this {
    this.#hold.setRef(true, this.#listener !== null);
    return this;
  }

  unref(): this {
    this.#hold.setRef(false, this.#listener !== null);
    return this;
  }

  #scheduleAccept(): void {
    if (this.#draining) return;
    this.#draining = true;
    queueMicrotask(() => {
      this.#draining = false;
      this.#accept();
    });
  }

  #accept(): void {
    const listener = this.#listener;
    if (listener === null) return;
    const queue = listener.acceptQueue;
    while (queue.length > 0) {
      const ep = queue.shift()!;
      if (ep.closed && ep.error !== null) continue;
      if (this.maxConnections > 0 && this.#sockets.size >= this.maxConnections) {
        this.#drop(ep);
        continue;
      }
      const socket = new TcpSocket(this.#host, { allowHalfOpen: this.#options.allowHalfOpen ?? false });
      socket.attach(ep, false, this.#options.pauseOnConnect === true);
      if (this.#options.noDelay) socket.setNoDelay(true);
      if (this.#options.keepAlive) socket.setKeepAlive(true, this.#options.keepAliveInitialDelay);
      this.#sockets.add(socket);
      socket.on('close', this.#socketClosed);
      this.#host.stats.stack.accepted++;
      this.emit('connection', socket);
    }
  }

  /**
   * Over maxConnections: node:net emits 'drop' and closes the accepted descriptor, so the peer
   * sees a FIN, or a RST when data it sent was left unread (close(2) on Linux, RFC 2525 §2.17).
   */
  #drop(ep: Endpoint): void {
    const v4 = ep.local.version === 4;
    this.emit('drop', {
      localAddress: ep.local.address,
      localPort: ep.localPort,
      localFamily: v4 ? 'IPv4' : 'IPv6',
      remoteAddress: ep.remoteAddress,
      remotePort: ep.remotePort,
      remoteFamily: v4 ? 'IPv4' : 'IPv6',
    });
    if (ep.closed) return;
    // Closed as destroy() closes: FIN (or RST for unread data), then finished as an orphan.
    this.#host.release(ep, 'close', []);
  }

  #emitCloseIfDrained(): void {
    if (this.#listener !== null || this.#sockets.size > 0) return;
    process.nextTick(() => this.emit('close'));
  }
}
