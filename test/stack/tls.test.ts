// node:tls, node:https and node:http2 on our sockets, both ends in-process (two stacks over a
// MemoryLink, virtual time), with a self-signed certificate made by openssl for the run. The
// recipes are the README's: tlsServer.emit('connection', socket), tls.connect({ socket }),
// http2.connect(url, { createConnection }).

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { MemoryLinkEnd } from '../../src/link/memory-link.js';
import { decodeIp } from '../../src/wire/decode.js';
import { selfSignedCert } from '../helpers/cert.js';
import { SERVER_V4, stackPair } from './harness.js';

const NAME = 'tcpwasm.test';
const RST = 0x04;

/** Counts the RSTs one link end sends. */
function countResets(end: MemoryLinkEnd): () => number {
  let resets = 0;
  const send = end.send.bind(end);
  end.send = (packet: Uint8Array) => {
    if (decodeIp(packet).tcp.flags & RST) resets++;
    send(packet);
  };
  return () => resets;
}

/** Opens `n` concurrent streams GET /0 .. /n-1 on `session`; the map fills with their bodies. */
function requestStreams(session: http2.ClientHttp2Session, n: number): Map<number, string> {
  session.on('error', () => {});
  const bodies = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const stream = session.request({ ':path': `/${i}` });
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
    });
    stream.on('end', () => bodies.set(i, text));
  }
  return bodies;
}

function body(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >>> 10)) & 0xff;
  return b;
}

describe('Stack: node:tls, node:https and node:http2 on our sockets', function () {
  let dir = '';
  let key: Buffer;
  let cert: Buffer;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-tls-'));
    ({ key, cert } = selfSignedCert(dir, `DNS:${NAME}`));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('https with Connection: close: a 1 MB body arrives whole though the server destroys the socket after its last write', async () => {
    const p = stackPair({ delayMs: 2 });
    const serverResets = countResets(p.links[1]);
    const clientResets = countResets(p.links[0]);
    const payload = body(1 << 20);
    const httpsServer = https.createServer({ key, cert }, (_req, res) => {
      res.setHeader('content-length', payload.length);
      res.end(payload);
    });
    // noDelay on the raw socket: TLS wraps it, so its setNoDelay() never reaches TCP.
    p.server.createServer({ noDelay: true }, (socket) => httpsServer.emit('connection', socket)).listen(443);
    const results: Buffer[] = [];
    for (let run = 0; run < 3; run++) {
      let result: Buffer | Error | undefined;
      const req = https.request(
        {
          host: SERVER_V4,
          port: 443,
          path: '/',
          headers: { connection: 'close' },
          createConnection: () =>
            tls.connect({
              socket: p.client.connect({ port: 443, host: SERVER_V4, noDelay: true }),
              servername: NAME,
              ca: cert,
            }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            result = Buffer.concat(chunks);
          });
        },
      );
      req.on('error', (e) => {
        result = e;
      });
      req.end();
      await p.clock.runUntil(() => result !== undefined, 60_000);
      if (!(result instanceof Buffer)) throw new Error(`run ${run}: ${String(result)}`);
      results.push(result as Buffer);
    }
    for (const r of results) expect(r.equals(payload)).to.equal(true);
    // Every connection finishes (TIME-WAIT included). The client never resets. The server's
    // connection is an orphan by the time the client's close_notify comes (node:https destroys
    // the socket once its own close_notify and FIN are written), and an orphan answers new data
    // with RST, as Linux does (tcp_rcv_state_process, TCPAbortOnData): that is the only reset.
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 200_000);
    expect(clientResets()).to.equal(0);
    expect(serverResets()).to.equal(p.server.stats.stack.abortOnData);
    expect(p.server.stats.stack.abortOnClose + p.client.stats.stack.abortOnClose).to.equal(0);
    expect(p.server.stats.stack.orphaned).to.equal(3);
  });

  it('http2 over TLS (ALPN h2): 100 concurrent streams on one connection, every body exact', async () => {
    const p = stackPair({ delayMs: 2 });
    const serverResets = countResets(p.links[1]);
    const h2 = http2.createSecureServer({ key, cert }, (req, res) => res.end(`stream for ${req.url}`));
    p.server.createServer({ noDelay: true }, (socket) => h2.emit('connection', socket)).listen(443);
    const session = http2.connect(`https://${NAME}`, {
      createConnection: () =>
        tls.connect({
          socket: p.client.connect({ port: 443, host: SERVER_V4, noDelay: true }),
          servername: NAME,
          ca: cert,
          ALPNProtocols: ['h2'],
        }),
    });
    const bodies = requestStreams(session, 100);
    await p.clock.runUntil(() => bodies.size === 100, 60_000);
    for (let i = 0; i < 100; i++) expect(bodies.get(i)).to.equal(`stream for /${i}`);
    expect(p.client.stats.stack.activeOpens).to.equal(1);
    let closed = false;
    session.close(() => {
      closed = true;
    });
    await p.clock.runUntil(() => closed, 60_000);
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 200_000);
    expect(serverResets()).to.equal(0);
  });

  it('http2 cleartext (h2c) with prior knowledge: 100 streams, and the 1 connection × 100 streams tail is not held by Nagle', async () => {
    const p = stackPair({ delayMs: 2 });
    const h2 = http2.createServer((req, res) => res.end(`h2c ${req.url}`));
    p.server.createServer((socket) => h2.emit('connection', socket)).listen(80);
    const session = http2.connect(`http://${SERVER_V4}`, { createConnection: () => p.client.connect(80, SERVER_V4) });
    const start = p.clock.now();
    const bodies = requestStreams(session, 100);
    await p.clock.runUntil(() => bodies.size === 100, 60_000);
    // Handshake, SETTINGS and the requests: a few 4 ms round trips. The strict RFC 896 Nagle
    // made each small write wait for the peer's 40 ms delayed ACK.
    expect(p.clock.now() - start).to.be.lessThan(40);
    for (let i = 0; i < 100; i++) expect(bodies.get(i)).to.equal(`h2c /${i}`);
    let closed = false;
    session.close(() => {
      closed = true;
    });
    await p.clock.runUntil(() => closed, 60_000);
  });
});
