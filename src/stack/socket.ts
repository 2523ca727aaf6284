// TcpSocket: a stream.Duplex over one Connection, with net.Socket's events and members so code
// written for node:net (node:http included) runs on the userspace stack. Reading only what the
// stream wants keeps the TCP receive window honest; writes beyond the send buffer wait for the
// connection's 'writable' event, so write() returns false and 'drain' follows as in node:net.

import type { SocketConnectOpts } from 'node:net';
import { Duplex } from 'node:stream';
import { watchSocketSignal } from './abort-signal.js';
import { socketClosed, socketClosedBeforeConnection, timerDuration, validateFunction } from './net-errors.js';
import { deliverOnread, validateOnread, type OnReadOptions } from './onread.js';
import { writeAfterFin } from './socket-write.js';
import type { Timer } from '../base/clock.js';
import { normalizeConnectArgs, type SocketConnectOptions } from './connect-args.js';
import type { Endpoint } from './endpoint.js';
import type { SocketHost } from './socket-host.js';
import { systemError, type SystemErrorCode } from './node-errors.js';
import { startConnect } from './socket-connect.js';

export interface TcpSocketOptions {
  /**
   * The stack the socket's connection lives on (for `new TcpSocket({ stack })` then connect()):
   * a Stack, seen through the narrow interface sockets use.
   */
  stack?: SocketHost;
  /** Keep the writable side open after the peer's FIN (default false, as node:net). */
  allowHalfOpen?: boolean;
  /** Stream buffer sizes, as net.Socket passes them to stream.Duplex. */
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  /** Destroys the socket with an AbortError when aborted (node:net). */
  signal?: AbortSignal;
  /** Deliver received bytes into this buffer through the callback instead of 'data' events. */
  onread?: OnReadOptions;
}

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  callback: (error?: Error | null) => void;
}

// Not `implements EndpointOwner`: its members here are marked internal, so the published .d.ts
// drops them and the clause would not compile there; `ep.owner = this` in attach() checks the
// shape. (tsc strips any declaration with that tag in a comment before it: do not write it here.)
// TcpSocket's booleans, bits of one integer field (#bits): an idle socket holds one field for
// them, not seven (8 bytes each on Node's V8).
const READING = 1;
const PEER_ENDED = 2;
const PUSHED_END = 4;
const NO_DELAY = 8;
const RESET = 16;
/** ref()/unref() as net.Socket: whether this socket, while open, keeps the process alive. */
const HOLD_REF = 32;
/** The socket holds one of the stack's keep-alive holds now. */
const HELD = 64;

/**
 * node:net: once the peer's FIN was read, a write after our own end() fails with EPIPE. One
 * function for every socket (as net.js's onReadableStreamEnd), not a closure per socket.
 */
function onReadableEnd(this: TcpSocket): void {
  if (!this.allowHalfOpen) this.write = writeAfterFin;
}

export class TcpSocket extends Duplex {
  /** Bytes delivered to the reader. */
  bytesRead = 0;
  /** True from connect() until the handshake completes (or fails). */
  connecting = false;

  readonly #host: SocketHost;
  #ep: Endpoint | null = null;
  get #reading(): boolean {
    return (this.#bits & READING) !== 0;
  }
  set #reading(on: boolean) {
    this.#bits = on ? this.#bits | READING : this.#bits & ~READING;
  }
  get #peerEnded(): boolean {
    return (this.#bits & PEER_ENDED) !== 0;
  }
  set #peerEnded(on: boolean) {
    this.#bits = on ? this.#bits | PEER_ENDED : this.#bits & ~PEER_ENDED;
  }
  get #pushedEnd(): boolean {
    return (this.#bits & PUSHED_END) !== 0;
  }
  set #pushedEnd(on: boolean) {
    this.#bits = on ? this.#bits | PUSHED_END : this.#bits & ~PUSHED_END;
  }
  #bytesWritten = 0;
  #pendingWrite: PendingWrite | null = null;
  /** net.connect({ onread }): deliver into the app's buffer instead of pushing 'data'. */
  #onread: OnReadOptions | null = null;
  /** Work that waits for the handshake (writes and end() issued while connecting). */
  #afterConnect: Array<() => void> | null = null;
  #timeoutMs = 0;
  #timeoutTimer: Timer | null = null;
  #lastActivity = 0;
  get #noDelay(): boolean {
    return (this.#bits & NO_DELAY) !== 0;
  }
  set #noDelay(on: boolean) {
    this.#bits = on ? this.#bits | NO_DELAY : this.#bits & ~NO_DELAY;
  }
  /** The socket's booleans (bits below), one field instead of seven; see the accessors. */
  #bits = HOLD_REF;
  /** resetAndDestroy(): the destroy that follows aborts with RST. */
  get #reset(): boolean {
    return (this.#bits & RESET) !== 0;
  }
  set #reset(on: boolean) {
    this.#bits = on ? this.#bits | RESET : this.#bits & ~RESET;
  }

  /**
   * `new TcpSocket({ stack })` makes an unconnected socket for connect(), as `new net.Socket()`;
   * stack.connect() and a Server make connected ones.
   */
  constructor(options: TcpSocketOptions & { stack: SocketHost });
  /** @internal */
  constructor(stack: SocketHost, options?: TcpSocketOptions);
  constructor(a: SocketHost | (TcpSocketOptions & { stack: SocketHost }), b: TcpSocketOptions = {}) {
    const options = 'stack' in a ? a : b;
    // 'close' is emitted by _destroy with net.Socket's hadError argument.
    const { highWaterMark, readableHighWaterMark, writableHighWaterMark } = options;
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      emitClose: false,
      autoDestroy: true,
      ...(highWaterMark !== undefined ? { highWaterMark } : {}),
      ...(readableHighWaterMark !== undefined ? { readableHighWaterMark } : {}),
      ...(writableHighWaterMark !== undefined ? { writableHighWaterMark } : {}),
    });
    this.#host = 'stack' in a ? a.stack : a;
    if (options.signal !== undefined) watchSocketSignal(this, options.signal);
    if (options.onread !== undefined) this.#onread = validateOnread(options.onread);
    this.on('end', onReadableEnd);
  }

  // With onread, pause() and resume() stop and restart delivery themselves: no stream buffer
  // is involved to ask for more (node:net does the same with readStop/readStart).
  override pause(): this {
    if (this.#onread !== null) {
      this.#reading = false;
      this.#refreshHold();
    }
    return super.pause();
  }

  override resume(): this {
    if (this.#onread !== null && !this.#reading) {
      this.#reading = true;
      process.nextTick(() => this.#pull());
    }
    return super.resume();
  }

  /**
   * The addresses connect() tried, "address:port" (node:net fills it when it races families;
   * ours tries the one address the host resolved to).
   */
  get autoSelectFamilyAttemptedAddresses(): string[] {
    const ep = this.#ep;
    return ep === null ? [] : [`${ep.remoteAddress}:${ep.remotePort}`];
  }

  /** Legacy name of `connecting` (net.Socket still has it). */
  get _connecting(): boolean {
    return this.connecting;
  }

  /**
   * Opens a connection, as net.Socket#connect: connect(port[, host][, cb]) or
   * connect(options[, cb]); host defaults to 'localhost' (the stack's 127.0.0.1 or ::1). A
   * socket that was closed can connect again.
   */
  // net.Socket's overloads in its order (a string port must be numeric: a Stack has no pipes).
  connect(options: SocketConnectOptions | SocketConnectOpts, connectListener?: () => void): this;
  connect(port: number | string, host: string, connectListener?: () => void): this;
  connect(port: number | string, connectListener?: () => void): this;
  connect(...args: unknown[]): this {
    const [options, callback] = normalizeConnectArgs(args);
    if (this.destroyed) this.#forgetConnection();
    if (this.write !== TcpSocket.prototype.write) this.write = TcpSocket.prototype.write;
    if (callback !== null) this.once('connect', callback);
    this.connecting = true;
    this.#refreshHold();
    startConnect(this, this.#host, options);
    return this;
  }

  /** Back to the state of a new socket (node:net's _undestroy on reconnect). */
  #forgetConnection(): void {
    this.#ep = null;
    this.#reading = false;
    this.#peerEnded = false;
    this.#pushedEnd = false;
    this.#pendingWrite = null;
    this.#reset = false;
    // The counters are per connection (node:net's come from the new handle).
    this.#bytesWritten = 0;
    this.bytesRead = 0;
    (this as unknown as { _undestroy(): void })._undestroy();
  }

  /** @internal Binds the socket to a table entry; `active` for connect(), false for accepted ones. */
  attach(ep: Endpoint, active: boolean, paused = false): void {
    this.#ep = ep;
    ep.owner = this;
    this.connecting = active;
    this.#refreshHold();
    if (!active) {
      // Accepted: whatever happened while it waited in the accept queue is replayed now.
      this.#touch();
      if (ep.peerEnded) this.#peerEnded = true;
      // As net.Socket's constructor with a handle: start the flow of data into the buffer, unless
      // the server has pauseOnConnect.
      if (paused) this.pause();
      else this.read(0);
      if (ep.error !== null) {
        const code = ep.error;
        process.nextTick(() => this._onTcpError(code));
      } else if (ep.closed) {
        process.nextTick(() => this._onTcpClosed());
      }
    }
  }

  // ---- net.Socket members ------------------------------------------------------------------

  get localAddress(): string | undefined {
    return this.#ep?.local.address;
  }
  get localPort(): number | undefined {
    return this.#ep?.localPort;
  }
  // The peer's name is known once connected (getpeername(2) fails before), as net.Socket.
  get remoteAddress(): string | undefined {
    return this.connecting ? undefined : this.#ep?.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.connecting ? undefined : this.#ep?.remotePort;
  }
  get remoteFamily(): 'IPv4' | 'IPv6' | undefined {
    return this.connecting ? undefined : this.#familyName();
  }
  get localFamily(): 'IPv4' | 'IPv6' | undefined {
    return this.#familyName();
  }
  /**
   * Bytes passed to write()/end(), as net.Socket counts them: those the stream has handed to the
   * socket plus those still queued in it (a UTF-8 string counts its bytes, not its characters).
   */
  get bytesWritten(): number {
    let bytes = this.#bytesWritten;
    const queue = (this as unknown as { writableBuffer?: Array<{ chunk: Buffer | string; encoding: BufferEncoding }> })
      .writableBuffer;
    for (const queued of queue ?? []) {
      bytes +=
        typeof queued.chunk === 'string' ? Buffer.byteLength(queued.chunk, queued.encoding) : queued.chunk.length;
    }
    return bytes;
  }
  /**
   * Bytes written and not yet handed to the engine: writableLength, as net.Socket (which gives
   * undefined before it has a handle; @types/node and we say 0).
   */
  get bufferSize(): number {
    return this.writableLength;
  }
  /** True until connected and again once closed, as net.Socket (no handle, or connecting). */
  get pending(): boolean {
    return this.#ep === null || this.connecting || this.destroyed;
  }
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.destroyed || this.#ep === null) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
  /** The TCP state of the underlying connection ('CLOSED' once detached). */
  get tcpState(): string {
    return this.#ep?.state ?? 'CLOSED';
  }

  /** @internal The engine's connection (tests and diagnostics). */
  get _connection(): Endpoint['conn'] | undefined {
    return this.#ep?.conn;
  }

  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } | Record<string, never> {
    const ep = this.#ep;
    if (!ep) return {};
    return { address: ep.local.address, family: ep.local.version === 4 ? 'IPv4' : 'IPv6', port: ep.localPort };
  }

  #familyName(): 'IPv4' | 'IPv6' | undefined {
    const ep = this.#ep;
    return ep ? (ep.local.version === 4 ? 'IPv4' : 'IPv6') : undefined;
  }

  setNoDelay(noDelay = true): this {
    this.#noDelay = noDelay;
    const ep = this.#ep;
    if (ep && !ep.closed) {
      ep.setNoDelay(noDelay);
      this.#host.markDirty(ep);
    }
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    const ep = this.#ep;
    if (ep && !ep.closed) {
      ep.setKeepAlive(enable, initialDelay > 0 ? initialDelay : undefined);
      this.#host.markDirty(ep);
    }
    return this;
  }

  /** Emits 'timeout' after `ms` of inactivity (no bytes in or out); 0 turns it off. */
  setTimeout(ms: number, callback?: () => void): this {
    // node:net's checks and errors (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE); a destroyed socket ignores it.
    if (this.destroyed) return this;
    timerDuration(ms, 'msecs');
    if (callback !== undefined) {
      validateFunction(callback, 'callback');
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#timeoutMs = ms;
    this.#timeoutTimer?.cancel();
    this.#timeoutTimer = null;
    if (ms > 0) {
      this.#lastActivity = this.#host.clock.now();
      this.#armTimeout();
    }
    return this;
  }

  get timeout(): number | undefined {
    return this.#timeoutMs > 0 ? this.#timeoutMs : undefined;
  }

  /** As net.Socket: an open socket keeps the process alive (real-time clock) unless unref()'d. */
  ref(): this {
    this.#bits |= HOLD_REF;
    this.#setHold(this.#active());
    return this;
  }

  unref(): this {
    this.#bits &= ~HOLD_REF;
    this.#setHold(this.#active());
    return this;
  }

  /**
   * Whether the socket holds the process, as a libuv TCP handle is active: while connecting, while
   * a write waits for room, or while reading before the peer's FIN. A paused socket, or one the
   * peer has ended and that has nothing to write, does not keep a node:net process alive either.
   */
  /**
   * Holds the stack's keep-alive (SocketHost.hold) while active and ref'd, as ProcessHold does for
   * a Server: kept in two bits here, not an object per socket.
   */
  #setHold(active: boolean): void {
    const want = (this.#bits & HOLD_REF) !== 0 && active;
    if (want === ((this.#bits & HELD) !== 0)) return;
    this.#bits = want ? this.#bits | HELD : this.#bits & ~HELD;
    this.#host.hold(want ? 1 : -1);
  }

  #active(): boolean {
    if (this.destroyed) return false;
    if (this.connecting) return true;
    if (this.#ep === null) return false;
    return this.#pendingWrite !== null || (this.#reading && !this.#peerEnded);
  }

  #refreshHold(): void {
    this.#setHold(this.#active());
  }

  /** Closes with RST instead of FIN and drops unsent data (node:net's resetAndDestroy). */
  resetAndDestroy(): this {
    // node:net: without a handle (never connected, or closed) there is nothing to reset.
    if (this.#ep === null && !this.connecting) return this.destroy(socketClosed());
    this.#reset = true;
    return this.destroy();
  }

  /** end(), then destroy() once everything written has been handed to TCP (as node:net). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  // ---- Duplex implementation ---------------------------------------------------------------

  override _read(): void {
    this.#reading = true;
    this.#pull();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#bytesWritten += chunk.length;
    if (this.connecting) {
      // As node:net: a write still waiting for the handshake fails if the socket closes first.
      const onClose = () => callback(socketClosedBeforeConnection());
      this.once('close', onClose);
      (this.#afterConnect ??= []).push(() => {
        this.off('close', onClose);
        this.#startWrite(chunk, callback);
      });
      return;
    }
    this.#startWrite(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.connecting) {
      (this.#afterConnect ??= []).push(() => this._final(callback));
      return;
    }
    const ep = this.#ep;
    if (ep && !ep.closed) {
      ep.close(this.#host.clock.now());
      this.#host.markDirty(ep);
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#timeoutTimer?.cancel();
    this.#timeoutTimer = null;
    const ep = this.#ep;
    if (ep && ep.owner === this) {
      // destroy() is close(2), as node:net's: what write() accepted is still sent, then FIN, and
      // the connection finishes on its own; RST only for unread data or resetAndDestroy() (the
      // stack decides, see orphans.ts). Writes still queued while connecting die with the SYN.
      const unsent = this.connecting || this.#reset ? [] : this.#unsentWrites();
      this.#host.release(ep, this.#reset ? 'abort' : 'close', unsent);
    }
    this.#afterConnect = null;
    this.#pendingWrite = null;
    this.connecting = false;
    this.#setHold(false);
    callback(error);
    // After the callback, so 'error' (queued by it) comes before 'close', as in node:net.
    process.nextTick(() => this.emit('close', error !== null && error !== undefined));
  }

  /**
   * Bytes write() accepted that TCP's send buffer has not taken yet: the rest of the chunk being
   * written and the stream's queue. Writable.destroy() fails the queued callbacks only on the next
   * tick, so the queue is still there during _destroy (writableBuffer: Node's getter over it).
   */
  #unsentWrites(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const pending = this.#pendingWrite;
    if (pending !== null && pending.offset < pending.data.length) out.push(pending.data.subarray(pending.offset));
    const queued = (this as unknown as { writableBuffer?: Array<{ chunk: unknown }> }).writableBuffer ?? [];
    for (const { chunk } of queued) {
      if (chunk instanceof Uint8Array) out.push(chunk);
      else if (typeof chunk === 'string') out.push(Buffer.from(chunk));
    }
    return out;
  }

  // ---- events from the connection (EndpointOwner; called by the stack) ---------------------

  /** @internal */
  _onTcpReadable(): void {
    this.#pull();
  }

  /** @internal */
  _onTcpWritable(): void {
    this.#continueWrite();
  }

  /** @internal */
  _onTcpEnd(): void {
    this.#peerEnded = true;
    this.#pull();
  }

  /** @internal */
  _onTcpEstablished(): void {
    if (!this.connecting) return;
    this.connecting = false;
    this.#touch();
    if (this.#noDelay) this.setNoDelay(true);
    this.emit('connect');
    // Writes made while connecting go out after the 'connect' listeners ran, as in node:net
    // (whose queued write is itself a 'connect' listener): their callbacks see a connected socket.
    const queued = this.#afterConnect;
    this.#afterConnect = null;
    if (queued !== null) for (const run of queued) run();
    this.emit('ready');
    // node:net starts reading at once (into the stream's buffer, up to highWaterMark) unless the
    // app paused the socket, so a FIN is seen even by an app that never reads.
    if (!this.isPaused()) this.read(0);
    this.#refreshHold();
  }

  #pull(): void {
    this.#pullData();
    this.#refreshHold();
  }

  #pullData(): void {
    const ep = this.#ep;
    if (ep === null || this.#pushedEnd) return;
    let read = false;
    if (this.#onread !== null && this.#reading && ep.readable > 0) {
      const { bytes, stop } = deliverOnread(ep, this.#onread, this, () => this.#reading);
      this.bytesRead += bytes;
      read = bytes > 0;
      if (stop) this.#reading = false;
    }
    while (this.#reading && ep.readable > 0) {
      const chunk = ep.read();
      if (chunk === null) break;
      read = true;
      this.bytesRead += chunk.length;
      if (!this.push(chunk)) this.#reading = false;
    }
    if (read) {
      this.#touch();
      // Reading opened the receive window: the engine may owe the peer a window update.
      this.#host.markDirty(ep);
    }
    if (this.#peerEnded && ep.readable === 0) {
      this.#pushedEnd = true;
      // node:net asks a buffer function for the read that finds EOF too (libuv allocates first).
      if (typeof this.#onread?.buffer === 'function') this.#onread.buffer();
      this.push(null);
      // As node:net on EOF: read(0) so that 'end' (and then 'close') comes even when the app
      // never reads, provided nothing is left buffered.
      this.read(0);
    }
  }

  #startWrite(chunk: Uint8Array, callback: (error?: Error | null) => void): void {
    const ep = this.#ep;
    if (ep === null || ep.closed) {
      callback(systemError('EPIPE', 'write'));
      return;
    }
    this.#pendingWrite = { data: chunk, offset: 0, callback };
    this.#continueWrite();
    this.#refreshHold();
  }

  #continueWrite(): void {
    const pending = this.#pendingWrite;
    const ep = this.#ep;
    if (pending === null || ep === null) return;
    const rest = pending.offset === 0 ? pending.data : pending.data.subarray(pending.offset);
    const accepted = ep.write(rest);
    if (accepted > 0) {
      pending.offset += accepted;
      this.#touch();
      this.#host.markDirty(ep);
    }
    if (pending.offset >= pending.data.length) {
      this.#pendingWrite = null;
      this.#refreshHold();
      pending.callback();
    }
  }

  /** @internal */
  _onTcpError(code: string): void {
    if (this.destroyed) return;
    const remote = this.#ep;
    let syscall = 'read';
    if (code === 'EPIPE') syscall = 'write';
    else if (this.connecting) syscall = 'connect';
    const withAddress = syscall === 'connect' && remote !== null;
    this.destroy(
      systemError(
        code as SystemErrorCode,
        syscall,
        withAddress ? remote.remoteAddress : undefined,
        withAddress ? remote.remotePort : undefined,
      ),
    );
  }

  /** @internal */
  _onTcpClosed(): void {
    // The entry stays referenced: in-order data the reader has not taken yet is still readable.
    if (this.destroyed) return;
    if (!this.#peerEnded) {
      // Closed without the peer's FIN reaching us and without an error: the stack went away.
      // A socket the application already ended expects no more from it: no error thrown at it.
      this.destroy(this.writableEnded ? undefined : systemError('ECONNRESET', 'read'));
    }
  }

  // ---- idle timeout --------------------------------------------------------------------------

  #touch(): void {
    if (this.#timeoutMs === 0) return;
    this.#lastActivity = this.#host.clock.now();
    if (this.#timeoutTimer === null) this.#armTimeout();
  }

  #armTimeout(): void {
    const clock = this.#host.clock;
    // Unreferenced, as node:net's socket timeouts: an idle timer alone does not hold the process.
    this.#timeoutTimer = clock.setTimer(this.#lastActivity + this.#timeoutMs, () => {
      this.#timeoutTimer = null;
      if (this.destroyed || this.#timeoutMs === 0) return;
      const due = this.#lastActivity + this.#timeoutMs;
      if (clock.now() >= due) this.emit('timeout');
      else this.#armTimeout();
    });
    this.#timeoutTimer.unref?.();
  }
}
