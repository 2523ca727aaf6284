// The "idle connections" group of `npm run bench`: what N established, idle connections cost in
// memory. Two tcpwasm Stacks in one process over a MemoryLink (both ends of every connection
// are ours), beside node:net over loopback with the same N, client and server in one process
// (the process side: the kernel's socket memory is not counted, the JS heap and the handles'
// external memory are). Each figure is measured in a child process started with --expose-gc, so
// nothing else the bench did is in its heap, and the memory is read after full collections:
// (heapUsed + external) after the connections are open minus before, divided by N.
//
// A row's memoryBytesPerOp is that figure per connection (both ends); its time per op is what
// opening one connection took (both ends' work, the handshake included), for scale only.
// ratio on the stack row = node:net's bytes / ours (how many times less memory: < 1 is more).
//
// Standalone:  npm run build:ts && npx tsc -p bench/tsconfig.json && node .bench/idle.bench.js [--quick] [N]

import { execFile } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MemoryLink, Stack, VirtualClock, type TcpSocket } from '../dist/index.js';
import { median, runLatency, type BenchConfig, type Row } from './harness.js';

const GROUP = 'idle connections';
export const IDLE_STACK_TASK = 'tcpwasm, two Stacks over MemoryLink (both ends)';
export const IDLE_NODE_TASK = 'node:net over loopback (both ends, process side)';

/** One child's measurement: memory deltas over N connections and the time to open them. */
export interface IdleMeasurement {
  kind: 'stack' | 'net';
  connections: number;
  /** Connections that reached ESTABLISHED on both ends and stayed there. */
  established: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** (heapUsed + external) delta per connection, both ends. */
  bytesPerConnection: number;
  openSeconds: number;
}

function collect(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('idle bench: run the measurement with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage();
}

function result(
  kind: IdleMeasurement['kind'],
  n: number,
  established: number,
  m0: NodeJS.MemoryUsage,
  m1: NodeJS.MemoryUsage,
  openSeconds: number,
): IdleMeasurement {
  const heapUsed = m1.heapUsed - m0.heapUsed;
  const external = m1.external - m0.external;
  return {
    kind,
    connections: n,
    established,
    heapUsed,
    external,
    arrayBuffers: m1.arrayBuffers - m0.arrayBuffers,
    rss: m1.rss - m0.rss,
    bytesPerConnection: (heapUsed + external) / n,
    openSeconds,
  };
}

/** N idle connections between two Stacks over a MemoryLink; call with --expose-gc. */
export async function measureStack(n: number): Promise<IdleMeasurement> {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ clock });
  const ports: [number, number] = [1024, 65535];
  const client = new Stack({ device: a, addresses: ['192.0.2.1/24'], clock, ephemeralPorts: ports });
  const server = new Stack({ device: b, addresses: ['192.0.2.2/24'], clock, ephemeralPorts: ports });
  const accepted: TcpSocket[] = [];
  const connected: TcpSocket[] = [];
  // Two listening ports, so N up to ~120,000 fits the ephemeral range.
  for (const port of [7, 8]) server.createServer((s) => void accepted.push(s)).listen({ port, backlog: 65535 });
  const open = async (count: number, into: TcpSocket[]) => {
    let done = 0;
    const onConnect = () => void done++;
    const target = accepted.length + count;
    for (let k = 0; k < count; k++) into.push(client.connect(7 + (k % 2), '192.0.2.2', onConnect));
    await clock.runUntil(() => done === count && accepted.length === target, 120_000);
  };
  // Warm-up: every code path compiled and the codec's memory in place before the baseline.
  const warm: TcpSocket[] = [];
  await open(500, warm);
  for (const s of [...warm, ...accepted]) s.destroy();
  accepted.length = 0;
  await clock.runUntil(() => client.connectionCount === 0 && server.connectionCount === 0, 130_000);

  const m0 = collect();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 5000) await open(Math.min(5000, n - i), connected);
  const openSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // Idle: delayed ACKs and the like settle.
  clock.advance(1000);
  await clock.runUntil(() => true);
  const m1 = collect();
  let established = 0;
  for (let i = 0; i < n; i++) {
    if (connected[i]!.tcpState === 'ESTABLISHED' && accepted[i]!.tcpState === 'ESTABLISHED') established++;
  }
  // The child exits with them open: closing would reset every socket (an 'error' each).
  return result('stack', n, established, m0, m1, openSeconds);
}

/** N idle connections over loopback with node:net, client and server in this process. */
export async function measureNodeNet(n: number): Promise<IdleMeasurement> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => void accepted.push(s));
  await new Promise<void>((ok) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, ok));
  const { port } = server.address() as net.AddressInfo;
  const open = async (count: number, into: net.Socket[]) => {
    const target = accepted.length + count;
    let done = 0;
    await new Promise<void>((ok, fail) => {
      const onConnect = () => {
        if (++done === count) ok();
      };
      for (let k = 0; k < count; k++) {
        const s = net.connect(port, '127.0.0.1', onConnect);
        s.on('error', fail);
        into.push(s);
      }
    });
    while (accepted.length < target) await new Promise((ok) => setTimeout(ok, 5));
  };
  const warm: net.Socket[] = [];
  await open(500, warm);
  for (const s of [...warm, ...accepted]) s.destroy();
  accepted.length = 0;
  await new Promise((ok) => setTimeout(ok, 50));

  const connected: net.Socket[] = [];
  const m0 = collect();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1000) await open(Math.min(1000, n - i), connected);
  const openSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise((ok) => setTimeout(ok, 50));
  const m1 = collect();
  let established = 0;
  for (let i = 0; i < n; i++)
    if (connected[i]!.readyState === 'open' && accepted[i]!.readyState === 'open') established++;
  const r = result('net', n, established, m0, m1, openSeconds);
  for (const s of [...connected, ...accepted]) s.destroy();
  server.close();
  return r;
}

/** Runs one measurement in a fresh child (this file, --expose-gc) and returns what it printed. */
function measureInChild(kind: IdleMeasurement['kind'], n: number): Promise<IdleMeasurement> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((ok, fail) => {
    execFile(
      process.execPath,
      [...process.execArgv, '--expose-gc', self, '--child', kind, String(n)],
      { maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`idle bench child (${kind}, ${n}): ${error.message}\n${stderr}`));
        else ok(JSON.parse(stdout.trim().split('\n').pop()!) as IdleMeasurement);
      },
    );
  });
}

function row(task: string, runs: IdleMeasurement[]): Row {
  const n = runs[0]!.connections;
  const bytes = median(runs.map((r) => r.bytesPerConnection));
  const perRound = runs.map((r) => (r.openSeconds * 1e9) / n);
  const ns = median(perRound);
  const typical = runs.reduce((p, q) =>
    Math.abs(q.bytesPerConnection - bytes) < Math.abs(p.bytesPerConnection - bytes) ? q : p,
  );
  const kb = (x: number) => (x / n / 1024).toFixed(2);
  return {
    group: GROUP,
    task,
    unit: 'connection',
    medianNs: ns,
    opsPerSec: 1e9 / ns,
    memoryBytesPerOp: bytes,
    opsPerIteration: n,
    samples: runs.length,
    roundMediansNs: perRound,
    latencyMs: runLatency(perRound),
    note:
      `${Math.round(bytes).toLocaleString('en')} B per idle connection (both ends; median of ${runs.length} runs: ` +
      `${runs.map((r) => Math.round(r.bytesPerConnection)).join(', ')}), ${n.toLocaleString('en')} connections, ` +
      `heapUsed + external after gc; typical run per connection: heap ${kb(typical.heapUsed)} KiB, ` +
      `external ${kb(typical.external)} KiB (array buffers ${kb(typical.arrayBuffers)}), RSS ${kb(typical.rss)} KiB`,
  };
}

/** Rows for bench/run.ts: ours and node:net's bytes per idle connection, medians over rounds. */
export async function runIdleBench(config: BenchConfig): Promise<Row[]> {
  const n = config.quick ? 2000 : 5000;
  const rounds = Math.max(3, config.rounds);
  const stack: IdleMeasurement[] = [];
  const node: IdleMeasurement[] = [];
  // Interleaved, so load on the machine that comes and goes hits both alike.
  for (let r = 0; r < rounds; r++) {
    stack.push(await measureInChild('stack', n));
    node.push(await measureInChild('net', n));
  }
  for (const m of [...stack, ...node]) {
    if (m.established !== m.connections) {
      throw new Error(`idle bench (${m.kind}): ${m.established} of ${m.connections} connections established`);
    }
  }
  const ours = row(IDLE_STACK_TASK, stack);
  const theirs = row(IDLE_NODE_TASK, node);
  for (const r of [ours, theirs]) {
    r.baseline = IDLE_NODE_TASK;
    r.ratio = theirs.memoryBytesPerOp! / r.memoryBytesPerOp!;
  }
  return [ours, theirs];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const child = args.indexOf('--child');
  if (child >= 0) {
    const kind = args[child + 1] === 'net' ? 'net' : 'stack';
    const n = Number(args[child + 2] ?? 5000);
    const m = kind === 'net' ? await measureNodeNet(n) : await measureStack(n);
    // Exit with the connections open (they would hold the process).
    process.stdout.write(`${JSON.stringify(m)}\n`, () => process.exit(0));
    return;
  }
  const quick = args.includes('--quick');
  const rows = await runIdleBench({ time: 0, warmupTime: 0, iterations: 1, warmupIterations: 0, rounds: 3, quick });
  for (const r of rows) {
    console.log(`${r.task.padEnd(50)} ${Math.round(r.memoryBytesPerOp!).toString().padStart(6)} B  ${r.note}`);
  }
}

// Run as a script, or as the measuring child (not when imported by bench/run.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
