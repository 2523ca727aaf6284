import { expect } from 'chai';
import { startServices } from '../../src/serve/services.js';
import { sha256Of } from '../stack/transfer-helpers.js';
import { done, FAMILIES, interopSuite, OURS } from './fixture.js';

const MB = 1024 * 1024;

describe('interop: bulk transfers with the Linux kernel over TUN', function () {
  this.timeout(120_000);
  const open = interopSuite();

  for (const family of FAMILIES) {
    it(`IPv${family}: a kernel client echoes 20 MB through our echo service, SHA-256 equal both ways`, async () => {
      const peer = await open();
      const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
      const SIZE = 20 * MB;
      const seed = 100 + family;
      const client = peer.node('tcp-client.mjs', [OURS[family], 7, '--send', SIZE, '--seed', seed]);
      const result = await done(client, 90_000);
      expect(result.error).to.equal(null);
      expect(result.sent).to.equal(SIZE);
      expect(result.sentSha).to.equal(sha256Of(seed, SIZE));
      expect(result.received).to.equal(SIZE);
      expect(result.receivedSha).to.equal(sha256Of(seed, SIZE));
      expect(result.gotEnd).to.equal(true);
      expect(services.counters.echo.bytes).to.equal(SIZE);
      expect(peer.stack.stats.resetsSent).to.equal(0);
      await services.close();
    });
  }
});
