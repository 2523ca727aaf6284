import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLink } from '../../src/link/memory-link.js';
import { PcapTap } from '../../src/link/pcap-tap.js';
import { parseCapture } from '../../src/pcap/read.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack } from '../../src/stack/stack.js';
import { requireTshark, tsharkTruth } from '../helpers/tshark.js';

/** Two stacks, the client's device tapped; 200 KB each way over a lossy, reordering link. */
async function tappedTransfer(host: string) {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ clock, loss: 0.02, reorder: 0.02, duplicate: 0.01, delayMs: 3, seed: 5 });
  const tap = new PcapTap(a, { clock });
  const client = new Stack({ device: tap, addresses: ['192.0.2.1/24', '2001:db8::1/64'], clock });
  const server = new Stack({ device: b, addresses: ['192.0.2.2/24', '2001:db8::2/64'], clock });
  server.createServer((s) => s.pipe(s)).listen(7);
  const sock = client.connect(7, host);
  let got = 0;
  let closed = false;
  sock.on('data', (d: Buffer) => {
    got += d.length;
  });
  sock.on('close', () => {
    closed = true;
  });
  sock.end(new Uint8Array(200_000).fill(0x5a));
  await clock.runUntil(() => closed, 60_000);
  return { tap, got, link: a, client };
}

describe('PcapTap', () => {
  it('records both directions of a transfer as a pcap the project reader opens', async () => {
    const { tap, got, link, client } = await tappedTransfer('192.0.2.2');
    expect(got).to.equal(200_000);
    const records = [...parseCapture(tap.pcap())];
    // Everything the client sent, and everything that reached it.
    expect(records.length).to.equal(tap.recorded);
    expect(tap.recorded).to.equal(client.stats.ip.packetsOut + client.stats.ip.packetsIn);
    expect(link.counters.sent).to.equal(client.stats.ip.packetsOut);
    // Virtual-time stamps, in order.
    const times = records.map((r) => r.timestampNs);
    expect([...times].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).to.deep.equal(times);
    expect(times[times.length - 1]! > 0n).to.equal(true);
    expect(records.every((r) => r.linkType === 101)).to.equal(true);
  });

  it('stops recording at maxPackets and counts the rest', async () => {
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ clock });
    const tap = new PcapTap(a, { clock, maxPackets: 2 });
    b.onReceive(() => {});
    for (let i = 0; i < 5; i++) tap.send(new Uint8Array(40).fill(i));
    expect(tap.recorded).to.equal(2);
    expect(tap.skipped).to.equal(3);
  });

  it('tshark finds every segment of a lossy IPv4 and IPv6 transfer well formed, checksums good', async function () {
    requireTshark(this);
    const dir = mkdtempSync(join(tmpdir(), 'tcpwasm-tap-'));
    try {
      for (const host of ['192.0.2.2', '2001:db8::2']) {
        const { tap } = await tappedTransfer(host);
        const file = join(dir, 'tap.pcap');
        writeFileSync(file, tap.pcap());
        const rows = [...tsharkTruth(file).values()];
        expect(rows.length).to.equal(tap.recorded);
        for (const row of rows) {
          expect(row['tcp.checksum.status'], `frame ${row['frame.number']}`).to.equal('1');
          expect(row['_ws.expert.message'] ?? '').to.not.match(/malformed|bogus|invalid/i);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
