import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { startServices } from '../../src/serve/services.js';
import { sha256Of } from '../stack/transfer-helpers.js';
import { hasCommand } from '../helpers/netns.js';
import { CLIENTS, done, FAMILIES, interopSuite, OURS, urlHost } from './fixture.js';

const MB = 1024 * 1024;

/** SHA-256 of the /bytes/N body: byte i is i mod 256. */
function patternSha(n: number): string {
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i & 0xff;
  const hash = createHash('sha256');
  for (let left = n; left > 0; left -= chunk.length)
    hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  return hash.digest('hex');
}

describe('interop: bulk transfers with the Linux kernel over TUN', function () {
  this.timeout(120_000);
  const open = interopSuite([[hasCommand('curl'), 'curl is not installed (apt-get install curl)']]);

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

  for (const family of FAMILIES) {
    it(`IPv${family}: curl downloads 50 MB from our HTTP server, SHA-256 equal`, async () => {
      const peer = await open();
      const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
      const SIZE = 50 * MB;
      const p = peer.program('bash', [
        '-c',
        `set -o pipefail; curl -sS -g --fail http://${urlHost(family)}/bytes/${SIZE} | sha256sum`,
      ]);
      const code = await p.exited;
      expect(code, p.stderr.join('')).to.equal(0);
      const line = p.lines.find((l) => l.event === 'text')!;
      expect(String(line.text).split(' ')[0]).to.equal(patternSha(SIZE));
      expect(peer.stack.stats.resetsSent).to.equal(0);
      await services.close();
    });

    it(`IPv${family}: curl uploads 50 MB to our HTTP server, which hashes exactly what was sent`, async () => {
      const peer = await open();
      const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
      const SIZE = 50 * MB;
      const seed = 200 + family;
      const p = peer.program('bash', [
        '-c',
        `set -o pipefail; ${process.execPath} ${CLIENTS}gen.mjs ${SIZE} ${seed} | curl -sS -g --fail -X POST -T - http://${urlHost(family)}/upload`,
      ]);
      const code = await p.exited;
      expect(code, p.stderr.join('')).to.equal(0);
      const reply = p.lines.find((l) => 'sha256' in l)!;
      expect(reply, JSON.stringify(p.lines)).to.exist;
      expect(reply.bytes).to.equal(SIZE);
      expect(reply.sha256).to.equal(sha256Of(seed, SIZE));
      expect(peer.stack.stats.resetsSent).to.equal(0);
      await services.close();
    });
  }
});
