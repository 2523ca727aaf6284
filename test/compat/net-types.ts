// Compile-time test (npm run typecheck): our sockets and servers go where Node's types expect
// net.Socket / net.Server and into node:http, node:https, node:tls and node:http2, with no casts.
// Nothing here runs; a type error fails the typecheck.

import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import type * as https from 'node:https';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Server } from '../../src/stack/server.js';
import type { TcpSocket } from '../../src/stack/socket.js';

declare const socket: TcpSocket;
declare const server: Server;
declare const httpServer: http.Server;
declare const tlsModule: typeof tls;
declare const httpModule: typeof http;
declare const httpsModule: typeof https;
declare const http2Module: typeof http2;

export const asNetSocket: net.Socket = socket;
export const asNetServer: net.Server = server;

// Where Node takes a stream to run a protocol over.
export const tlsClient: tls.TLSSocket = tlsModule.connect({ socket, servername: 'example.test' });
export const tlsServerSide: tls.TLSSocket = new tlsModule.TLSSocket(socket, { isServer: true });
export const httpRequest: http.ClientRequest = httpModule.request({ createConnection: () => socket, path: '/' });
export const httpsRequest: http.ClientRequest = httpsModule.request({ createConnection: () => socket, path: '/' });
export const h2Session: http2.ClientHttp2Session = http2Module.connect('http://example.test', {
  createConnection: () => socket,
});
// node:http takes our accepted sockets as its own connections.
export const handedOver: boolean = httpServer.emit('connection', socket);
