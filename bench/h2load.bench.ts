// The "TUN HTTP/2" group of `npm run bench`: h2load (nghttp2's load generator, a client nobody
// here wrote) against node:http2 in cleartext (h2c) on our stack over a TUN device, run with
// `ip netns exec` in a namespace made for it, beside the same node:http2 server on the kernel's
// TCP over 127.0.0.1 in this process, in the same run. Two shapes: 1 connection × 100 concurrent
// streams (where Nagle held every small frame before Minshall's rule) and 50 connections × 10
// streams. Target from the issue: ≥ 0.7× the kernel. Every request must succeed.
//
// Standalone:  npm run build && tsc -p bench/tsconfig.json && node .bench/h2load.bench.js [--quick]

import { spawn, spawnSync } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stack, TunDevice } from '../dist/index.js';
import type { BenchConfig, Row } from './harness.js';
import { BenchNamespace } from './tun-netns.js';

export const H2_GROUP = 'TUN HTTP/2 (h2load h2c)';
const HOST_ADDRESS = '198.51.100.1/24';
const STACK_ADDRESS = '198.51.100.2/24';
const STACK_IP = '198.51.100.2';
const BODY = 'hello from tcpwasm over HTTP/2\n';
const TARGET_RATIO = 0.7;
const SHAPES = [
  { name: '1 connection × 100 streams', args: ['-c', '1', '-m', '100'] },
  { name: '50 connections × 10 streams', args: ['-c', '50', '-m', '10'] },
] as const;

interface H2loadResult {
  reqPerSec: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
}

/** Why this group cannot run here, or undefined. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'not root: needs CAP_NET_ADMIN for TUN devices and `ip netns`';
  if (spawnSync('h2load', ['--version'], { stdio: 'ignore' }).error)
    return 'h2load is not installed (apt-get install nghttp2-client)';
  return undefined;
}

function h2server(): http2.Http2Server {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end(BODY);
  });
  return server;
}

/** Runs h2load (in `netns` when given) and parses its summary. */
function h2load(
  netns: string | undefined,
  url: string,
  requests: number,
  args: readonly string[],
): Promise<H2loadResult> {
  const argv = ['-n', String(requests), ...args, url];
  const child = netns === undefined ? spawn('h2load', argv) : spawn('ip', ['netns', 'exec', netns, 'h2load', ...argv]);
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
      const counts =
        /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
          out,
        );
      if (code !== 0 || !rate || !counts) {
        reject(new Error(`h2load ${argv.join(' ')} exited ${String(code)}: ${out.slice(-600)} ${err.slice(-600)}`));
        return;
      }
      resolvePromise({
        reqPerSec: Number(rate[1]),
        succeeded: Number(counts[1]),
        failed: Number(counts[2]),
        errored: Number(counts[3]),
        timeout: Number(counts[4]),
      });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function row(task: string, reqPerSec: number, note: string): Row {
  const ns = 1e9 / reqPerSec;
  const ms = ns / 1e6;
  return {
    group: H2_GROUP,
    task,
    unit: 'request',
    medianNs: ns,
    opsPerSec: reqPerSec,
    opsPerIteration: 1,
    samples: 1,
    roundMediansNs: [ns],
    latencyMs: { p50: ms, mean: ms, min: ms, max: ms, p99: ms, mad: 0, rme: 0 },
    note,
  };
}

export async function runH2loadBench(config: BenchConfig): Promise<{ rows: Row[]; input: string }> {
  const why = unavailable();
  if (why !== undefined) {
    console.log(`!! TUN HTTP/2 skipped: ${why}`);
    return { rows: [], input: `not measured: ${why}` };
  }
  const requests = config.quick ? 5000 : 20000;
  const rounds = config.quick ? 1 : 3;
  const ns = BenchNamespace.create();
  const tun = await TunDevice.open({ mtu: 1500, hostAddresses: [HOST_ADDRESS], netns: ns.name });
  const stack = new Stack({ device: tun, addresses: [STACK_ADDRESS] });
  const ours = h2server();
  const listener = stack.createServer({ noDelay: true }, (socket) => ours.emit('connection', socket)).listen(80);
  const kernel = h2server();
  await new Promise<void>((r) => kernel.listen(0, '127.0.0.1', r));
  const kernelUrl = `http://127.0.0.1:${(kernel.address() as AddressInfo).port}/`;
  const rows: Row[] = [];
  try {
    for (const shape of SHAPES) {
      const onKernel: number[] = [];
      const onUs: number[] = [];
      // Interleaved, so a noisy moment on the shared machine does not fall on one side only.
      for (let r = 0; r < rounds; r++) {
        for (const [netns, url, into] of [
          [undefined, kernelUrl, onKernel],
          [ns.name, `http://${STACK_IP}/`, onUs],
        ] as const) {
          const result = await h2load(netns, url, requests, shape.args);
          const bad = result.failed + result.errored + result.timeout;
          if (bad > 0 || result.succeeded !== requests)
            throw new Error(`h2load ${shape.name} on ${netns ? 'our stack' : 'the kernel'}: ${JSON.stringify(result)}`);
          into.push(result.reqPerSec);
        }
      }
      const k = median(onKernel);
      const u = median(onUs);
      const kernelTask = `kernel TCP over 127.0.0.1, node:http2 h2c: ${shape.name}`;
      const kRow = row(
        kernelTask,
        k,
        `${k.toFixed(0)} req/s (median of ${rounds} × ${requests} requests; all: ${onKernel.map((x) => x.toFixed(0)).join(', ')}), 0 failed`,
      );
      kRow.baseline = kernelTask;
      kRow.ratio = 1;
      const uRow = row(
        `TUN MTU 1500, node:http2 h2c on our stack: ${shape.name}`,
        u,
        `${u.toFixed(0)} req/s (median of ${rounds} × ${requests} requests; all: ${onUs.map((x) => x.toFixed(0)).join(', ')}), 0 failed; ` +
          `${(u / k).toFixed(2)}× the kernel, target ≥ ${TARGET_RATIO}× ${u / k >= TARGET_RATIO ? 'met' : 'MISSED'}`,
      );
      uRow.baseline = kernelTask;
      uRow.ratio = u / k;
      rows.push(kRow, uRow);
    }
  } finally {
    listener.close();
    stack.close();
    kernel.close();
    ns.delete();
  }
  const input =
    `h2load -n ${requests} (h2c, prior knowledge) from the namespace to node:http2 on our stack (${STACK_ADDRESS}, TUN MTU 1500, server noDelay), ` +
    `and from here to the same server code on the kernel's TCP over 127.0.0.1; ${rounds} interleaved round(s) per shape`;
  return { rows, input };
}

/** The rate column of this group. */
export function h2Rate(row: Row): string | undefined {
  return row.group === H2_GROUP ? `${row.opsPerSec.toFixed(0)} req/s` : undefined;
}

// Run as a script (not imported by bench/run.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const quick = process.argv.includes('--quick');
  runH2loadBench({ time: 0, warmupTime: 0, iterations: 1, warmupIterations: 0, rounds: 1, quick })
    .then(({ rows, input }) => {
      console.log(input);
      for (const r of rows)
        console.log(`${r.task}\n    ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.baseline}; `}${r.note}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
