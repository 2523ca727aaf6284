// The "stack goodput" group of `npm run bench`: two tcpwasm Stacks in one process over a
// MemoryLink (bench/stack.bench.ts), the engine alone without IP or codec (bench/engine.bench.ts),
// and the baseline measured in the same run: the Linux kernel's own TCP over loopback, driven by
// node:net in the same process. The kernel figure is what a real TCP stack does on this machine
// with the same bytes and the same JavaScript on both ends, so the ratio says how far a
// userspace stack in JavaScript is from it. A layer profile of one stack transfer says where the
// stack's time goes (the issue asks for the WASM codec's share next to the engine's).

import net from 'node:net';
import { engineTransfer } from './engine.bench.js';
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
  return rows;
}
