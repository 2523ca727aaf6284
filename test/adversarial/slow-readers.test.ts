// Adversarial: 2,000 HTTP clients that ask for a large body and never read it (issue 12: 8,000
// such clients took a stack from 60 MB to 2.2 GB). In-process over a MemoryLink in virtual time:
// the server's buffers stay under its memory budget at every step, the process's RSS under both
// stacks' budgets plus a fixed overhead, and a legitimate request meanwhile gets its bytes exact.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { MemoryLink } from '../../src/link/memory-link.js';
import { startServices } from '../../src/serve/services.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';

const MiB = 1024 * 1024;
const CLIENTS = 2000;
const BUDGET = { limit: 32 * MiB, pressure: 24 * MiB };
/** What 2,000 connections cost besides buffers: two stacks' sockets, tables, node:http state. */
const OVERHEAD = 256 * MiB;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('adversarial: clients that never read', () => {
  it(`${CLIENTS} non-reading clients of /bytes stay under the memory budget; a reading client is served exact`, async function () {
    this.timeout(300_000);
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ clock, delayMs: 1, queueLimit: 1_000_000 });
    const server = new Stack({ device: b, addresses: ['198.51.100.2/24'], clock, memory: BUDGET });
    // The clients' stack has a budget too, or its receive buffers would be what grows here.
    const client = new Stack({ device: a, addresses: ['198.51.100.1/24'], clock, memory: BUDGET });
    const services = startServices(server);
    const rssBefore = process.memoryUsage().rss;
    const sockets: TcpSocket[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const s = client.connect(80, '198.51.100.2');
      s.on('error', () => {});
      s.write('GET /bytes/100000000 HTTP/1.1\r\nHost: x\r\n\r\n');
      s.pause(); // never reads
      sockets.push(s);
    }
    let peakBuffers = 0;
    let peakRss = 0;
    // Until every request is in (a burst of 2,000 SYNs overflows the listener's queues; the
    // dropped ones come back with the SYN retransmissions), and a while after.
    for (let t = 0, settled = 0; settled < 100 && t < 4000; t++) {
      clock.advance(25);
      await tick();
      peakBuffers = Math.max(peakBuffers, server.bufferBytes);
      if (t % 10 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (services.counters.http.requests === CLIENTS) settled++;
    }
    expect(services.counters.http.requests).to.equal(CLIENTS);
    expect(server.connectionCount).to.equal(CLIENTS);
    expect(peakBuffers).to.be.at.most(BUDGET.limit);
    expect(server.stats.memory.pressureEntered).to.be.at.least(1);

    // A legitimate request now: 2 MB, byte for byte.
    const reader = client.connect(80, '198.51.100.2');
    const hash = createHash('sha256');
    let body = Buffer.alloc(0);
    let done = false;
    reader.on('data', (d: Buffer) => {
      body = Buffer.concat([body, d]);
    });
    reader.on('end', () => {
      done = true;
    });
    reader.write('GET /bytes/2000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await clock.runUntil(() => done, 600_000);
    const split = body.indexOf('\r\n\r\n');
    expect(body.subarray(0, 15).toString()).to.equal('HTTP/1.1 200 OK');
    const payload = body.subarray(split + 4);
    expect(payload.length).to.equal(2_000_000);
    hash.update(payload);
    const expected = Buffer.alloc(2_000_000);
    for (let i = 0; i < expected.length; i++) expected[i] = i & 0xff;
    expect(hash.digest('hex')).to.equal(createHash('sha256').update(expected).digest('hex'));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    expect(server.bufferBytes).to.be.at.most(BUDGET.limit);

    const growth = peakRss - rssBefore;
    console.log(
      `      ${CLIENTS} non-reading clients: server buffers peak ${(peakBuffers / MiB).toFixed(1)} MiB (limit ${BUDGET.limit / MiB}), ` +
        `RSS ${(rssBefore / MiB).toFixed(0)} -> peak ${(peakRss / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(0)}; budgets ${(2 * BUDGET.limit) / MiB} + overhead ${OVERHEAD / MiB})`,
    );
    expect(growth).to.be.below(2 * BUDGET.limit + OVERHEAD);
    for (const s of sockets) s.destroy();
    client.close();
    server.close();
  });
});
