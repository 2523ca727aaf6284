// Server: node:net's Server on the userspace stack. listen() registers a Listener; established
// connections waiting in its accept queue become TcpSockets and 'connection' events.

import { EventEmitter } from 'node:events';
import type { Listener } from './listener.js';
import type { SystemError } from './node-errors.js';
import { ProcessHold } from './process-hold.js';
import { TcpSocket } from './socket.js';
import type { Stack } from './stack.js';

export interface ServerOptions {
  /** Sockets keep their writable side open after the peer's FIN (default false). */
  allowHalfOpen?: boolean;
  /** Sockets get setNoDelay(true). */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

export interface ListenOptions {
  port?: number;
  host?: string;
  backlog?: number;
}

export interface ServerAddress {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

export class Server extends EventEmitter {
  readonly #stack: Stack;
  readonly #options: ServerOptions;
  #listener: Listener | null = null;
  #draining = false;
  readonly #sockets = new Set<TcpSocket>();
  #closing = false;
  /** ref()/unref() as net.Server: whether listening keeps the process alive. */
  readonly #hold: ProcessHold;

  /** @internal use stack.createServer() */
  constructor(stack: Stack, options: ServerOptions, connectionListener?: (socket: TcpSocket) => void) {
    super();
    this.#stack = stack;
    this.#options = options;
    this.#hold = new ProcessHold(stack);
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

  listen(port?: number, host?: string, callback?: () => void): this;
  listen(port: number, host: string, backlog: number, callback?: () => void): this;
  listen(port: number, callback?: () => void): this;
  listen(options: ListenOptions, callback?: () => void): this;
  listen(a?: number | ListenOptions, b?: string | (() => void), c?: number | (() => void), d?: () => void): this {
    let options: ListenOptions;
    let callback: (() => void) | undefined;
    if (typeof a === 'object' && a !== null) {
      options = a;
      callback = b as (() => void) | undefined;
    } else {
      options = { port: a ?? 0 };
      if (typeof b === 'function') callback = b;
      else {
        if (b !== undefined) options.host = b;
        // node:net's listen(port, host, backlog, callback)
        if (typeof c === 'number') {
          options.backlog = c;
          callback = d;
        } else {
          callback = c;
        }
      }
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0..65535, got ${String(port)}`);
    if (this.#listener !== null) throw Object.assign(new Error('Listen method has been called more than once without closing.'), { code: 'ERR_SERVER_ALREADY_LISTEN' });
    if (callback) this.once('listening', callback);
    try {
      this.#listener = this.#stack.listen(port, options.host, options.backlog, () => this.#scheduleAccept());
    } catch (error) {
      // node:net reports bind failures asynchronously as 'error' events.
      process.nextTick(() => this.emit('error', error as SystemError));
      return this;
    }
    this.#closing = false;
    this.#hold.update(true);
    process.nextTick(() => this.emit('listening'));
    return this;
  }

  address(): ServerAddress | null {
    const l = this.#listener;
    if (l === null) return null;
    if (l.local === null) return { address: '::', family: 'IPv6', port: l.port };
    return { address: l.local.address, family: l.local.version === 4 ? 'IPv4' : 'IPv6', port: l.port };
  }

  /**
   * Stops accepting new connections; 'close' follows once every accepted connection has closed
   * (as node:net). Handshakes not yet accepted are reset.
   */
  close(callback?: (error?: Error) => void): this {
    if (this.#listener === null) {
      const error = Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
      if (callback) process.nextTick(callback, error);
      return this;
    }
    if (callback) this.once('close', () => callback());
    this.#stack.unlisten(this.#listener);
    this.#listener = null;
    this.#hold.update(false);
    this.#closing = true;
    this.#maybeClosed();
    return this;
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
      const socket = new TcpSocket(this.#stack, { allowHalfOpen: this.#options.allowHalfOpen ?? false });
      socket.attach(ep, false);
      if (this.#options.noDelay) socket.setNoDelay(true);
      if (this.#options.keepAlive) socket.setKeepAlive(true, this.#options.keepAliveInitialDelay);
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.#maybeClosed();
      });
      this.#stack.stats.stack.accepted++;
      this.emit('connection', socket);
    }
  }

  #maybeClosed(): void {
    if (this.#closing && this.#sockets.size === 0) {
      this.#closing = false;
      process.nextTick(() => this.emit('close'));
    }
  }
}
