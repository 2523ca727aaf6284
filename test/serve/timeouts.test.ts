// Timeouts of the services: node:http's headersTimeout / requestTimeout enforced although the
// http.Server never listen()s (it is fed our sockets), keepAliveTimeout, and TCP keep-alive on
// every accepted connection so a peer that vanished (its RST lost) is reaped.

import { expect } from 'chai';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { MemoryLink } from '../../src/link/memory-link.js';
import { startServices } from '../../src/serve/services.js';
import { Stack } from '../../src/stack/stack.js';
import { SERVER_V4, stackPair } from '../stack/harness.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('serve: timeouts', () => {
  it('closes a slowloris connection (one header byte at a time) within headersTimeout, on real time', async function () {
    this.timeout(20_000);
    const [a, b] = MemoryLink.pair({ delayMs: 1 });
    const server = new Stack({ device: b, addresses: ['198.51.100.2/24'] });
    const client = new Stack({ device: a, addresses: ['198.51.100.1/24'] });
    const services = startServices(server, {
      http: { headersTimeout: 600, requestTimeout: 1000, connectionsCheckingInterval: 50 },
    });
    try {
      const socket = client.connect(80, '198.51.100.2');
      let closedAt = 0;
      let reply = '';
      socket.on('data', (d: Buffer) => {
        reply += d.toString();
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        closedAt = performance.now();
      });
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const start = performance.now();
      const header = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
      let sent = 0;
      // One byte every 50 ms: the header never completes before the deadline.
      while (closedAt === 0 && sent < header.length && performance.now() - start < 5000) {
        if (performance.now() - start < 400) expect(closedAt, 'closed before headersTimeout').to.equal(0);
        socket.write(header[sent++]!);
        await sleep(50);
      }
      expect(closedAt, 'slowloris connection still open after 5 s').to.be.greaterThan(0);
      // headersTimeout 600 ms, checked every 50 ms: closed soon after (about 1 s here; a loaded
      // CI machine runs late, so the bound is loose, but far below the 5 s this runs for).
      expect(closedAt - start)
        .to.be.at.least(550)
        .and.below(3000);
      // Node writes a 408 and destroys the socket at once; destroy() is close(2), so the 408 still
      // reaches the client, then FIN.
      expect(reply).to.match(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(services.counters.socketErrors).to.equal(1);
      expect(sent).to.be.below(header.length);
    } finally {
      await services.close({ graceMs: 100 });
      client.close();
      server.close();
    }
  });

  it("ends an idle keep-alive HTTP connection after keepAliveTimeout (5 s, Node's default)", async () => {
    const p = stackPair({ delayMs: 1 });
    startServices(p.server);
    // A keep-alive agent whose sockets are the client stack's (an agent ignores a request's
    // own createConnection).
    const agent = new http.Agent({ keepAlive: true });
    let closed = false;
    let status = 0;
    (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
      const s = p.client.connect(80, SERVER_V4);
      s.on('close', () => {
        closed = true;
      });
      return s;
    };
    const req = http.request({ host: SERVER_V4, path: '/bytes/10', agent }, (res) => {
      status = res.statusCode!;
      res.resume();
    });
    req.end();
    await p.clock.runUntil(() => status !== 0, 10_000);
    const answeredAt = p.clock.now();
    expect(status).to.equal(200);
    await p.clock.runUntil(() => closed, 60_000);
    // Node 20 arms the socket timeout at keepAliveTimeout plus a 1 s allowance for the client.
    expect(p.clock.now() - answeredAt)
      .to.be.at.least(5000)
      .and.at.most(6100);
    agent.destroy();
  });

  it('reaps a connection whose peer vanished (its packets lost) with TCP keep-alive', async () => {
    const p = stackPair({ delayMs: 1 }, { tcp: { keepAliveInterval: 75_000, keepAliveProbes: 9 } });
    const services = startServices(p.server);
    const socket = p.client.connect(7, SERVER_V4);
    await p.clock.runUntil(() => p.server.connectionCount === 1 && services.counters.echo.connections === 1, 10_000);
    // The client is gone without a word: nothing reaches it, so it answers nothing (and an
    // idle connection of its own sends nothing either).
    p.links[0].onReceive(null);
    const start = p.clock.now();
    await p.clock.runUntil(() => p.server.connectionCount === 0, 3_600_000);
    // First probe after 60 s idle, then 9 probes 75 s apart (Linux's interval and count).
    expect(p.clock.now() - start)
      .to.be.at.least(60_000 + 9 * 75_000)
      .and.below(60_000 + 10 * 75_000);
    expect(services.counters.socketErrors).to.equal(1);
    expect(socket.destroyed).to.equal(false);
  });
});
