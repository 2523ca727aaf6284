// Adversarial, against the kernel: 2,000 kernel TCP clients in a network namespace ask our HTTP
// service for 100 MB each and never read (issue 12 saw 8,000 of them take RSS from 60 MB to
// 2.2 GB). This process holds only the stack: its TCP buffers stay under the memory budget and
// its RSS under the budget plus a fixed overhead for 2,000 connections, and curl from the same
// namespace still gets a whole megabyte meanwhile.

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startServices } from '../../src/serve/services.js';
import { OURS, interopSuite, until } from '../interop/fixture.js';

const MiB = 1024 * 1024;
const CLIENTS = 2000;
const BUDGET = { limit: 32 * MiB, pressure: 24 * MiB };
/** 2,000 sockets, node:http parsers and responses, table entries, segments in flight. */
const OVERHEAD = 160 * MiB;
const SLOW_READERS = fileURLToPath(new URL('./clients/slow-readers.mjs', import.meta.url));

describe('adversarial: kernel clients that never read, over TUN', function () {
  this.timeout(180_000);
  const openPeer = interopSuite();

  it(`${CLIENTS} kernel clients of /bytes that never read: buffers under the budget, RSS under budget + overhead, curl served`, async () => {
    const peer = await openPeer({ stack: { memory: BUDGET } });
    const services = startServices(peer.stack);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let peakBuffers = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakBuffers = Math.max(peakBuffers, peer.stack.bufferBytes);
    }, 20);
    try {
      const clients = peer.program(process.execPath, [SLOW_READERS, OURS[4], 80, CLIENTS, 120_000]);
      const ready = await clients.waitFor('ready', 120_000);
      expect(ready['connected']).to.equal(CLIENTS);
      await until(() => services.counters.http.requests === CLIENTS, 60_000, 'every request to arrive');
      // Let every window close and the server's buffers fill as far as the budget lets them.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const curl = peer.program('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-m',
        '60',
        '-w',
        '%{http_code} %{size_download}\\n',
        `http://${OURS[4]}/bytes/1000000`,
      ]);
      expect(await curl.exited).to.equal(0);
      expect(curl.lines.at(-1)).to.deep.equal({ event: 'text', text: '200 1000000' });
      clearInterval(sampler);
      const growth = peakRss - rssBefore;
      console.log(
        `      ${CLIENTS} kernel clients not reading: buffers peak ${(peakBuffers / MiB).toFixed(1)} MiB (limit ${BUDGET.limit / MiB}), ` +
          `RSS ${(rssBefore / MiB).toFixed(0)} -> peak ${(peakRss / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(0)}; budget ${BUDGET.limit / MiB} + overhead ${OVERHEAD / MiB}), ` +
          `${peer.stack.stats.memory.aborts} aborted`,
      );
      expect(peer.stack.connectionCount).to.be.at.least(CLIENTS);
      expect(peakBuffers).to.be.at.most(BUDGET.limit);
      expect(peer.stack.stats.memory.pressureEntered).to.be.at.least(1);
      expect(growth).to.be.below(BUDGET.limit + OVERHEAD);
    } finally {
      clearInterval(sampler);
      await services.close({ graceMs: 100 });
    }
  });
});
