// The "stack goodput" group of `npm run bench`: two tcpwasm Stacks in one process over a
// MemoryLink (bench/stack.bench.ts), the engine alone without IP or codec (bench/engine.bench.ts),
// and the baseline measured in the same run: the Linux kernel's own TCP over loopback, driven by
// node:net in the same process. The kernel figure is what a real TCP stack does on this machine
// with the same bytes and the same JavaScript on both ends, so the ratio says how far a
// userspace stack in JavaScript is from it. A layer profile of one stack transfer says where the
// stack's time goes (the issue asks for the WASM codec's share next to the engine's). The
// many-flows rows (bench/goodput-flows.ts) split one total over 1, 10, 100 and 1,000 connections,
// each against node:net at the same flow count, with CPU seconds per GB in their notes.

import net from 'node:net';
import { engineTransfer } from './engine.bench.js';
import { kernelFlows, stackFlows, type FlowsResult } from './goodput-flows.js';
import { median, transferRow, type BenchConfig, type Row } from './harness.js';
import { profileTransfer, runStackBench } from './stack.bench.js';

const GROUP = 'stack goodput';
const KERNEL = 'kernel TCP over loopback (node:net)';

/** Sends `bytes` from a node:net client to a server on 127.0.0.1 and times it until all arrived. */
export function kernelLoopback(bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let t0 = 0n;
    const server = net.createServer((s) => {
      s.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= bytes) {
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          s.destroy();
          client.destroy();
          server.close();
          resolve(seconds);
        }
      });
    });
    server.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let sent = 0;
    let client: net.Socket;
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      client = net.connect(port, '127.0.0.1', () => {
        t0 = process.hrtime.bigint();
        const pump = () => {
          while (sent < bytes) {
            sent += chunk.length;
            if (!client.write(chunk)) return;
          }
        };
        client.on('drain', pump);
        pump();
      });
      client.on('error', reject);
    });
  });
}

/** MB/s of a row (decimal), from its bytes per operation and median time per operation. */
function mbPerSec(row: Row): number {
  return (row.bytesPerOp! / row.medianNs) * 1e3;
}

export async function runGoodputBench(config: BenchConfig): Promise<Row[]> {
  const bytes = (config.quick ? 16 : 64) * 1024 * 1024;
  const rounds = Math.max(1, config.rounds);

  await kernelLoopback(8 << 20); // warm-up
  const kernelSeconds: number[] = [];
  for (let r = 0; r < rounds; r++) kernelSeconds.push(await kernelLoopback(bytes));
  // One "operation" of the kernel row is a 1448-byte segment's worth of data, so its time per
  // operation lines up with the stack rows' time per data segment (MSS 1448 with timestamps).
  const kernel = transferRow(
    GROUP,
    KERNEL,
    'segment',
    bytes,
    kernelSeconds,
    bytes / 1448,
    `${(bytes / 1e6 / median(kernelSeconds)).toFixed(1)} MB/s (median of ${rounds} transfers of ${bytes >> 20} MiB); per 1448-byte segment's worth of data`,
  );

  const stackRows = await runStackBench(config);

  engineTransfer(8 << 20); // warm-up
  const engineRuns = Array.from({ length: rounds }, () => engineTransfer(bytes));
  const engine = transferRow(
    GROUP,
    'engine alone (two Connections, no IP, no codec)',
    'segment',
    bytes,
    engineRuns.map((r) => r.seconds),
    Math.round(median(engineRuns.map((r) => r.segmentsPerSec * r.seconds))),
    `${median(engineRuns.map((r) => r.mbPerSec)).toFixed(1)} MB/s; segments counted both ways`,
  );

  const { share } = await profileTransfer(16 * 1024 * 1024, 0);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const profileNote =
    `time by layer (sampling profile, no loss): WASM codec ${pct(share.codec)}, engine ${pct(share.engine)}, ` +
    `stack+sockets ${pct(share.stack)}, MemoryLink ${pct(share.link)}, streams ${pct(share.streams)}, GC ${pct(share.gc)}, other ${pct(share.other)}`;

  const rows = [kernel, ...stackRows, engine];
  const kernelMb = mbPerSec(kernel);
  for (const row of rows) {
    row.baseline = KERNEL;
    row.ratio = mbPerSec(row) / kernelMb;
  }
  stackRows[0]!.note = `${stackRows[0]!.note}; ${profileNote}`;
  return [...rows, ...(await flowRows(config))];
}

/** The flow counts of the many-flows rows (issue 14: node:net with 1, 10, 100 and 1,000 flows). */
export const FLOW_COUNTS = [1, 10, 100, 1000] as const;

/**
 * Rows at 1, 10, 100 and 1,000 flows: node:net over loopback and two Stacks over a MemoryLink
 * moving the same total, alternating in each round so a burst of load on the shared machine hits
 * both; each stack row's ratio is against node:net at the same flow count, measured round by round.
 */
export async function flowRows(config: BenchConfig): Promise<Row[]> {
  const bytes = (config.quick ? 16 : 64) * 1024 * 1024;
  const rounds = Math.max(1, config.rounds);
  await kernelFlows(10, 8 << 20); // warm-up
  await stackFlows(10, 8 << 20);
  const rows: Row[] = [];
  for (const flows of FLOW_COUNTS) {
    const kernel: FlowsResult[] = [];
    const stack: FlowsResult[] = [];
    for (let r = 0; r < rounds; r++) {
      kernel.push(await kernelFlows(flows, bytes));
      stack.push(await stackFlows(flows, bytes));
    }
    const baseline = `node:net over loopback, ${flows} flow${flows === 1 ? '' : 's'}`;
    const kernelRow = flowRow(baseline, kernel, rounds);
    const stackRow = flowRow(`two Stacks over a MemoryLink, ${flows} flow${flows === 1 ? '' : 's'}`, stack, rounds);
    kernelRow.baseline = stackRow.baseline = baseline;
    kernelRow.ratio = 1;
    // The median of the per-round ratios: each pair ran back to back under the same load.
    stackRow.ratio = median(stack.map((s, i) => s.bytes / s.seconds / (kernel[i]!.bytes / kernel[i]!.seconds)));
    rows.push(kernelRow, stackRow);
  }
  return rows;
}

function flowRow(task: string, runs: FlowsResult[], rounds: number): Row {
  const bytes = runs[0]!.bytes;
  const seconds = runs.map((r) => r.seconds);
  const cpuPerGb = median(runs.map((r) => r.cpuSeconds / (r.bytes / 1e9)));
  const row = transferRow(
    GROUP,
    task,
    'segment',
    bytes,
    seconds,
    bytes / 1448,
    `${(bytes / 1e6 / median(seconds)).toFixed(1)} MB/s (median of ${rounds} transfers of ${bytes >> 20} MiB split over ${runs[0]!.flows} flow${runs[0]!.flows === 1 ? '' : 's'}); ` +
      `CPU ${cpuPerGb.toFixed(2)} s per GB (process.cpuUsage, user+sys); per 1448-byte segment's worth of data`,
  );
  row.cpuSecondsPerGb = cpuPerGb;
  return row;
}
