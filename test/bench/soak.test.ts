// The soak's logic (bench/soak.ts), run for a few seconds so it cannot rot: sessions of every kind
// and close mode over the lossy real-time link, every one exact, and no connection left in either
// table after the drain. The memory verdict needs --expose-gc and minutes: `npm run soak` has it.
// bench/soak.ts runs on the built package (dist/), as the benchmarks do.

import { expect } from 'chai';
import { DEFAULT_SOAK, judge, planSession, prng, runSoak, type SoakResult } from '../../bench/soak.js';
import { runSession } from '../../bench/soak-clients.js';
import { leastSquaresSlope } from '../../bench/soak-stats.js';
import { MemoryLink, Stack } from '../../dist/index.js';
import { startServices } from '../../dist/serve/index.js';

describe('soak (bench/soak.ts)', function () {
  this.timeout(90_000);

  describe('leastSquaresSlope', () => {
    it('is the slope of a line, whatever its offset', () => {
      expect(
        leastSquaresSlope([
          [0, 5],
          [1, 8],
          [2, 11],
          [3, 14],
        ]),
      ).to.equal(3);
      expect(
        leastSquaresSlope([
          [10, -1],
          [20, -1],
          [30, -1],
        ]),
      ).to.equal(0);
    });

    it('fits through noise: a sawtooth around a rising line', () => {
      const points: [number, number][] = [];
      for (let x = 0; x < 100; x++) points.push([x, 2 * x + (x % 2 === 0 ? 7 : -7)]);
      expect(leastSquaresSlope(points)).to.be.closeTo(2, 0.01);
    });

    it('is 0 with fewer than two distinct x', () => {
      expect(leastSquaresSlope([])).to.equal(0);
      expect(leastSquaresSlope([[1, 2]])).to.equal(0);
      expect(
        leastSquaresSlope([
          [1, 2],
          [1, 9],
        ]),
      ).to.equal(0);
    });
  });

  it('plans the same sessions from the same seed', () => {
    const r1 = prng(42);
    const r2 = prng(42);
    const plans = Array.from({ length: 50 }, () => planSession(r1));
    expect(Array.from({ length: 50 }, () => planSession(r2))).to.deep.equal(plans);
    const r3 = prng(43);
    expect(Array.from({ length: 50 }, () => planSession(r3))).to.not.deep.equal(plans);
  });

  it('counts a slow reader that got the whole body before letting go as exact, not closed early', async () => {
    const [a, b] = MemoryLink.pair({ mtu: 1500, delayMs: 1, seed: 5 });
    const server = new Stack({ device: a, addresses: ['198.51.100.1/24'] });
    const client = new Stack({ device: b, addresses: ['198.51.100.2/24'] });
    const services = startServices(server);
    try {
      const target = {
        stack: client,
        hosts: { ipv4: '198.51.100.1', ipv6: '2001:db8::1' },
        ports: services.ports,
        timeoutMs: 20_000,
      };
      // 256 KiB at a chunk every 100 ms is read well within the 5 s hold; the server then closes.
      const r = await runSession(target, {
        kind: 'slow-reader',
        close: 'destroy',
        bytes: 256 * 1024,
        holdMs: 5000,
        seed: 1,
        ipv6: false,
      });
      expect(r).to.deep.equal({ ok: true, bytes: 256 * 1024 });
    } finally {
      await services.close({ graceMs: 100 });
      server.close();
      client.close();
    }
  });

  describe('a short run (8 s of load)', () => {
    let r: SoakResult;
    before(async () => {
      r = await runSoak({
        ...DEFAULT_SOAK,
        durationMs: 8000,
        concurrency: 12,
        seed: 7,
        sampleMs: 1000,
        timeWaitMs: 1000,
        finTimeoutMs: 2000,
        keepAliveMs: 2000,
        sessionTimeoutMs: 30_000,
        drainTimeoutMs: 30_000,
      });
    });

    it('completes every session exact, of every kind and close mode', () => {
      expect(r.failures).to.deep.equal({});
      expect(r.sessionsOk).to.equal(r.sessions);
      // Plans come from the seeded PRNG in order: seed 7's first 30 hold every kind and close mode.
      expect(r.sessions).to.be.greaterThan(50);
      expect(Object.keys(r.byKind).sort()).to.deep.equal([
        'abandon',
        'discard',
        'echo',
        'get',
        'never-read',
        'slow-reader',
        'upload',
      ]);
      expect(Object.keys(r.byClose).sort()).to.deep.equal(['destroy', 'end', 'reset']);
      expect(r.ipv6Sessions).to.be.greaterThan(0).and.lessThan(r.sessions);
      expect(r.bytesChecked).to.be.greaterThan(5_000_000);
    });

    it('leaves no connection in either table after the drain', () => {
      expect(r.stuck).to.deep.equal({ server: 0, client: 0 });
      expect(r.end.server).to.deep.include({ connections: 0, orphans: 0, bufferBytes: 0 });
      expect(r.end.client).to.deep.include({ connections: 0, orphans: 0, bufferBytes: 0 });
      expect(r.verdict.checks[0]).to.include({ name: 'no connection left after the drain', ok: true });
    });

    it('has a verdict that fails on a stuck connection, an inexact session or growth', () => {
      const failed = (x: SoakResult) =>
        judge(x)
          .checks.filter((c) => !c.ok)
          .map((c) => c.name);
      expect(failed({ ...r, stuck: { server: 1, client: 0 } })).to.include('no connection left after the drain');
      expect(failed({ ...r, sessionsOk: r.sessions - 1 })).to.include('every session exact');
      // 8 s of load: 4 MiB over the second half (4 s) is 60 MiB a minute.
      const MiB = 1024 * 1024;
      expect(failed({ ...r, slopes: { ...r.slopes, heapPerMin: 61 * MiB } })).to.include(
        'no heap growth trend (< 4 MiB over the 2nd half)',
      );
      expect(failed({ ...r, slopes: { ...r.slopes, heapPerMin: 59 * MiB } })).to.not.include(
        'no heap growth trend (< 4 MiB over the 2nd half)',
      );
      expect(failed({ ...r, end: { ...r.end, heapUsed: r.start.heapUsed + 9 * MiB } })).to.include(
        'heap back near its start (+8 MiB)',
      );
    });

    it('ran over a link that lost, reordered and corrupted packets, and sampled the load', () => {
      const link = r.stats.link as { toClient: Record<string, number>; toServer: Record<string, number> };
      for (const dir of [link.toClient, link.toServer]) {
        expect(dir.lost).to.be.greaterThan(0);
        expect(dir.reordered).to.be.greaterThan(0);
      }
      expect(link.toClient.corrupted! + link.toServer.corrupted!).to.be.greaterThan(0);
      const server = r.stats.server as { retransmissions: number };
      expect(server.retransmissions).to.be.greaterThan(0);
      // One sample per second of load, and some taken while sessions were open.
      expect(r.samples.filter((s) => s.phase === 'load').length).to.be.at.least(7);
      expect(Math.max(...r.samples.map((s) => s.server.connections))).to.be.greaterThan(0);
      // Counters sampled as running totals: every connection opened was closed by the end.
      expect(r.end.client.counters.opens).to.equal(r.sessions);
      expect(r.end.server.counters.closed).to.equal(r.end.server.counters.opens);
      expect(r.end.client.counters.closed).to.equal(r.end.client.counters.opens);
      expect(r.samples[1]!.server.counters.segmentsIn).to.be.greaterThan(0);
    });
  });
});
