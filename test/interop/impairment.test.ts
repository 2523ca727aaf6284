import { expect } from 'chai';
import { startServices } from '../../src/serve/services.js';
import { sha256Of } from '../stack/transfer-helpers.js';
import { done, FAMILIES, interopSuite, OURS } from './fixture.js';

const MB = 1024 * 1024;

describe('interop: the kernel and our stack across an impaired TUN path', function () {
  this.timeout(180_000);
  const open = interopSuite();

  for (const family of FAMILIES) {
    it(`IPv${family}: 2% loss each way with reordering (FaultyDevice, seeded): the 20 MB echo is exact`, async () => {
      const peer = await open({ faults: { loss: 0.02, reorder: 0.02, seed: 4242 + family } });
      const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
      const SIZE = 20 * MB;
      const seed = 400 + family;
      const started = Date.now();
      const result = await done(
        peer.node('tcp-client.mjs', [OURS[family], 7, '--send', SIZE, '--seed', seed, '--timeout-ms', 170_000]),
        175_000,
      );
      expect(result.error).to.equal(null);
      expect(result.sent).to.equal(SIZE);
      expect(result.received).to.equal(SIZE);
      expect(result.receivedSha).to.equal(sha256Of(seed, SIZE));
      expect(result.gotEnd).to.equal(true);
      const f = peer.faulty!.counters;
      const st = peer.stack.stats;
      // The faults happened, in both directions, at about the asked rate (5 sigma of a binomial).
      for (const dir of [f.inbound, f.outbound]) {
        expect(Math.abs(dir.lost - dir.packets * 0.02)).to.be.below(5 * Math.sqrt(dir.packets * 0.02 * 0.98) + 1);
        expect(dir.reordered).to.be.greaterThan(0);
      }
      // We recovered what the path lost of ours; the kernel recovered its own.
      expect(st.retransmissions).to.be.at.least(1);
      expect(st.resetsSent + st.resetsReceived).to.equal(0);
      console.log(
        `      ${Date.now() - started} ms; lost in ${f.inbound.lost}/${f.inbound.packets}, out ${f.outbound.lost}/${f.outbound.packets}; reordered in ${f.inbound.reordered}, out ${f.outbound.reordered}; our retransmissions ${st.retransmissions} (fast ${st.fastRetransmits}, timeouts ${st.timeouts})`,
      );
      await services.close();
    });
  }
});
