// The "congestion control" group of `npm run bench`: NewReno against CUBIC (the default, with
// HyStart++) in the same run, two Stacks over a MemoryLink that models a path — 100 Mbit/s,
// 20 ms round trip, a drop-tail queue of 2 BDP — at 0, 1 and 5% random loss. The figure is
// goodput in the path's (virtual) time, which is what the algorithm decides; the CPU cost of the
// same transfer is the "stack goodput" group's business. Each case is the median over seeds.
//
// Standalone:  npm run build:ts && npx tsx bench/congestion.bench.ts [--quick]

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemoryLink, Stack, VirtualClock, type TcpSocket } from '../dist/index.js';
import { median, runLatency, type BenchConfig, type Row } from './harness.js';
import { chunkedWriter } from './stack.bench.js';

const GROUP = 'congestion control (virtual time)';
const RATE_BPS = 100e6;
const DELAY_MS = 10; // one way
/** 2 × BDP (100 Mbit/s × 20 ms = 250 kB ≈ 170 packets). */
const QUEUE = 340;
export const CC_LOSSES = [0, 0.01, 0.05] as const;
export const CC_ALGORITHMS = ['newreno', 'cubic'] as const;

export interface PathResult {
  bytes: number;
  virtualMs: number;
  mbitPerSec: number;
  retransmissions: number;
}

/** Moves `bytes` one way over the modelled path and reports the virtual time it took. */
export async function pathTransfer(
  congestionControl: string,
  bytes: number,
  loss: number,
  seed: number,
): Promise<PathResult> {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({
    mtu: 1500,
    loss,
    seed,
    clock,
    delayMs: DELAY_MS,
    rateBps: RATE_BPS,
    queueLimit: QUEUE,
  });
  const tcp = { congestionControl, sendBufferSize: 4 << 20, receiveBufferSize: 4 << 20 };
  const sender = new Stack({ device: a, addresses: ['198.51.100.1/24'], clock, tcp });
  const receiver = new Stack({ device: b, addresses: ['198.51.100.2/24'], clock, tcp });
  let received = 0;
  receiver
    .createServer((s: TcpSocket) => {
      s.on('data', (d: Buffer) => {
        received += d.length;
      });
      s.on('error', () => {});
    })
    .listen(9);
  const socket = sender.connect(9, '198.51.100.2');
  socket.on('error', () => {});
  await clock.runUntil(() => !socket.connecting, 60_000);
  const pump = chunkedWriter(socket, bytes);
  const v0 = clock.now();
  pump();
  await clock.runUntil(() => received >= bytes, 3_600_000);
  const virtualMs = clock.now() - v0;
  const retransmissions = sender.stats.retransmissions;
  socket.destroy();
  sender.close();
  receiver.close();
  return { bytes: received, virtualMs, mbitPerSec: (received * 8) / 1e3 / virtualMs, retransmissions };
}

/** Rows: one per (loss, algorithm); op = one MiB delivered, in virtual ns; NewReno the baseline. */
export async function runCongestionBench(config: BenchConfig): Promise<Row[]> {
  const bytes = (config.quick ? 4 : 16) * 1024 * 1024;
  const seeds = config.quick ? [1] : [1, 2, 3];
  const rows: Row[] = [];
  for (const loss of CC_LOSSES) {
    const name = (cc: string) => `${cc}, ${loss * 100}% loss`;
    const caseRows: Row[] = [];
    for (const cc of CC_ALGORITHMS) {
      const results: PathResult[] = [];
      for (const seed of seeds) results.push(await pathTransfer(cc, bytes, loss, seed));
      const perMiB = results.map((r) => (r.virtualMs * 1e6) / (r.bytes / 1048576));
      const ns = median(perMiB);
      const mbit = median(results.map((r) => r.mbitPerSec));
      caseRows.push({
        group: GROUP,
        task: name(cc),
        unit: 'MiB (virtual)',
        medianNs: ns,
        opsPerSec: 1e9 / ns,
        bytesPerOp: 1048576,
        gbPerSec: 1048576 / ns,
        opsPerIteration: bytes / 1048576,
        samples: results.length,
        roundMediansNs: perMiB,
        latencyMs: runLatency(perMiB),
        note:
          `${mbit.toFixed(1)} Mbit/s goodput on a 100 Mbit/s, 20 ms path (median of ${seeds.length} seeded transfers of ${bytes / 1048576} MiB), ` +
          `retransmissions ${results.map((r) => r.retransmissions).join('/')}`,
      });
    }
    const base = caseRows[0]!;
    for (const row of caseRows.slice(1)) {
      row.baseline = base.task;
      row.ratio = base.medianNs / row.medianNs;
    }
    rows.push(...caseRows);
  }
  return rows;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rows = await runCongestionBench({
    time: 0,
    warmupTime: 0,
    iterations: 1,
    warmupIterations: 0,
    rounds: 1,
    quick,
  });
  for (const row of rows) {
    const ratio = row.ratio === undefined ? '' : `  ×${row.ratio.toFixed(2)} vs ${row.baseline}`;
    console.log(`${row.task.padEnd(18)} ${row.note}${ratio}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
