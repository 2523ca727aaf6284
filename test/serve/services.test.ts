import { expect } from 'chai';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_BYTES } from '../../src/serve/http-app.js';
import { startServices } from '../../src/serve/services.js';
import type { StatsSnapshot } from '../../src/serve/snapshot.js';
import { Random as SeededRandom } from '../helpers/random.js';
import { SERVER_V4, SERVER_V6, stackPair } from '../stack/harness.js';
import { exchange, fetchReply, serveHarness, sha256 } from './client.js';

/** Expected /bytes body: byte i is i mod 256. */
function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
}

describe('serve: startServices over a MemoryLink', () => {
  describe('HTTP routes', () => {
    it('/ is an HTML page of live stack figures that reloads itself', async () => {
      const h = serveHarness();
      const r = await fetchReply(h, { host: SERVER_V4, path: '/' });
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('text/html; charset=utf-8');
      const page = r.body.toString();
      expect(Number(r.headers['content-length'])).to.equal(r.body.length);
      expect(page).to.match(/^<!doctype html>/);
      expect(page).to.contain('<meta http-equiv="refresh" content="2">');
      expect(page).to.contain('<td>addresses</td><td>192.0.2.2/24, 2001:db8::2/64</td>');
      expect(page).to.contain('<td>device</td><td>MemoryLinkEnd, MTU 1500</td>');
      // This request's own connection is open while the page is made.
      expect(page).to.contain('<td>connections</td><td>1</td>');
      expect(page).to.contain('<td>http.requests</td><td>1</td>');
      // The SYN and the request's ACK/data reached the stack before the page was made.
      const segmentsIn = /<td>segments in \/ out<\/td><td>(\d+) \/ (\d+)<\/td>/.exec(page);
      expect(segmentsIn, 'segments row').to.not.equal(null);
      expect(Number(segmentsIn![1])).to.be.at.least(2);
      expect(page).to.contain('<td>dropped.badChecksum</td><td>0</td>');
      // Device counters come from the MemoryLink end.
      expect(page).to.match(/<td>bytesSent<\/td><td>[1-9]\d*<\/td>/);
    });

    it('/stats is JSON: addresses, ports, connections, device counters, services, stack.stats', async () => {
      const h = serveHarness({ httpPort: 8080, echoPort: 7007, discardPort: 9009 });
      await fetchReply(h, { host: SERVER_V4, port: 8080, path: '/bytes/1000' });
      const r = await fetchReply(h, { host: SERVER_V6, port: 8080, path: '/stats' });
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('application/json');
      const s = JSON.parse(r.body.toString()) as StatsSnapshot;
      expect(s.addresses).to.deep.equal(['192.0.2.2/24', '2001:db8::2/64']);
      expect(s.ports).to.deep.equal({ http: 8080, echo: 7007, discard: 9009 });
      expect(s.device.kind).to.equal('MemoryLinkEnd');
      expect(s.device.mtu).to.equal(1500);
      expect(s.device.counters!.bytesSent).to.be.above(1000);
      expect(s.services.http).to.deep.equal({
        requests: 2,
        bytesStreamed: 1000,
        uploads: 0,
        bytesUploaded: 0,
        badRequests: 0,
      });
      expect(s.stack.stack.accepted).to.equal(2);
      expect(s.stack.ip.packetsIn).to.be.above(0).and.at.most(h.server.stats.ip.packetsIn);
      expect(s.connections).to.be.at.least(1);
      // Virtual time: uptime is the clock's, a small positive figure.
      expect(s.uptimeSeconds).to.be.above(0).and.below(60);
    });

    it('/bytes/N sends exactly N bytes of the i mod 256 pattern (0, 1, across chunk edges)', async () => {
      const h = serveHarness();
      for (const n of [0, 1, 255, 256, 65_535, 65_536, 200_001]) {
        const r = await fetchReply(h, { host: SERVER_V4, path: `/bytes/${n}` });
        expect(r.status, `N=${n}`).to.equal(200);
        expect(r.headers['content-type']).to.equal('application/octet-stream');
        expect(r.headers['content-length']).to.equal(String(n));
        expect(r.body.equals(pattern(n)), `N=${n} body`).to.equal(true);
      }
      expect(h.services.counters.http.bytesStreamed).to.equal(0 + 1 + 255 + 256 + 65_535 + 65_536 + 200_001);
    });

    it('HEAD /bytes/N gives the length without a body', async () => {
      const h = serveHarness();
      const r = await fetchReply(h, { host: SERVER_V4, method: 'HEAD', path: '/bytes/12345' });
      expect(r.status).to.equal(200);
      expect(r.headers['content-length']).to.equal('12345');
      expect(r.body.length).to.equal(0);
      expect(h.services.counters.http.bytesStreamed).to.equal(0);
    });

    it('POST /upload replies with the body length and SHA-256, over IPv4 and IPv6', async () => {
      const h = serveHarness();
      const random = new SeededRandom(5);
      for (const [host, size] of [
        [SERVER_V4, 300_000],
        [SERVER_V6, 1],
        [SERVER_V4, 0],
      ] as const) {
        const body = Buffer.from(random.bytes(size));
        const r = await fetchReply(
          h,
          { host, method: 'POST', path: '/upload', headers: { 'content-length': String(size) } },
          body,
        );
        expect(r.status).to.equal(200);
        expect(JSON.parse(r.body.toString())).to.deep.equal({ bytes: size, sha256: sha256(body) });
      }
      expect(h.services.counters.http.uploads).to.equal(3);
      expect(h.services.counters.http.bytesUploaded).to.equal(300_001);
    });

    it('a chunked upload (no content-length) is hashed as it streams', async () => {
      const h = serveHarness();
      const body = Buffer.from(new SeededRandom(9).bytes(150_000));
      const r = await fetchReply(
        h,
        { host: SERVER_V4, method: 'POST', path: '/upload', headers: { 'transfer-encoding': 'chunked' } },
        body,
      );
      expect(JSON.parse(r.body.toString())).to.deep.equal({ bytes: 150_000, sha256: sha256(body) });
    });

    it('answers 404, 405 and 400 with a JSON error and counts them', async () => {
      const h = serveHarness();
      const cases: Array<[string, string, number, string]> = [
        ['GET', '/nope', 404, 'no such page: /nope'],
        ['GET', '/bytes/abc', 404, 'no such page: /bytes/abc'],
        ['GET', `/bytes/${MAX_BYTES + 1}`, 400, `at most ${MAX_BYTES} bytes`],
        ['GET', '/upload', 405, 'POST a body to /upload'],
        ['POST', '/', 405, 'POST is not served here'],
      ];
      for (const [method, path, status, error] of cases) {
        const r = await fetchReply(h, { host: SERVER_V4, method, path }, method === 'POST' ? 'x' : undefined);
        expect(r.status, `${method} ${path}`).to.equal(status);
        expect(JSON.parse(r.body.toString())).to.deep.equal({ error });
      }
      expect(h.services.counters.http.badRequests).to.equal(cases.length);
      expect(h.services.counters.http.bytesStreamed).to.equal(0);
    });
  });

  describe('echo and discard', () => {
    it('echo returns 1 MB of random bytes exactly, on IPv4 and IPv6', async () => {
      const h = serveHarness();
      const random = new SeededRandom(11);
      for (const host of [SERVER_V4, SERVER_V6]) {
        const data = Buffer.from(random.bytes(1_000_000));
        const x = exchange(h, 7, host, data);
        await h.clock.runUntil(() => x.result() !== undefined, 120_000);
        const r = x.result();
        if (r instanceof Error) throw r;
        expect(r!.received.length).to.equal(data.length);
        expect(r!.received.equals(data)).to.equal(true);
        expect(r!.gotEnd).to.equal(true);
      }
      expect(h.services.counters.echo).to.deep.equal({ connections: 2, bytes: 2_000_000 });
      expect(h.server.stats.resetsSent + h.client.stats.resetsSent).to.equal(0);
    });

    it('echo is flow-controlled: a client that does not read stops the server from reading', async () => {
      const h = serveHarness();
      const socket = h.client.connect(7, SERVER_V4);
      socket.pause();
      const data = Buffer.from(new SeededRandom(2).bytes(8_000_000));
      socket.write(data);
      await h.clock.runUntil(() => false, 5_000).catch(() => {});
      // Everything in flight is bounded by the buffers on the two paths, not by what was sent.
      const echoed = h.services.counters.echo.bytes;
      expect(echoed).to.be.above(0);
      expect(echoed).to.be.below(2_000_000);
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.resume();
      socket.end();
      let closed = false;
      socket.on('close', () => {
        closed = true;
      });
      await h.clock.runUntil(() => closed, 120_000);
      expect(Buffer.concat(chunks).equals(data)).to.equal(true);
    });

    it('discard reads and counts everything, sends nothing, and closes after the client does', async () => {
      const h = serveHarness();
      const data = Buffer.from(new SeededRandom(3).bytes(500_000));
      const x = exchange(h, 9, SERVER_V6, data);
      await h.clock.runUntil(() => x.result() !== undefined, 60_000);
      const r = x.result();
      if (r instanceof Error) throw r;
      expect(r!.received.length).to.equal(0);
      expect(r!.gotEnd).to.equal(true);
      expect(h.services.counters.discard).to.deep.equal({ connections: 1, bytes: 500_000 });
      expect(x.socket.bytesWritten).to.equal(500_000);
    });
  });

  it('/bytes applies backpressure: a paused client holds the server to a bounded amount ahead', async () => {
    const h = serveHarness();
    const n = 64 * 1024 * 1024;
    // Check the pattern as the body comes, without keeping it.
    let received = 0;
    let mismatch = -1;
    let ended = false;
    let res: http.IncomingMessage | undefined;
    http.get(
      {
        host: SERVER_V4,
        path: `/bytes/${n}`,
        createConnection: (() => h.client.connect(80, SERVER_V4)) as unknown as () => Duplex,
      },
      (r) => {
        res = r;
        r.pause();
        r.on('data', (d: Buffer) => {
          for (let i = 0; i < d.length && mismatch < 0; i += 4093)
            if (d[i] !== ((received + i) & 0xff)) mismatch = received + i;
          received += d.length;
        });
        r.on('end', () => {
          ended = true;
        });
      },
    );
    await h.clock.runUntil(() => res !== undefined, 10_000);
    await h.clock.runUntil(() => false, 10_000).catch(() => {});
    const aheadWhilePaused = h.services.counters.http.bytesStreamed;
    // Send buffer (256 KiB) + the client's receive window (256 KiB) + stream buffers: well
    // under 2 MiB of a 64 MiB body.
    expect(aheadWhilePaused).to.be.above(0);
    expect(aheadWhilePaused).to.be.below(2 * 1024 * 1024);
    res!.resume();
    await h.clock.runUntil(() => ended, 600_000);
    expect(received).to.equal(n);
    expect(mismatch).to.equal(-1);
    expect(h.services.counters.http.bytesStreamed).to.equal(n);
  });

  it('close() ends open connections with FIN, stops listening, and leaves the stack usable', async () => {
    const h = serveHarness();
    // An idle echo connection and an HTTP connection that has sent nothing yet.
    const echo = h.client.connect(7, SERVER_V4);
    const idleHttp = h.client.connect(80, SERVER_V6);
    const ends: string[] = [];
    echo.on('end', () => {
      ends.push('echo');
      echo.end();
    });
    idleHttp.on('end', () => {
      ends.push('http');
      idleHttp.end();
    });
    echo.resume();
    idleHttp.resume();
    await h.clock.runUntil(() => h.server.stats.stack.accepted === 2, 10_000);
    let closed = false;
    void h.services.close().then(() => {
      closed = true;
    });
    await h.clock.runUntil(() => closed, 30_000);
    expect(ends.sort()).to.deep.equal(['echo', 'http']);
    expect(h.services.http.listening || h.services.echo.listening || h.services.discard.listening).to.equal(false);
    expect(h.server.stats.resetsSent + h.client.stats.resetsSent).to.equal(0);
    // Nothing listens now: a new connection is refused by the still-open stack.
    const refused = h.client.connect(9, SERVER_V4);
    let error: NodeJS.ErrnoException | undefined;
    refused.on('error', (e) => {
      error = e;
    });
    await h.clock.runUntil(() => error !== undefined, 10_000);
    expect(error!.code).to.equal('ECONNREFUSED');
  });

  it('close() resets connections that have not closed within graceMs', async () => {
    const h = serveHarness();
    const stubborn = h.client.connect({ port: 9, host: SERVER_V4, allowHalfOpen: true });
    let error: NodeJS.ErrnoException | undefined;
    stubborn.on('error', (e) => {
      error = e;
    });
    stubborn.resume();
    await h.clock.runUntil(() => h.server.stats.stack.accepted === 1, 10_000);
    // The client never ends its side: discard waits for the client's FIN, so only the deadline closes it.
    let closed = false;
    const began = h.clock.now();
    void h.services.close({ graceMs: 500 }).then(() => {
      closed = true;
    });
    await h.clock.runUntil(() => closed, 10_000);
    // Not before the grace period (virtual ms), and by a reset.
    expect(h.clock.now() - began).to.be.at.least(500);
    expect(h.server.stats.resetsSent).to.equal(1);
    await h.clock.runUntil(() => stubborn.destroyed, 10_000);
    expect(error?.code).to.equal('ECONNRESET');
  });

  it('rejects bad or clashing ports', () => {
    const p = stackPair();
    expect(() => startServices(p.server, { httpPort: 0 })).to.throw(RangeError, /httpPort must be a port number/);
    expect(() => startServices(p.server, { echoPort: 70000 })).to.throw(RangeError, /echoPort/);
    expect(() => startServices(p.server, { httpPort: 9 })).to.throw(RangeError, /must differ/);
  });
});
