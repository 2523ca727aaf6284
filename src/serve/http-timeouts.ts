// node:http enforces headersTimeout and requestTimeout (slowloris protection) with a checker that
// a server starts when it begins listening: http.Server runs it on its own 'listening' event.
// A server fed with our sockets (httpServer.emit('connection', socket)) never listen()s, so the
// checker never starts and a client sending one header byte at a time is never closed. Emitting
// 'listening' once, before the first connection, starts Node's own checker (Node's test suite
// does the same); connections emitted afterwards are tracked and closed with 408 when late.
// keepAliveTimeout and server.timeout need nothing: they are socket timeouts (socket.setTimeout),
// which TcpSocket runs on the stack's clock.

import type http from 'node:http';

/**
 * Starts node:http's header / request timeout checker on a server that is fed sockets instead of
 * listening. Call it once, before handing it connections. Its interval is Node's, on real time
 * (connectionsCheckingInterval, default 30 s), unreferenced; server.close() stops it.
 */
export function enforceHttpTimeouts(server: http.Server): void {
  if (server.listening) return; // listen() started the checker already
  server.emit('listening');
}
