import { expect } from 'chai';
import { startServices } from '../../src/serve/services.js';
import { done, FAMILIES, interopSuite, OURS, until } from './fixture.js';

const COUNT = 500;

describe('interop: many kernel connections at once', function () {
  this.timeout(120_000);
  const open = interopSuite();

  for (const family of FAMILIES) {
    it(`IPv${family}: ${COUNT} concurrent kernel connections through our echo service, every one exact`, async () => {
      const peer = await open();
      const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
      let peak = 0;
      services.echo.on('connection', () => {
        peak = Math.max(peak, peer.stack.connectionCount);
      });
      const result = await done(
        peer.node('many-clients.mjs', [OURS[family], 7, COUNT, '--seed', 1000 * family]),
        100_000,
      );
      expect(result.failures).to.deep.equal([]);
      expect(result.errors).to.deep.equal({});
      expect(result.exact).to.equal(COUNT);
      const st = peer.stack.stats;
      expect(st.stack.passiveOpens).to.equal(COUNT);
      expect(st.stack.accepted).to.equal(COUNT);
      expect(services.counters.echo.connections).to.equal(COUNT);
      expect(services.counters.echo.bytes).to.equal(result.bytes);
      expect(st.dropped.listenOverflow).to.equal(0);
      expect(st.resetsSent + st.resetsReceived).to.equal(0);
      // They really overlapped: most were open together.
      expect(peak).to.be.greaterThan(COUNT / 2);
      // The kernel closed first everywhere, so nothing stays in our table.
      await until(() => peer.stack.connectionCount === 0, 10_000, 'every connection to leave the table');
      expect(st.stack.closed).to.equal(COUNT);
      console.log(`      peak ${peak} connections in the table, ${result.bytes} bytes echoed`);
      await services.close();
    });
  }
});
