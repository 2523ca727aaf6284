// Goodput between two Stacks in one process over a MemoryLink (MTU 1500): one TcpSocket writes,
// the other reads and discards. The VirtualClock only moves when everything is idle, so the
// figure is the CPU cost of the whole path (sockets, engine, codec, link), not simulated delay.
//
// Standalone:  npm run build:ts && npx tsx bench/stack.bench.ts [--quick] [--profile]
// --profile samples the CPU with the inspector during one transfer per case and reports the
// share of time spent in the WASM codec (the module and src/wire, received-batch and the
// segment encoder included), the TCP engine
// (src/tcp), the stack and sockets (src/stack), the MemoryLink (src/link), Node's streams, and the rest.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemoryLink, Stack, VirtualClock, type TcpSocket } from '../dist/index.js';
import { median, runLatency, type BenchConfig, type Row } from './harness.js';
import { profileLayers, shares } from './layer-profile.js';

export interface StackBenchCase {
  name: string;
  loss: number;
}

export const STACK_BENCH_CASES: readonly StackBenchCase[] = [
  { name: 'MTU 1500, no loss', loss: 0 },
  { name: 'MTU 1500, 1% loss', loss: 0.01 },
];

export interface TransferResult {
  bytes: number;
  seconds: number;
  mbPerSec: number;
  /** Data-carrying TCP segments the sender sent (first transmissions and retransmissions). */
  segments: number;
  segmentsPerSec: number;
  retransmissions: number;
  virtualMs: number;
}

/** Writes `bytes` in 64 KiB chunks as backpressure allows; call the result to start. */
export function chunkedWriter(socket: TcpSocket, bytes: number): () => void {
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131) & 0xff;
  let queued = 0;
  const pump = () => {
    while (queued < bytes) {
      queued += chunk.length;
      if (!socket.write(chunk)) return;
    }
  };
  socket.on('drain', pump);
  return pump;
}

/** Two fresh Stacks over a MemoryLink (MTU 1500) on one VirtualClock. */
export interface StackPair {
  clock: VirtualClock;
  sender: Stack;
  receiver: Stack;
  /** Bytes the receiver's sockets have delivered so far. */
  received(): number;
}

/**
 * The sender at 192.0.2.1, the receiver at 192.0.2.2 with a server on port 9 (`backlog`
 * connections queued at most) that reads and discards everything.
 */
export function stackPair(loss: number, seed: number, backlog?: number): StackPair {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ mtu: 1500, loss, seed, clock });
  const sender = new Stack({ device: a, addresses: ['192.0.2.1/24'], clock });
  const receiver = new Stack({ device: b, addresses: ['192.0.2.2/24'], clock });
  let received = 0;
  receiver
    .createServer((s: TcpSocket) => {
      s.on('data', (d: Buffer) => {
        received += d.length;
      });
      s.on('error', () => {}); // the resets when the stacks are torn down
    })
    .listen({ port: 9, ...(backlog !== undefined ? { backlog } : {}) });
  return { clock, sender, receiver, received: () => received };
}

/** Moves `bytes` one way between two fresh stacks and times it (wall clock). */
export async function transfer(bytes: number, loss: number, seed = 1): Promise<TransferResult> {
  const pair = stackPair(loss, seed);
  const { clock, sender, receiver } = pair;
  const socket = sender.connect(9, '192.0.2.2');
  socket.on('error', () => {});
  await clock.runUntil(() => !socket.connecting, 10_000);

  const pump = chunkedWriter(socket, bytes);
  const segmentsBefore = sender.stats.segmentsOut;
  const t0 = process.hrtime.bigint();
  const v0 = clock.now();
  pump();
  await clock.runUntil(() => pair.received() >= bytes, 3_600_000);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const virtualMs = clock.now() - v0;
  // Control segments are few next to data (pure ACKs flow the other way).
  const segments = sender.stats.segmentsOut - segmentsBefore;
  socket.destroy();
  sender.close();
  receiver.close();
  return {
    bytes: pair.received(),
    seconds,
    mbPerSec: pair.received() / 1e6 / seconds,
    segments,
    segmentsPerSec: segments / seconds,
    retransmissions: sender.stats.retransmissions,
    virtualMs,
  };
}

export type TimeShare = Record<(typeof STACK_LAYERS)[number], number>;

/** The layers a MemoryLink transfer's time is split into (idle and "(program)" left out). */
const STACK_LAYERS = ['codec', 'engine', 'stack', 'link', 'streams', 'gc', 'other'] as const;

/** Runs one transfer under the inspector's sampling profiler and splits self time by layer. */
export async function profileTransfer(
  bytes: number,
  loss: number,
): Promise<{ result: TransferResult; share: TimeShare }> {
  const { result, hits } = await profileLayers(() => transfer(bytes, loss));
  return { result, share: shares(hits, STACK_LAYERS) };
}

/** Rows for bench/run.ts: one per case, op = one data segment sent, median over rounds. */
export async function runStackBench(config: BenchConfig): Promise<Row[]> {
  const bytes = (config.quick ? 16 : 64) * 1024 * 1024;
  const rounds = Math.max(1, config.rounds);
  const rows: Row[] = [];
  // Warm-up on both paths (JIT, codec memory), so the first timed transfer is not a cold one.
  await transfer(16 * 1024 * 1024, 0);
  await transfer(16 * 1024 * 1024, 0.01);
  for (const c of STACK_BENCH_CASES) {
    const results: TransferResult[] = [];
    for (let r = 0; r < rounds; r++) results.push(await transfer(bytes, c.loss, r + 1));
    const mb = median(results.map((x) => x.mbPerSec));
    const typical = results.reduce((p, q) => (Math.abs(q.mbPerSec - mb) < Math.abs(p.mbPerSec - mb) ? q : p));
    const nsPerSegment = (typical.seconds * 1e9) / typical.segments;
    const bytesPerSegment = typical.bytes / typical.segments;
    const perRound = results.map((x) => (x.seconds * 1e9) / x.segments);
    rows.push({
      group: 'stack goodput',
      task: c.name,
      unit: 'segment',
      medianNs: nsPerSegment,
      opsPerSec: 1e9 / nsPerSegment,
      bytesPerOp: bytesPerSegment,
      gbPerSec: bytesPerSegment / nsPerSegment,
      opsPerIteration: typical.segments,
      samples: results.length,
      roundMediansNs: perRound,
      latencyMs: runLatency(perRound),
      note:
        `${mb.toFixed(1)} MB/s goodput (median of ${rounds} transfers of ${bytes / 1048576} MiB; best ${Math.max(...results.map((x) => x.mbPerSec)).toFixed(1)}), ` +
        `${Math.round(typical.segmentsPerSec).toLocaleString('en')} segments/s, ${typical.retransmissions} retransmissions`,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const profile = process.argv.includes('--profile');
  const config: BenchConfig = quick
    ? { time: 0, warmupTime: 0, iterations: 1, warmupIterations: 0, rounds: 1, quick }
    : { time: 0, warmupTime: 0, iterations: 1, warmupIterations: 0, rounds: 5, quick };
  const rows = await runStackBench(config);
  for (const row of rows) {
    console.log(
      `${row.task.padEnd(20)} ${(row.opsPerSec / 1e3).toFixed(1).padStart(7)} k seg/s  ${(row.gbPerSec! * 1000).toFixed(1).padStart(6)} MB/s   ${row.note}`,
    );
  }
  if (profile) {
    for (const c of STACK_BENCH_CASES) {
      const { result, share } = await profileTransfer(16 * 1024 * 1024, c.loss);
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      console.log(
        `profile ${c.name} (${result.mbPerSec.toFixed(1)} MB/s while sampling): codec ${pct(share.codec)}, engine ${pct(share.engine)}, ` +
          `stack+sockets ${pct(share.stack)}, MemoryLink ${pct(share.link)}, node streams/events ${pct(share.streams)}, gc ${pct(share.gc)}, other ${pct(share.other)}`,
      );
    }
  }
}

// Run as a script (not imported by bench/run.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
