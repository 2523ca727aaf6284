import { expect } from 'chai';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { TcpSocket } from '../../src/stack/socket.js';
import { SERVER_V4, SERVER_V6, stackPair, type StackPair } from './harness.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  agent: http.Agent,
  options: http.RequestOptions,
  body?: string,
): { done: () => Reply | Error | undefined } {
  let result: Reply | Error | undefined;
  const req = http.request({ agent, ...options }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => chunks.push(d));
    res.on('end', () => {
      result = { status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() };
    });
  });
  req.on('error', (e) => {
    result = e;
  });
  req.end(body);
  return { done: () => result };
}

/** An http.Agent whose connections are sockets of the client stack. */
function stackAgent(
  p: StackPair,
  host: string,
  port: number,
  keepAlive: boolean,
): { agent: http.Agent; sockets: TcpSocket[] } {
  const sockets: TcpSocket[] = [];
  const agent = new http.Agent({ keepAlive });
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const s = p.client.connect(port, host);
    sockets.push(s);
    return s;
  };
  return { agent, sockets };
}

describe('Stack: node:http on our sockets', () => {
  it('serves GET and POST with a body over one keep-alive connection, on IPv4 and IPv6', async () => {
    const p = stackPair({ delayMs: 3 });
    const seen: string[] = [];
    const httpServer = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push(`${req.method} ${req.url} ${body.length} from ${req.socket.remoteAddress}`);
        res.setHeader('content-type', 'text/plain');
        res.end(req.method === 'POST' ? `got ${body.length} bytes: ${body.slice(0, 12)}` : `hello ${req.url}`);
      });
    });
    const server = p.server.createServer((socket) => httpServer.emit('connection', socket));
    server.listen(80);

    for (const host of [SERVER_V4, SERVER_V6]) {
      seen.length = 0;
      const { agent, sockets } = stackAgent(p, host, 80, true);
      const get = request(agent, { host, path: '/index.html' });
      await p.clock.runUntil(() => get.done() !== undefined, 10_000);
      const big = 'x'.repeat(100_000);
      const post = request(
        agent,
        { host, method: 'POST', path: '/upload', headers: { 'content-length': String(big.length) } },
        big,
      );
      await p.clock.runUntil(() => post.done() !== undefined, 10_000);

      expect(get.done()).to.deep.include({ status: 200, body: 'hello /index.html' });
      expect((get.done() as Reply).headers['content-type']).to.equal('text/plain');
      expect(post.done()).to.deep.include({ status: 200, body: 'got 100000 bytes: xxxxxxxxxxxx' });
      const client = host === SERVER_V4 ? '192.0.2.1' : '2001:db8::1';
      expect(seen).to.deep.equal([`GET /index.html 0 from ${client}`, `POST /upload 100000 from ${client}`]);
      // Keep-alive: both requests went over the one connection.
      expect(sockets).to.have.length(1);
      agent.destroy();
    }
    expect(p.server.stats.stack.accepted).to.equal(2);
    httpServer.close();
    server.close();
  });

  it('a connection: close request closes the TCP connection cleanly on both sides', async () => {
    const p = stackPair({ delayMs: 1 });
    const httpServer = http.createServer((_req, res) => res.end('bye'));
    p.server.createServer((socket) => httpServer.emit('connection', socket)).listen(8080);
    const { agent, sockets } = stackAgent(p, SERVER_V4, 8080, false);
    const r = request(agent, { host: SERVER_V4, port: 8080, path: '/', headers: { connection: 'close' } });
    await p.clock.runUntil(() => r.done() !== undefined, 10_000);
    expect(r.done()).to.deep.include({ status: 200, body: 'bye' });
    let closed = false;
    sockets[0]!.on('close', () => {
      closed = true;
    });
    await p.clock.runUntil(() => closed || sockets[0]!.destroyed, 10_000);
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 300_000);
    expect(p.client.stats.resetsSent + p.server.stats.resetsSent).to.equal(0);
    httpServer.close();
  });
});
