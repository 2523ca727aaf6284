// The "TUN" groups of `npm run bench`: the userspace stack serving the Linux kernel's own TCP
// through a TUN device, in a network namespace made for each measurement.
//   goodput   kernel → stack (the kernel uploads into our sink) and stack → kernel (our source
//             feeds a kernel download) at MTU 1500 and 65000, each beside the same client talking
//             to the same services on the kernel's TCP over lo in the namespace (lo's MTU set to
//             the TUN's) and beside node:net over 127.0.0.1 in this process;
//   conn/s    a kernel client doing HTTP/1.1 GETs, one new connection each (Connection: close),
//             against node:http on our sockets, beside the same client against node:http on the
//             kernel's TCP; every response is checked and none may fail;
//   HTTP      ApacheBench (`ab -k`, a C client in the namespace) fetching 1 MiB bodies over kept-alive
//             connections from node:http on our sockets, beside the same ab against the same app
//             on the kernel's TCP over lo;
//   CPU       this process's user+system time per GB and share of one core while it serves, and
//             a sampling profile of one transfer each way split into tcpwasm's layers.
// Needs root (CAP_NET_ADMIN, `ip netns`) and the native addon; without them the stage is
// skipped with the reason printed.
//
// Standalone:  npm run build && tsc -p bench/tsconfig.json && node .bench/tun.bench.js [--quick]
//              [--mtu=1500] [--buffer=BYTES] [--bytes=MiB] [--rounds=N] [--only=goodput|conn|profile|http]
//              [--offload=on|off]   (TCP segmentation offload on the TUN devices; default on)
//              [--receive-offload=on|off]   (GSO super-packets from the kernel; default: as --offload)

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Stack, TunDevice, type TunCounters } from '../dist/index.js';
import { kernelLoopback } from './goodput.bench.js';
import { median, transferRow, type BenchConfig, type Row } from './harness.js';
import { profileLayers, shares, type LayerHits, type LayerProfile } from './layer-profile.js';
import { runAb, type AbReport } from './tun-ab.js';
import { BenchNamespace, stopChild } from './tun-netns.js';
import { PORTS, startStackServices, type StackServices, type StackSideTransfer } from './tun-services.js';

const HOST_ADDRESS = '198.51.100.1/24';
const STACK_ADDRESS = '198.51.100.2/24';
const STACK_IP = '198.51.100.2';

export const GOODPUT_GROUP = 'TUN goodput';
export const CONN_GROUP = 'TUN connections/s';
export const HTTP_GROUP = 'TUN HTTP 1 MiB responses (ab -k)';
export const MTUS = [1500, 65000] as const;
type Direction = 'upload' | 'download';
/** Sampling interval of the layer profile, µs. */
const PROFILE_INTERVAL_US = 100;
/** The scripts that call into the TUN addon: native time under them is the addon's. */
const NATIVE_CALLERS = /\/link\/tun-(device|addon)\./;
/** Every layer but idle: profile shares are of the time the thread was busy. */
const BUSY_LAYERS = ['native', 'codec', 'engine', 'stack', 'link', 'streams', 'gc', 'program', 'other'] as const;
/** Targets from the issue, Gbit/s, per MTU. */
const TARGET_GBIT: Record<number, number> = { 1500: 1, 65000: 4 };

/**
 * Send and receive buffer of our stack (the default is 256 KiB). Over a TUN device on the same
 * host the round trip is tens of microseconds, so even 256 KiB would allow gigabytes per second;
 * 1 MiB holds 16 segments at MTU 65000 and ~700 at MTU 1500, so the window never waits on one
 * ACK. Larger buffers only spread the data over more memory than the cache holds (copyIn and
 * copyOut get slower): in a sweep on this machine (4 interleaved rounds of 64 MiB, medians,
 * Gbit/s up/down) MTU 1500: 256 KiB 1.9/1.3, 512 KiB 2.9/1.5, 1 MiB 2.2/1.3, 4 MiB 1.8/1.1;
 * MTU 65000: 256 KiB 5.3/3.6, 512 KiB 6.6/3.7, 1 MiB 4.5/4.7, 4 MiB 4.5/3.5, 8 MiB 3.9/4.3 —
 * within the noise of a shared machine except that 4 MiB and more is no better. --buffer
 * overrides it for experiments.
 */
export const STACK_BUFFER = 1024 * 1024;

/** Payload bytes per full segment towards the kernel: MTU − IPv4 − TCP − timestamps option. */
function segmentPayload(mtu: number): number {
  return mtu - 20 - 20 - 12;
}

// ---- availability -------------------------------------------------------------------------

/** Why the TUN bench cannot run here, or undefined when it can. */
async function tunUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `TUN needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'not root: needs CAP_NET_ADMIN for TUN devices and `ip netns` (run the bench as root)';
  }
  // One real open, in a namespace of its own: the addon loads, /dev/net/tun opens, `ip` works.
  let ns: BenchNamespace | undefined;
  try {
    ns = BenchNamespace.create();
    const dev = await TunDevice.open({ mtu: 1500, hostAddresses: [HOST_ADDRESS], netns: ns.name });
    dev.close();
    return undefined;
  } catch (error) {
    const e = error as Error & { code?: string };
    return `TunDevice.open failed${e.code ? ` (${e.code})` : ''}: ${e.message}`;
  } finally {
    ns?.delete();
  }
}

// ---- one measurement ----------------------------------------------------------------------

interface Measured {
  bytes: number;
  /** Receiver's first byte to last byte. */
  seconds: number;
  mbPerSec: number;
  /** The stack side (this process) over its window; absent for kernel-only runs. */
  stackSide?: StackSideTransfer;
  clientCpuSeconds: number;
  /** TUN counters over the run. */
  tun?: {
    packetsIn: number;
    batchesIn: number;
    packetsOut: number;
    writeBatches: number;
    writeDrops: number;
    readErrors: number;
    /** Of packetsOut, TCP super-packets written with GSO (offload), and the wire segments they stand for. */
    offloadPacketsOut: number;
    offloadSegmentsOut: number;
    /** Of packetsIn, TCP super-packets the kernel handed us (receive offload), and their wire segments. */
    offloadPacketsIn: number;
    offloadSegmentsIn: number;
  };
  retransmissions?: number;
}

interface PeerReport {
  bytes: number;
  seconds: number;
  clientCpuSeconds: number;
}

function peerTimeout(bytes: number): number {
  return 30_000 + bytes / 5e3; // 5 MB/s would be far below anything sane
}

function diffCounters(a: TunCounters, b: TunCounters): NonNullable<Measured['tun']> {
  return {
    packetsIn: b.packetsIn - a.packetsIn,
    batchesIn: b.batchesIn - a.batchesIn,
    packetsOut: b.packetsOut - a.packetsOut,
    writeBatches: b.writeBatches - a.writeBatches,
    writeDrops: b.writeDrops - a.writeDrops,
    readErrors: b.readErrors - a.readErrors,
    offloadPacketsOut: b.offloadPacketsOut - a.offloadPacketsOut,
    offloadSegmentsOut: b.offloadSegmentsOut - a.offloadSegmentsOut,
    offloadPacketsIn: b.offloadPacketsIn - a.offloadPacketsIn,
    offloadSegmentsIn: b.offloadSegmentsIn - a.offloadSegmentsIn,
  };
}

/** A namespace, a TUN device in it and a Stack with the bench services, torn down by close(). */
interface TunSetup {
  ns: BenchNamespace;
  dev: TunDevice;
  stack: Stack;
  services: StackServices;
  close(): void;
}

async function openTun(mtu: number, buffer: number, offload = true, receiveOffload = offload): Promise<TunSetup> {
  const ns = BenchNamespace.create();
  let dev: TunDevice | undefined;
  let stack: Stack | undefined;
  try {
    dev = await TunDevice.open({ mtu, hostAddresses: [HOST_ADDRESS], netns: ns.name, offload, receiveOffload });
    // tcp.mss unset: the stack takes the MSS from the device MTU.
    stack = new Stack({
      device: dev,
      addresses: [STACK_ADDRESS],
      tcp: { sendBufferSize: buffer, receiveBufferSize: buffer },
    });
    const services = startStackServices(stack);
    const s = stack;
    const d = dev;
    return {
      ns,
      dev: d,
      stack: s,
      services,
      close() {
        services.close();
        s.close(); // closes the device too
        d.close();
        ns.delete();
      },
    };
  } catch (error) {
    stack?.close();
    dev?.close();
    ns.delete();
    throw error;
  }
}

/** One transfer between the kernel (client in the namespace) and our stack over TUN. */
async function tunTransfer(setup: TunSetup, direction: Direction, bytes: number): Promise<Measured> {
  const { ns, dev, stack, services } = setup;
  const before = { ...dev.counters };
  const retx0 = stack.stats.retransmissions;
  const done = services.transfers.length;
  const port = direction === 'upload' ? PORTS.sink : PORTS.source;
  const report = await ns.peer<PeerReport>([direction, STACK_IP, String(port), String(bytes)], peerTimeout(bytes))
    .result;
  // The source's window ends when its socket closes, a moment after the kernel saw the end.
  const deadline = Date.now() + 5000;
  while (services.transfers.length === done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const stackSide = services.transfers[done];
  if (stackSide === undefined) throw new Error(`TUN ${direction}: the stack side never finished its transfer`);
  if (report.bytes !== bytes || stackSide.bytes !== bytes) {
    throw new Error(
      `TUN ${direction}: ${report.bytes} bytes reported by the kernel side, ${stackSide.bytes} by the stack, ${bytes} expected`,
    );
  }
  return {
    bytes,
    seconds: report.seconds,
    mbPerSec: bytes / 1e6 / report.seconds,
    stackSide,
    clientCpuSeconds: report.clientCpuSeconds,
    tun: diffCounters(before, dev.counters),
    retransmissions: stack.stats.retransmissions - retx0,
  };
}

/** The kernel's TCP on both ends over lo in a namespace, same client and services (tun-peer serve). */
async function withKernelServer<T>(mtu: number, work: (ns: BenchNamespace) => Promise<T>): Promise<T> {
  const ns = BenchNamespace.create();
  try {
    ns.setLoopbackMtu(mtu);
    const server = ns.peer<{ listening: boolean }>(
      ['serve', String(PORTS.sink), String(PORTS.source), String(PORTS.http)],
      15_000,
    );
    try {
      await server.result;
      return await work(ns);
    } finally {
      await stopChild(server.child);
    }
  } finally {
    ns.delete();
  }
}

async function loTransfer(ns: BenchNamespace, direction: Direction, bytes: number): Promise<Measured> {
  const port = direction === 'upload' ? PORTS.sink : PORTS.source;
  const report = await ns.peer<PeerReport>([direction, '127.0.0.1', String(port), String(bytes)], peerTimeout(bytes))
    .result;
  if (report.bytes !== bytes) throw new Error(`lo ${direction}: ${report.bytes} of ${bytes} bytes`);
  return {
    bytes,
    seconds: report.seconds,
    mbPerSec: bytes / 1e6 / report.seconds,
    clientCpuSeconds: report.clientCpuSeconds,
  };
}

// ---- connections per second ----------------------------------------------------------------

interface HttpReport {
  ok: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  clientCpuSeconds: number;
}

const PAGE_PATH = '/bytes/1024';

export interface ConnResult {
  report: HttpReport;
  /** Stack side: connections the HTTP server accepted, responses sent, CPU over the run. */
  accepted?: number;
  responses?: number;
  cpuSeconds?: number;
  /** Non-TIME-WAIT connections still in the table after the clients finished (must be 0). */
  leftOpen?: number;
  timeWait?: number;
  tableSize?: number;
}

async function tunConnections(seconds: number, concurrency: number): Promise<ConnResult> {
  const setup = await openTun(1500, STACK_BUFFER);
  try {
    const { ns, stack, services } = setup;
    const cpu0 = process.cpuUsage();
    const report = await ns.peer<HttpReport>(
      ['http', STACK_IP, String(PORTS.http), PAGE_PATH, String(concurrency), String(seconds)],
      seconds * 1000 + 60_000,
    ).result;
    const cpu = process.cpuUsage(cpu0);
    // The kernel has all its replies; give our side a moment to see the last FINs and ACKs.
    const states = () => {
      let open = 0;
      let tw = 0;
      for (const c of services.httpConnections) {
        if (c.state === 'TIME-WAIT') tw++;
        else if (c.state !== 'CLOSED') open++;
      }
      return { open, tw };
    };
    const deadline = Date.now() + 5000;
    while (states().open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const { open, tw } = states();
    return {
      report,
      accepted: services.httpConnections.length,
      responses: services.httpResponses(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      leftOpen: open,
      timeWait: tw,
      tableSize: stack.connectionCount,
    };
  } finally {
    setup.close();
  }
}

async function loConnections(seconds: number, concurrency: number): Promise<ConnResult> {
  return withKernelServer(65536, async (ns) => ({
    report: await ns.peer<HttpReport>(
      ['http', '127.0.0.1', String(PORTS.http), PAGE_PATH, String(concurrency), String(seconds)],
      seconds * 1000 + 60_000,
    ).result,
  }));
}

// ---- 1 MiB HTTP responses to ab -k ------------------------------------------------------------

/** Body size of the HTTP row: 1 MiB (bench/clients/pattern.mjs serves up to that). */
const HTTP_BODY = 1 << 20;
/** The MTU of the TUN in the HTTP row (the kernel baseline runs on lo at its default 65536). */
const HTTP_MTU = 1500;

interface HttpRun {
  ab: AbReport;
  /** This process's user+system CPU over the ab run, s (stack side only). */
  cpuSeconds?: number;
  tun?: NonNullable<Measured['tun']>;
  retransmissions?: number;
}

async function tunHttp(
  requests: number,
  concurrency: number,
  buffer: number,
  offload: boolean,
  receiveOffload: boolean,
  /** Runs the ab run (only it, not the device's setup): the profiler wraps it. */
  around: (work: () => Promise<AbReport>) => Promise<AbReport> = (work) => work(),
): Promise<HttpRun> {
  const setup = await openTun(HTTP_MTU, buffer, offload, receiveOffload);
  try {
    const { ns, dev, stack } = setup;
    const before = { ...dev.counters };
    const retx0 = stack.stats.retransmissions;
    const cpu0 = process.cpuUsage();
    const ab = await around(() => runAb(ns, STACK_IP, PORTS.http, HTTP_BODY, requests, concurrency));
    const cpu = process.cpuUsage(cpu0);
    return {
      ab,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      tun: diffCounters(before, dev.counters),
      retransmissions: stack.stats.retransmissions - retx0,
    };
  } finally {
    setup.close();
  }
}

async function loHttp(requests: number, concurrency: number): Promise<HttpRun> {
  return withKernelServer(65536, async (ns) => ({
    ab: await runAb(ns, '127.0.0.1', PORTS.http, HTTP_BODY, requests, concurrency),
  }));
}

/** The HTTP group's two rows: ab against the kernel's TCP (baseline) and against our stack over TUN. */
async function httpRows(quick: boolean, options: TunBenchOptions): Promise<Row[]> {
  const requests = quick ? 100 : 400;
  const concurrency = 4;
  const rounds = options.rounds ?? (quick ? 1 : 3);
  const buffer = options.buffer ?? STACK_BUFFER;
  const offload = options.offload ?? true;
  const receiveOffload = receiveOffloadOf(options);
  await tunHttp(Math.min(requests, 50), concurrency, buffer, offload, receiveOffload); // warm-up: JIT, WASM memory
  const tun: HttpRun[] = [];
  const lo: HttpRun[] = [];
  for (let r = 0; r < rounds; r++) {
    lo.push(await loHttp(requests, concurrency));
    tun.push(await tunHttp(requests, concurrency, buffer, offload, receiveOffload));
  }
  const mb = (x: HttpRun) => x.ab.bodyBytes / 1e6 / x.ab.seconds;
  const loMb = median(lo.map(mb));
  const tunMb = median(tun.map(mb));
  const what = `${requests} × GET /bytes/${HTTP_BODY}, ${concurrency} kept-alive connections (ab -k -c ${concurrency}), every response complete`;
  const loTask = `lo: ab -k, node:http on the kernel's TCP (MTU 65536)`;
  const loRow = transferRow(
    HTTP_GROUP,
    loTask,
    'request',
    requests * HTTP_BODY,
    lo.map((x) => x.ab.seconds),
    requests,
    `${fmt(loMb)} MB/s, ${fmt(median(lo.map((x) => x.ab.requestsPerSec)))} requests/s (median of ${rounds}; ${what})`,
  );
  loRow.baseline = loTask;
  loRow.ratio = 1;
  const perGb = median(tun.map((x) => x.cpuSeconds! / (x.ab.bodyBytes / 1e9)));
  const core = median(tun.map((x) => x.cpuSeconds! / x.ab.seconds));
  const offloaded = median(tun.map((x) => x.tun!.offloadPacketsOut / Math.max(1, x.tun!.packetsOut)));
  const retx = tun.reduce((n, x) => n + (x.retransmissions ?? 0), 0);
  const tunRow = transferRow(
    HTTP_GROUP,
    `TUN MTU ${HTTP_MTU}: ab -k, node:http on our stack`,
    'request',
    requests * HTTP_BODY,
    tun.map((x) => x.ab.seconds),
    requests,
    `${fmt(tunMb)} MB/s, ${fmt(median(tun.map((x) => x.ab.requestsPerSec)))} requests/s (median of ${rounds}; all: ${tun.map((x) => fmt(mb(x), 0)).join(', ')} MB/s; ${what}), ` +
      `target ≥ 0.7× the kernel ${tunMb / loMb >= 0.7 ? 'met' : 'MISSED'}; stack process CPU ${fmt(perGb, 2)} s/GB, ${pct(core)} of one core; ` +
      `segmentation offload ${offload ? 'on' : 'off'} (${pct(offloaded)} of packets written were GSO super-packets), receive offload ${receiveOffload ? 'on' : 'off'}, ` +
      `${tun.reduce((n, x) => n + x.tun!.writeDrops, 0)} write drops, ${retx} retransmissions`,
  );
  tunRow.baseline = loTask;
  tunRow.ratio = tunMb / loMb;
  // Where this process's time goes while it serves: a separate run under the profiler (which
  // slows the process; the figures above come from unprofiled runs).
  let profiled!: LayerProfile<AbReport>;
  await tunHttp(Math.min(requests, 100), concurrency, buffer, offload, receiveOffload, async (work) => {
    profiled = await profileLayers(work, { intervalUs: PROFILE_INTERVAL_US, nativeCallers: NATIVE_CALLERS });
    return profiled.result;
  });
  const busy = shares(profiled.hits, BUSY_LAYERS);
  const busyHits = Object.entries(profiled.hits).reduce((n, [k, v]) => (k === 'idle' ? n : n + v), 0);
  const idleShare = profiled.hits.idle / Math.max(1, busyHits + profiled.hits.idle);
  const busiest = profiled.top
    .filter((t) => t.layer !== 'idle')
    .slice(0, 5)
    .map((t) => `${t.fn.replace(/ \((dist|src|node_modules)\/[^)]*\)/g, '')} ${pct(t.hits / busyHits)}`)
    .join(', ');
  tunRow.note +=
    `; time by layer (sampling profile of ${Math.min(requests, 100)} requests, idle samples left out, ${pct(idleShare)} of samples idle): ` +
    `native addon ${pct(busy.native)}, WASM codec ${pct(busy.codec)}, TCP engine ${pct(busy.engine)}, stack+sockets ${pct(busy.stack)}, ` +
    `link JS ${pct(busy.link)}, streams ${pct(busy.streams)}, GC ${pct(busy.gc)}, outside JS ${pct(busy.program)}, other (node:http mostly) ${pct(busy.other)}; ` +
    `busiest functions: ${busiest}`;
  return [loRow, tunRow];
}

// ---- the stage ------------------------------------------------------------------------------

export interface TunBenchOptions {
  mtus?: readonly number[];
  buffer?: number;
  bytes?: number;
  rounds?: number;
  only?: 'goodput' | 'conn' | 'profile' | 'http';
  /** TCP segmentation offload on the TUN devices (default true, as TunDevice.open). */
  offload?: boolean;
  /** Receive offload (GSO super-packets from the kernel; default: as offload, as TunDevice.open). */
  receiveOffload?: boolean;
  /** Print each profile's layers and busiest functions as it finishes (standalone runs). */
  verbose?: boolean;
}

const receiveOffloadOf = (options: TunBenchOptions) => options.receiveOffload ?? options.offload ?? true;
const gbit = (mbPerSec: number) => (mbPerSec * 8) / 1000;
const fmt = (x: number, d = 1) => x.toFixed(d);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The kernel-side client's CPU seconds per GB moved (median). */
function clientPerGb(runs: Measured[]): number {
  return median(runs.map((r) => r.clientCpuSeconds / (r.bytes / 1e9)));
}

function cpuSummary(runs: Measured[]): { perGb: number; core: number; system: number; loop: number } {
  const sides = runs.map((r) => r.stackSide!).filter((s) => s !== undefined);
  return {
    loop: median(sides.map((s) => s.eventLoopBusy)),
    perGb: median(sides.map((s) => s.cpuSeconds / (s.bytes / 1e9))),
    core: median(sides.map((s) => s.cpuSeconds / s.seconds)),
    system: median(sides.map((s) => s.systemSeconds / s.cpuSeconds)),
  };
}

/**
 * What crossed the TUN device, per transfer (medians): packets each way, how many a read
 * wake-up and a write call carried (each packet is one read() or write() syscall either way),
 * and ACKs per 100 data packets (the receiver's packets per 100 of the sender's).
 */
function tunSummary(runs: Measured[], direction: Direction): string {
  const t = runs.map((r) => r.tun!).filter((x) => x !== undefined);
  if (t.length === 0) return '';
  const perBatchIn = median(t.map((x) => x.packetsIn / Math.max(1, x.batchesIn)));
  const perBatchOut = median(t.map((x) => x.packetsOut / Math.max(1, x.writeBatches)));
  const acks = median(
    t.map((x) => (direction === 'upload' ? x.packetsOut / x.packetsIn : x.packetsIn / x.packetsOut) * 100),
  );
  const drops = t.reduce((s, x) => s + x.writeDrops, 0);
  const retx = runs.reduce((s, r) => s + (r.retransmissions ?? 0), 0);
  // Wire segments the kernel received per packet written: 1 without offload.
  const wireSegments = (x: (typeof t)[number]) => x.packetsOut - x.offloadPacketsOut + x.offloadSegmentsOut;
  const offloaded = median(t.map((x) => x.offloadPacketsOut));
  const offloadNote =
    offloaded > 0
      ? ` (${Math.round(offloaded)} of them GSO super-packets; ${fmt(median(t.map((x) => wireSegments(x) / Math.max(1, x.packetsOut))), 2)} wire segments per packet written)`
      : '';
  const offloadedIn = median(t.map((x) => x.offloadPacketsIn));
  const inNote =
    offloadedIn > 0
      ? ` (${Math.round(offloadedIn)} of them GSO super-packets from the kernel, ${fmt(median(t.map((x) => (x.packetsIn - x.offloadPacketsIn + x.offloadSegmentsIn) / Math.max(1, x.packetsIn))), 2)} wire segments per packet read)`
      : '';
  return (
    `; TUN per transfer: ${Math.round(median(t.map((x) => x.packetsIn)))} packets read${inNote} in ${Math.round(median(t.map((x) => x.batchesIn)))} wake-ups (${fmt(perBatchIn)} each), ` +
    `${Math.round(median(t.map((x) => x.packetsOut)))} written${offloadNote} in ${Math.round(median(t.map((x) => x.writeBatches)))} calls (${fmt(perBatchOut)} each), ` +
    `${fmt(acks, 0)} ACKs per 100 data packets, ${drops} write drops, ${retx} retransmissions`
  );
}

/** Runs the TUN stage. Returns its rows and a line for results.json's inputs (or the skip reason). */
export async function runTunBench(
  config: BenchConfig,
  options: TunBenchOptions = {},
): Promise<{ rows: Row[]; input: string }> {
  const unavailable = await tunUnavailable();
  if (unavailable !== undefined) {
    console.log(`!! TUN bench skipped: ${unavailable}`);
    return { rows: [], input: `skipped: ${unavailable}` };
  }
  const quick = config.quick;
  const bytes = options.bytes ?? (quick ? 32 : 256) * 1024 * 1024;
  const rounds = options.rounds ?? (quick ? 1 : 5);
  const mtus = options.mtus ?? MTUS;
  const connSeconds = quick ? 2 : 10;
  const concurrency = 16;
  const rows: Row[] = [];
  const directions: Direction[] = ['upload', 'download'];
  const label = (d: Direction) => (d === 'upload' ? 'kernel → stack' : 'stack → kernel');
  const loLabel = (d: Direction) =>
    d === 'upload' ? 'kernel client → kernel server' : 'kernel server → kernel client';

  if (options.only === undefined || options.only === 'goodput') {
    // Warm-up (JIT, WASM memory) both ways; not timed.
    {
      const setup = await openTun(
        1500,
        options.buffer ?? STACK_BUFFER,
        options.offload ?? true,
        receiveOffloadOf(options),
      );
      try {
        for (const d of directions) await tunTransfer(setup, d, Math.min(bytes, 32 << 20));
      } finally {
        setup.close();
      }
    }
    const nodeNetBytes = Math.min(bytes, 64 << 20);
    const nodeNet: number[] = [];
    const tun = new Map<string, Measured[]>();
    const lo = new Map<string, Measured[]>();
    const push = (m: Map<string, Measured[]>, k: string, v: Measured) => m.set(k, [...(m.get(k) ?? []), v]);
    // Rounds interleave every case (as harness.runTasks does), so a burst of load on the shared
    // machine hurts one round of one case, not all of one case.
    for (let r = 0; r < rounds; r++) {
      nodeNet.push(await kernelLoopback(nodeNetBytes));
      for (const mtu of mtus) {
        for (const d of directions) {
          // A fresh namespace per transfer: nothing carries over (the kernel's cached TCP
          // metrics for the peer, a connection still in TIME-WAIT) from one to the next.
          const setup = await openTun(
            mtu,
            options.buffer ?? STACK_BUFFER,
            options.offload ?? true,
            receiveOffloadOf(options),
          );
          try {
            push(tun, `${mtu} ${d}`, await tunTransfer(setup, d, bytes));
          } finally {
            setup.close();
          }
          push(lo, `${mtu} ${d}`, await withKernelServer(mtu, (ns) => loTransfer(ns, d, bytes)));
        }
      }
    }
    // node:net in this process, both ends (as the stack goodput group measures it).
    const nodeNetTask = 'kernel TCP over 127.0.0.1 (node:net, both ends in this process)';
    const nodeNetMb = nodeNetBytes / median(nodeNet) / 1e6;
    rows.push(
      transferRow(
        GOODPUT_GROUP,
        nodeNetTask,
        'segment',
        nodeNetBytes,
        nodeNet,
        nodeNetBytes / 1448,
        `${fmt(nodeNetMb)} MB/s = ${fmt(gbit(nodeNetMb), 2)} Gbit/s (median of ${rounds} transfers of ${nodeNetBytes >> 20} MiB); per 1448-byte segment's worth of data`,
      ),
    );
    rows[rows.length - 1]!.baseline = nodeNetTask;
    rows[rows.length - 1]!.ratio = 1;

    for (const mtu of mtus) {
      for (const d of directions) {
        const loRuns = lo.get(`${mtu} ${d}`)!;
        const tunRuns = tun.get(`${mtu} ${d}`)!;
        const loTask = `lo MTU ${mtu}: ${loLabel(d)}`;
        const loMb = median(loRuns.map((x) => x.mbPerSec));
        const loRow = transferRow(
          GOODPUT_GROUP,
          loTask,
          'segment',
          bytes,
          loRuns.map((x) => x.seconds),
          bytes / segmentPayload(mtu),
          `${fmt(loMb)} MB/s = ${fmt(gbit(loMb), 2)} Gbit/s (median of ${rounds} × ${bytes >> 20} MiB; kernel TCP both ends, same client and services as TUN, lo MTU ${mtu}); ` +
            `${fmt(loMb / nodeNetMb, 2)}× node:net over 127.0.0.1; client process CPU ${fmt(clientPerGb(loRuns), 2)} s/GB`,
        );
        loRow.baseline = loTask;
        loRow.ratio = 1;
        const tunMb = median(tunRuns.map((x) => x.mbPerSec));
        const cpu = cpuSummary(tunRuns);
        const target = TARGET_GBIT[mtu];
        const tunRow = transferRow(
          GOODPUT_GROUP,
          `TUN MTU ${mtu}: ${label(d)}`,
          'segment',
          bytes,
          tunRuns.map((x) => x.seconds),
          bytes / segmentPayload(mtu),
          `${fmt(tunMb)} MB/s = ${fmt(gbit(tunMb), 2)} Gbit/s (median of ${rounds} × ${bytes >> 20} MiB; all: ${tunRuns.map((x) => fmt(gbit(x.mbPerSec), 2)).join(', ')} Gbit/s)` +
            `${target === undefined ? '' : `, target ≥ ${target} Gbit/s ${gbit(tunMb) >= target ? 'met' : 'MISSED'}`}; ` +
            `${fmt(tunMb / nodeNetMb, 2)}× node:net over 127.0.0.1; stack process CPU ${fmt(cpu.perGb, 2)} s/GB, ${pct(cpu.core)} of one core (all threads; ${pct(cpu.system)} of it system time), event loop busy ${pct(cpu.loop)}; ` +
            `kernel-side client process CPU ${fmt(clientPerGb(tunRuns), 2)} s/GB; buffers ${((options.buffer ?? STACK_BUFFER) / 1048576).toFixed(2)} MiB, segmentation offload ${(options.offload ?? true) ? 'on' : 'off'}, receive offload ${receiveOffloadOf(options) ? 'on' : 'off'}${tunSummary(tunRuns, d)}`,
        );
        tunRow.baseline = loTask;
        tunRow.ratio = tunMb / loMb;
        rows.push(loRow, tunRow);
      }
    }
  }

  if (options.only === undefined || options.only === 'profile') {
    // Where this process's time goes while it serves one transfer each way at each MTU.
    const profileBytes = (quick ? 32 : 128) * 1024 * 1024;
    for (const mtu of mtus) {
      for (const d of directions) {
        const setup = await openTun(
          mtu,
          options.buffer ?? STACK_BUFFER,
          options.offload ?? true,
          receiveOffloadOf(options),
        );
        try {
          const { result, hits, top } = await profileLayers(() => tunTransfer(setup, d, profileBytes), {
            intervalUs: PROFILE_INTERVAL_US,
            nativeCallers: NATIVE_CALLERS,
          });
          const busy = Object.entries(hits).reduce((n, [k, v]) => (k === 'idle' ? n : n + v), 0);
          const busiest = top
            .filter((t) => t.layer !== 'idle')
            .slice(0, 4)
            .map((t) => `${t.fn.replace(/ \((dist|src|node_modules)\/[^)]*\)/g, '')} ${pct(t.hits / busy)}`)
            .join(', ');
          const note = `${profileNote(hits, result)}; busiest functions: ${busiest}`;
          if (options.verbose) {
            console.log(`  profile TUN MTU ${mtu} ${label(d)}: ${note}`);
            console.log(
              `    busiest: ${top
                .slice(0, 12)
                .map((t) => `${t.fn} [${t.layer}] ${t.hits}`)
                .join('; ')}`,
            );
          }
          const row = rows.find((x) => x.task === `TUN MTU ${mtu}: ${label(d)}`);
          if (row) row.note = `${row.note}; ${note}`;
        } finally {
          setup.close();
        }
      }
    }
  }

  if (options.only === undefined || options.only === 'conn') {
    const tunConn = await tunConnections(connSeconds, concurrency);
    const loConn = await loConnections(connSeconds, concurrency);
    const problems: string[] = [];
    if (tunConn.report.failed > 0)
      problems.push(
        `${tunConn.report.failed} of ${tunConn.report.ok + tunConn.report.failed} connections failed: ${JSON.stringify(tunConn.report.failures)}`,
      );
    if (tunConn.leftOpen !== 0)
      problems.push(`${tunConn.leftOpen} connections still open (not TIME-WAIT) in the stack's table after the run`);
    if (tunConn.tableSize !== tunConn.timeWait)
      problems.push(`the table holds ${tunConn.tableSize} connections, ${tunConn.timeWait} of them in TIME-WAIT`);
    if (loConn.report.failed > 0)
      problems.push(
        `${loConn.report.failed} kernel-to-kernel connections failed: ${JSON.stringify(loConn.report.failures)}`,
      );
    if (problems.length > 0) throw new Error(`TUN connections/s: ${problems.join('; ')}`);
    const loTask = `lo: same client, node:http on the kernel's TCP`;
    const loRate = loConn.report.ok / loConn.report.seconds;
    const tunRate = tunConn.report.ok / tunConn.report.seconds;
    rows.push(
      connRow(
        loTask,
        loConn,
        `${fmt(loRate, 0)} connections/s, ${loConn.report.ok} GETs of ${PAGE_PATH} in ${fmt(loConn.report.seconds)} s, ${concurrency} in flight, 0 failed`,
      ),
    );
    rows[rows.length - 1]!.baseline = loTask;
    rows[rows.length - 1]!.ratio = 1;
    const row = connRow(
      `TUN MTU 1500: HTTP/1.1 GET ${PAGE_PATH}, Connection: close`,
      tunConn,
      `${fmt(tunRate, 0)} connections/s, ${tunConn.report.ok} GETs in ${fmt(tunConn.report.seconds)} s, ${concurrency} in flight, 0 failed; ` +
        `stack accepted ${tunConn.accepted}, answered ${tunConn.responses}; afterwards ${tunConn.timeWait} in TIME-WAIT and none other in the table; ` +
        `stack process CPU ${fmt((tunConn.cpuSeconds! * 1e6) / tunConn.report.ok, 0)} µs per connection, ${pct(tunConn.cpuSeconds! / tunConn.report.seconds)} of one core; ` +
        `client process CPU ${pct(tunConn.report.clientCpuSeconds / tunConn.report.seconds)} of one core`,
    );
    row.baseline = loTask;
    row.ratio = tunRate / loRate;
    rows.push(row);
    // Where the time goes per connection: a separate, shorter run under the profiler (the
    // profiler slows the process, so the measured rate above comes from an unprofiled run).
    const profiled = await profileLayers(() => tunConnections(2, concurrency), {
      intervalUs: PROFILE_INTERVAL_US,
      nativeCallers: NATIVE_CALLERS,
    });
    if (profiled.result.report.failed > 0)
      throw new Error(
        `TUN connections/s (profiled run): ${profiled.result.report.failed} failed: ${JSON.stringify(profiled.result.report.failures)}`,
      );
    const busy = shares(profiled.hits, BUSY_LAYERS);
    const connections = profiled.result.report.ok;
    row.note +=
      `; time by layer (sampling profile of a 2 s run, ${connections} connections, idle samples left out): ` +
      `native addon ${pct(busy.native)} (${fmt((profiled.hits.native * PROFILE_INTERVAL_US) / connections, 1)} µs per connection in write calls), ` +
      `WASM codec ${pct(busy.codec)}, TCP engine ${pct(busy.engine)}, stack+sockets ${pct(busy.stack)}, link JS ${pct(busy.link)}, ` +
      `streams ${pct(busy.streams)}, GC ${pct(busy.gc)}, outside JS ${pct(busy.program)}, other (node:http mostly) ${pct(busy.other)}`;
  }
  if (options.only === undefined || options.only === 'http') rows.push(...(await httpRows(quick, options)));
  const input =
    `TUN device in a fresh network namespace per measurement; stack ${STACK_ADDRESS}, kernel ${HOST_ADDRESS}; ` +
    `kernel side: bench/clients/tun-peer.mjs (node:net) under ip netns exec; ${bytes >> 20} MiB per transfer, ${rounds} round(s); ` +
    `stack send/receive buffers ${((options.buffer ?? STACK_BUFFER) / 1048576).toFixed(2)} MiB; ` +
    `conn/s: ${connSeconds} s, ${concurrency} in flight; HTTP: ab -k, 1 MiB bodies, TUN MTU ${HTTP_MTU}`;
  return { rows, input };
}

function profileNote(hits: LayerHits, result: Measured): string {
  const busy = shares(hits, BUSY_LAYERS);
  // Idle samples are left out; how busy the thread was is the event-loop figure of the goodput
  // runs (the sampler thread competes for the same 2 cores, so idle moments are over-sampled).
  return (
    `time by layer while serving (sampling profile of one transfer, ${fmt(gbit(result.mbPerSec), 2)} Gbit/s under the profiler, idle samples left out): ` +
    `native addon ${pct(busy.native)}, outside JS (libuv, addon callbacks) ${pct(busy.program)}, WASM codec ${pct(busy.codec)}, TCP engine ${pct(busy.engine)}, ` +
    `stack+sockets ${pct(busy.stack)}, link JS ${pct(busy.link)}, streams ${pct(busy.streams)}, GC ${pct(busy.gc)}, other ${pct(busy.other)}` +
    `${nativePerPacket(hits, result)}`
  );
}

/**
 * Time in the addon's write call per packet written (samples × interval / packets): each packet
 * is one write() on the TUN fd, in which the kernel also runs its own receive path for it.
 */
function nativePerPacket(hits: LayerHits, result: Measured): string {
  const written = result.tun?.packetsOut ?? 0;
  if (written === 0) return '';
  return `; native write calls ${fmt((hits.native * PROFILE_INTERVAL_US) / written, 2)} µs per packet written (${written} packets)`;
}

/** The rate column of the TUN groups (run.ts's table and markdown.ts), undefined for other rows. */
export function tunRate(row: Row): string | undefined {
  if (row.group === GOODPUT_GROUP && row.gbPerSec !== undefined) {
    return `${(row.gbPerSec * 1000).toFixed(0)} MB/s, ${(row.gbPerSec * 8).toFixed(2)} Gbit/s`;
  }
  if (row.group === CONN_GROUP) return `${row.opsPerSec.toFixed(0)} conn/s`;
  if (row.group === HTTP_GROUP && row.gbPerSec !== undefined) {
    return `${(row.gbPerSec * 1000).toFixed(0)} MB/s, ${row.opsPerSec.toFixed(0)} requests/s`;
  }
  return undefined;
}

function connRow(task: string, r: ConnResult, note: string): Row {
  const perSec = r.report.ok / r.report.seconds;
  const ns = 1e9 / perSec;
  const ms = ns / 1e6;
  return {
    group: CONN_GROUP,
    task,
    unit: 'connection',
    medianNs: ns,
    opsPerSec: perSec,
    opsPerIteration: r.report.ok,
    samples: 1,
    roundMediansNs: [ns],
    latencyMs: { p50: ms, mean: ms, min: ms, max: ms, p99: ms, mad: 0, rme: 0 },
    note,
  };
}

async function main(): Promise<void> {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const quick = process.argv.includes('--quick');
  const config: BenchConfig = { time: 0, warmupTime: 0, iterations: 1, warmupIterations: 0, rounds: 1, quick };
  const options: TunBenchOptions = { verbose: true };
  if (arg('mtu')) options.mtus = arg('mtu')!.split(',').map(Number);
  if (arg('buffer')) options.buffer = Number(arg('buffer'));
  if (arg('bytes')) options.bytes = Number(arg('bytes')) * 1024 * 1024;
  if (arg('rounds')) options.rounds = Number(arg('rounds'));
  if (arg('only')) options.only = arg('only') as TunBenchOptions['only'];
  if (arg('offload')) options.offload = arg('offload') !== 'off';
  if (arg('receive-offload')) options.receiveOffload = arg('receive-offload') !== 'off';
  const { rows, input } = await runTunBench(config, options);
  console.log(input);
  for (const row of rows) {
    console.log(
      `${row.task}\n    ${row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}× ${row.baseline}; `}${row.note}`,
    );
  }
}

// Run as a script (not imported by bench/run.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
