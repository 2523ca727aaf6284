// Test plumbing for the services: a server Stack running startServices and a client Stack
// over a MemoryLink in virtual time, with small HTTP / raw TCP clients on the client stack.

import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { startServices, type ServiceOptions, type Services } from '../../src/serve/services.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { stackPair, type StackPair } from '../stack/harness.js';

export interface ServeHarness extends StackPair {
  services: Services;
}

export function serveHarness(options: ServiceOptions = {}): ServeHarness {
  const pair = stackPair({ delayMs: 1 });
  return { ...pair, services: startServices(pair.server, options) };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Pending<T> {
  result: () => T | Error | undefined;
}

/** One HTTP request over a new connection of the client stack. */
export function request(
  h: StackPair,
  options: http.RequestOptions & { host: string },
  body?: Buffer | string,
): Pending<Reply> & { response: () => http.IncomingMessage | undefined } {
  let result: Reply | Error | undefined;
  let response: http.IncomingMessage | undefined;
  const port = options.port === undefined ? 80 : Number(options.port);
  const req = http.request(
    {
      ...options,
      createConnection: (() => h.client.connect(port, options.host)) as unknown as () => Duplex,
    } as http.RequestOptions,
    (res) => {
      response = res;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        result = { status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) };
      });
    },
  );
  req.on('error', (e) => {
    result = e;
  });
  req.end(body);
  return { result: () => result, response: () => response };
}

export async function fetchReply(
  h: StackPair,
  options: http.RequestOptions & { host: string },
  body?: Buffer | string,
): Promise<Reply> {
  const r = request(h, options, body);
  await h.clock.runUntil(() => r.result() !== undefined, 60_000);
  const result = r.result()!;
  if (result instanceof Error) throw result;
  return result;
}

/** Sends `data` on a new connection, ends it, and collects what comes back until close. */
export function exchange(
  h: StackPair,
  port: number,
  host: string,
  data: Buffer,
): Pending<{ received: Buffer; gotEnd: boolean }> & { socket: TcpSocket } {
  const socket = h.client.connect(port, host);
  const chunks: Buffer[] = [];
  let gotEnd = false;
  let result: { received: Buffer; gotEnd: boolean } | Error | undefined;
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('end', () => {
    gotEnd = true;
  });
  socket.on('error', (e) => {
    result = e;
  });
  socket.on('close', () => {
    result ??= { received: Buffer.concat(chunks), gotEnd };
  });
  socket.end(data);
  return { socket, result: () => result };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
