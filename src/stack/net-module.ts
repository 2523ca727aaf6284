// createNet(stack): a module shaped like node:net whose servers and sockets are one Stack's,
// for code (or libraries) that take a `net` module rather than calling stack.connect(). Functions
// that do not open TCP (isIP, BlockList, SocketAddress...) are node:net's own.

import * as realNet from 'node:net';
import { Server, type ServerOptions } from './server.js';
import { TcpSocket, type TcpSocketOptions } from './socket.js';
import type { Stack } from './stack.js';

/** The `connection` listener a Server calls with each accepted socket. */
export type ConnectionListener = (socket: TcpSocket) => void;

/** `new Socket(options)` and `Socket(options)` both give a TcpSocket on the stack; instanceof works. */
export interface SocketConstructor {
  new (options?: TcpSocketOptions): TcpSocket;
  (options?: TcpSocketOptions): TcpSocket;
  readonly prototype: TcpSocket;
}

export interface ServerConstructor {
  new (options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener): Server;
  (options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener): Server;
  readonly prototype: Server;
}

export interface NetModule extends Omit<
  typeof realNet,
  'Socket' | 'Stream' | 'Server' | 'createServer' | 'connect' | 'createConnection'
> {
  Socket: SocketConstructor;
  Stream: SocketConstructor;
  Server: ServerConstructor;
  createServer(connectionListener?: ConnectionListener): Server;
  createServer(options: ServerOptions, connectionListener?: ConnectionListener): Server;
  connect(...args: unknown[]): TcpSocket;
  createConnection(...args: unknown[]): TcpSocket;
}

export function createNet(stack: Stack): NetModule {
  const Socket = function (options?: TcpSocketOptions): TcpSocket {
    return new TcpSocket({ ...options, stack });
  } as unknown as SocketConstructor;
  (Socket as { prototype: unknown }).prototype = TcpSocket.prototype;

  const NetServer = function (options?: ServerOptions | ConnectionListener, listener?: ConnectionListener): Server {
    return typeof options === 'function' || options === undefined
      ? stack.createServer(typeof options === 'function' ? options : listener)
      : stack.createServer(options, listener);
  } as unknown as ServerConstructor;
  (NetServer as { prototype: unknown }).prototype = Server.prototype;

  // net.connect(port[, host][, cb]) / net.connect(options[, cb]): the socket takes the options
  // that belong to the constructor (allowHalfOpen, signal...), then connect() takes all of them.
  const connect = (...args: unknown[]): TcpSocket => {
    const first = args[0];
    const options = typeof first === 'object' && first !== null ? (first as TcpSocketOptions) : {};
    const socket = new TcpSocket({ ...options, stack });
    return (socket.connect as (...a: unknown[]) => TcpSocket)(...args);
  };

  return {
    ...realNet,
    Socket,
    Stream: Socket,
    Server: NetServer,
    createServer: NetServer as NetModule['createServer'],
    connect,
    createConnection: connect,
  };
}
