// startServices: the HTTP server, echo (RFC 862) and discard (RFC 863) on one Stack.

import http from 'node:http';
import type { Server } from '../stack/server.js';
import type { TcpSocket } from '../stack/socket.js';
import type { Stack } from '../stack/stack.js';
import { createServiceCounters, type ServiceCounters } from './counters.js';
import { createHttpHandler } from './http-app.js';
import { enforceHttpTimeouts } from './http-timeouts.js';
import { takeSnapshot, type ServicePorts, type StatsSnapshot } from './snapshot.js';

export interface ServiceOptions {
  /** Default 80. */
  httpPort?: number;
  /** Default 7. */
  echoPort?: number;
  /** Default 9. */
  discardPort?: number;
  /**
   * Options of the node:http server (headersTimeout, requestTimeout, keepAliveTimeout,
   * connectionsCheckingInterval, ...); Node's defaults otherwise (60 s, 300 s, 5 s, 30 s).
   * They are enforced although the server never listen()s (see enforceHttpTimeouts).
   */
  http?: http.ServerOptions;
  /**
   * TCP keep-alive on every accepted connection: idle ms before the first probe (default 60,000;
   * then the stack's tcp.keepAliveInterval and keepAliveProbes, 75 s and 9 as Linux), so a peer
   * that vanished without its RST arriving is reaped. 0 turns it off.
   */
  keepAliveMs?: number;
}

export interface CloseOptions {
  /** How long open connections get to finish after their FIN before they are reset (default 2000 ms). */
  graceMs?: number;
}

export interface Services {
  readonly http: Server;
  readonly echo: Server;
  readonly discard: Server;
  /** The node:http server behind `http` (its 'request' events, timeouts). */
  readonly httpServer: http.Server;
  readonly ports: ServicePorts;
  readonly counters: ServiceCounters;
  /** What /stats returns now. */
  snapshot(): StatsSnapshot;
  /**
   * Stops listening, ends every open connection (FIN) and resolves once all have closed; those
   * still open after `graceMs` are reset. The stack itself stays open.
   */
  close(options?: CloseOptions): Promise<void>;
}

function port(name: string, value: number | undefined, fallback: number): number {
  const p = value ?? fallback;
  if (!Number.isInteger(p) || p < 1 || p > 65535)
    throw new RangeError(`${name} must be a port number 1..65535, got ${p}`);
  return p;
}

export function startServices(stack: Stack, options: ServiceOptions = {}): Services {
  const ports: ServicePorts = {
    http: port('httpPort', options.httpPort, 80),
    echo: port('echoPort', options.echoPort, 7),
    discard: port('discardPort', options.discardPort, 9),
  };
  if (new Set([ports.http, ports.echo, ports.discard]).size !== 3) {
    throw new RangeError(
      `the http, echo and discard ports must differ, got ${ports.http}, ${ports.echo}, ${ports.discard}`,
    );
  }
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  if (!Number.isInteger(keepAliveMs) || keepAliveMs < 0)
    throw new RangeError(`keepAliveMs must be a non-negative integer, got ${keepAliveMs}`);
  const counters = createServiceCounters();
  const startedAt = stack.clock.now();
  const snapshot = (): StatsSnapshot => takeSnapshot(stack, startedAt, ports, counters);
  const open = new Set<TcpSocket>();

  /** Every accepted socket: counted, tracked for close(), and its errors kept from crashing us. */
  const track = (socket: TcpSocket): void => {
    open.add(socket);
    if (keepAliveMs > 0) socket.setKeepAlive(true, keepAliveMs);
    socket.on('error', () => {
      counters.socketErrors++;
    });
    socket.once('close', () => open.delete(socket));
  };

  const httpServer = http.createServer(options.http ?? {}, createHttpHandler(counters, snapshot));
  enforceHttpTimeouts(httpServer);
  const httpListener = stack
    .createServer((socket) => {
      track(socket);
      httpServer.emit('connection', socket);
    })
    .listen(ports.http);

  const echo = stack
    .createServer((socket) => {
      track(socket);
      counters.echo.connections++;
      socket.on('data', (d: Buffer) => {
        counters.echo.bytes += d.length;
      });
      // pipe: reading pauses while the send buffer is full, so a client that sends without
      // reading is slowed by TCP flow control instead of growing our memory.
      socket.pipe(socket);
    })
    .listen(ports.echo);

  const discard = stack
    .createServer((socket) => {
      track(socket);
      counters.discard.connections++;
      socket.on('data', (d: Buffer) => {
        counters.discard.bytes += d.length;
      });
      socket.on('end', () => socket.end());
    })
    .listen(ports.discard);

  let closing: Promise<void> | null = null;
  const close = (closeOptions: CloseOptions = {}): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const graceMs = closeOptions.graceMs ?? 2000;
      const servers = [httpListener, echo, discard];
      let pending = servers.length;
      const done = (): void => {
        if (--pending === 0) {
          deadline.cancel();
          // Only now: with its timeout checker running (enforceHttpTimeouts), close() also
          // destroys idle keep-alive connections, which on our sockets is a RST, not the FIN
          // they were just sent.
          httpServer.close();
          resolve();
        }
      };
      // A Server's 'close' waits for its accepted connections, so this resolves when all are gone.
      for (const s of servers) s.close(done);
      for (const socket of open) {
        // Echo's pipe unpipes once the writable side finishes, which would leave the peer's FIN
        // unread and the socket half-open: keep reading (and dropping) until the peer closes.
        socket.unpipe();
        socket.resume();
        socket.end();
      }
      // On the stack's clock, so virtual-time tests and benchmarks see the same grace period.
      const deadline = stack.clock.setTimer(stack.clock.now() + graceMs, () => {
        // Reset, not close(2): a graceful destroy() would leave them waiting on the peer as orphans.
        for (const socket of open) socket.resetAndDestroy();
      });
    });
    return closing;
  };

  return { http: httpListener, echo, discard, httpServer, ports, counters, snapshot, close };
}
