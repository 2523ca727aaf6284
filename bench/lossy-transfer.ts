// Loss-recovery figures: two stacks over a seeded lossy, reordering MemoryLink (virtual time) move
// a fixed amount one way; prints the virtual time to complete and the sender's retransmissions,
// RTOs and fast retransmits, per loss rate, summed over seeds. Run: npx tsx bench/lossy-transfer.ts
// [bytes] [seeds] [rack|dupack] (the loss detector, default rack). Deterministic: the same code
// and arguments print the same figures.

import { MemoryLink } from '../src/link/memory-link.js';
import { VirtualClock } from '../src/base/clock.js';
import { Stack } from '../src/stack/stack.js';
import type { TcpSocket } from '../src/stack/socket.js';
import type { LossDetection } from '../src/tcp/config.js';

interface Row {
  virtualMs: number;
  retransmissions: number;
  timeouts: number;
  fastRetransmits: number;
  undone: number;
  probes: number;
}

async function run(bytes: number, loss: number, seed: number): Promise<Row> {
  const clock = new VirtualClock();
  // 20 ms round trip, 1% of packets held back for a later one to overtake (reordering).
  const [a, b] = MemoryLink.pair({ mtu: 1500, loss, reorder: 0.01, delayMs: 10, seed, clock });
  const tcp = { lossDetection: detector };
  const sender = new Stack({ device: a, addresses: ['192.0.2.1/24'], clock, tcp });
  const receiver = new Stack({ device: b, addresses: ['192.0.2.2/24'], clock, tcp });
  let received = 0;
  receiver
    .createServer((s: TcpSocket) => {
      s.on('data', (d: Buffer) => {
        received += d.length;
      });
      s.on('error', () => {});
    })
    .listen(9);
  const socket = sender.connect(9, '192.0.2.2');
  socket.on('error', () => {});
  await clock.runUntil(() => !socket.connecting, 600_000);
  const chunk = new Uint8Array(64 * 1024).fill(7);
  let queued = 0;
  const pump = (): void => {
    while (queued < bytes) {
      queued += chunk.length;
      if (!socket.write(chunk)) return;
    }
  };
  socket.on('drain', pump);
  const v0 = clock.now();
  pump();
  await clock.runUntil(() => received >= bytes, 3_600_000);
  const stats = sender.stats as unknown as Record<string, number>;
  const row: Row = {
    virtualMs: clock.now() - v0,
    retransmissions: stats.retransmissions!,
    timeouts: stats.timeouts!,
    fastRetransmits: stats.fastRetransmits!,
    undone: stats.spuriousTimeoutsUndone ?? 0,
    probes: stats.tailLossProbes ?? 0,
  };
  socket.destroy();
  sender.close();
  receiver.close();
  return row;
}

const bytes = Number(process.argv[2] ?? 4 * 1024 * 1024);
const seeds = Number(process.argv[3] ?? 5);
const detector = (process.argv[4] ?? 'rack') as LossDetection;
console.log(`${bytes} bytes, ${seeds} seeds, MTU 1500, RTT 20 ms, 1% reordering, loss detection ${detector}`);
console.log('loss  | virtual s (sum) | retransmissions | RTOs | fast retransmits | RTOs undone | tail loss probes');
for (const loss of [0.01, 0.05, 0.1]) {
  const sum: Row = { virtualMs: 0, retransmissions: 0, timeouts: 0, fastRetransmits: 0, undone: 0, probes: 0 };
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await run(bytes, loss, seed);
    for (const k of Object.keys(sum) as (keyof Row)[]) sum[k] += r[k];
  }
  console.log(
    `${String(loss * 100).padStart(3)}%  | ${(sum.virtualMs / 1000).toFixed(2).padStart(15)} | ${String(sum.retransmissions).padStart(15)} | ${String(sum.timeouts).padStart(4)} | ${String(sum.fastRetransmits).padStart(16)} | ${String(sum.undone).padStart(11)} | ${String(sum.probes).padStart(16)}`,
  );
}
