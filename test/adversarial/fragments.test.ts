// Adversarial IP fragments against our stack over a TUN device, from the kernel's side of a
// network namespace: the kernel's own large pings (fragmented by the kernel at MTU 1500) get
// replies (fragmented by us, reassembled by the kernel); a flood of never-completing first
// fragments stays within the reassembly memory cap, overlapping datagrams are discarded, and a
// large ping still works afterwards.

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { KERNEL, OURS, done, interopSuite, type Family } from '../interop/fixture.js';

const PINGER = fileURLToPath(new URL('../link/kernel/ping.py', import.meta.url));
const FLOOD = fileURLToPath(new URL('./clients/fragment-flood.py', import.meta.url));

describe('adversarial: IP fragments over TUN', function () {
  this.timeout(120_000);
  const openPeer = interopSuite();

  for (const family of [4, 6] as Family[]) {
    it(`IPv${family}: 4,000-byte kernel pings get replies; a fragment flood stays within the cap; overlaps are discarded`, async () => {
      const peer = await openPeer({});
      const ping = async (count: number) => {
        const p = peer.program('/usr/bin/python3', [PINGER, OURS[family], count, 0.1, 2, 4000]);
        const code = await p.exited;
        return { code, result: p.lines.at(-1) };
      };
      const first = await ping(3);
      expect(first.result).to.deep.equal({ sent: 3, received: 3 });
      expect(first.code).to.equal(0);
      const s = peer.stack.stats;
      expect(s.reassembly.reassembled).to.equal(3);
      expect(s.ip.fragmentedOut).to.equal(3);

      const flood = peer.program('/usr/bin/python3', [FLOOD, KERNEL[family], OURS[family], 4000, 50]);
      const report = await done(flood, 90_000);
      expect(report['sent']).to.equal(4000 + 150);
      await flood.exited;
      // 4,000 x 1.2 KB would be 5 MB held: the 4 MiB cap evicted the oldest instead.
      expect(peer.stack.reassemblyBytes).to.be.at.most(4 * 1024 * 1024);
      expect(s.reassembly.overLimit).to.be.greaterThan(0);
      expect(s.reassembly.overlaps).to.equal(50);
      expect(s.reassembly.discarded).to.equal(50);
      expect(s.reassembly.reassembled).to.equal(3);
      console.log(
        `      IPv${family}: after 4,000 endless fragments reassembly holds ${(peer.stack.reassemblyBytes / 1048576).toFixed(2)} MiB; ${s.reassembly.overLimit} evicted, ${s.reassembly.overlaps} overlapping datagrams discarded`,
      );

      const after = await ping(2);
      expect(after.result).to.deep.equal({ sent: 2, received: 2 });
      expect(s.reassembly.reassembled).to.equal(5);
    });
  }
});
