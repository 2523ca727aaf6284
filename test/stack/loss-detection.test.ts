// RACK-TLP (RFC 8985, the default with SACK) against the DupAck detector on the same seeded
// lossy, reordering MemoryLink in virtual time: the same bytes arrive, sooner and with fewer
// retransmission timeouts (bench/lossy-transfer.ts measures more seeds and loss rates).

import { expect } from 'chai';
import type { LossDetection } from '../../src/tcp/config.js';
import { SERVER_V4, stackPair } from './harness.js';
import { receiveAll, sendAll, sha256Of } from './transfer-helpers.js';

const SIZE = 2 * 1024 * 1024;

interface Run {
  virtualMs: number;
  timeouts: number;
  probes: number;
  digest: string;
}

async function transfer(lossDetection: LossDetection, loss: number, seed: number): Promise<Run> {
  const p = stackPair({ loss, reorder: 0.01, delayMs: 10, seed }, { tcp: { lossDetection } });
  let got: ReturnType<typeof receiveAll> | undefined;
  p.server
    .createServer((s) => {
      got = receiveAll(s);
      s.on('error', () => {});
    })
    .listen(9);
  const client = p.client.connect(9, SERVER_V4);
  client.on('error', () => {});
  client.on('connect', () => sendAll(client, 3, SIZE));
  const virtualMs = await p.clock.runUntil(() => got !== undefined && got.ended, 600_000);
  const run = {
    virtualMs,
    timeouts: p.client.stats.timeouts,
    probes: p.client.stats.tailLossProbes,
    digest: got!.digest(),
  };
  client.destroy();
  p.client.close();
  p.server.close();
  return run;
}

describe('Stack: RACK-TLP against the DupAck detector (2 MB over a lossy MemoryLink)', function () {
  this.timeout(120_000);

  for (const loss of [0.05, 0.1]) {
    it(`${loss * 100}% loss, seeded: exact bytes either way, RACK-TLP faster and with fewer RTOs`, async () => {
      const dupack = await transfer('dupack', loss, 7);
      const rack = await transfer('rack', loss, 7);
      expect(dupack.digest).to.equal(sha256Of(3, SIZE));
      expect(rack.digest).to.equal(sha256Of(3, SIZE));
      expect(dupack.probes).to.equal(0);
      expect(rack.timeouts).to.be.lessThan(dupack.timeouts);
      expect(rack.virtualMs).to.be.lessThan(dupack.virtualMs);
      console.log(
        `      ${loss * 100}%: dupack ${Math.round(dupack.virtualMs)} virtual ms, ${dupack.timeouts} RTOs; rack ${Math.round(rack.virtualMs)} ms, ${rack.timeouts} RTOs, ${rack.probes} probes`,
      );
    });
  }
});
