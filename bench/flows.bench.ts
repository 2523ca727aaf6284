// `tcpwasm flows` against `tshark -q -z conv,tcp` and `tcptrace -n`, and `tcpwasm follow` against
// `tcpflow`, on the same big files: a corpus capture repeated with every copy's ports shifted (so
// each copy's connections are new ones, not retransmissions of the first) and its timestamps moved
// past the copy before. Checksums are then wrong; none of these tools verifies them by default
// and flows/follow do not either. Runs are whole processes (or whole in-process passes), timed
// wall clock, interleaved (A B C, A B C, …) so the shared machine's load falls on every task;
// the first round warms up and is dropped; figures are medians.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FlowTable } from '../dist/flows/flow-table.js';
import { parseCaptureBatches } from '../dist/pcap/read.js';
import { decodeBatch, type SegmentTable } from '../dist/wire/batch.js';
import { repeated } from './command.bench.js';
import { median, sampleLatency, type BenchConfig, type Row } from './harness.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(repoRoot, 'dist/cli/main.js');

/**
 * A little-endian microsecond Ethernet pcap's records `copies` times (command.bench's repeated:
 * timestamps moved past the copy before); copy c also has both TCP ports of every IPv4 segment
 * shifted by c.
 */
export function multiplied(pcap: Uint8Array, copies: number): Uint8Array {
  if (new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength).getUint32(20, true) !== 1)
    throw new Error('expected an Ethernet pcap');
  const out = repeated(pcap, copies);
  const o = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const copyBytes = pcap.length - 24;
  for (let at = 24; at + 16 <= out.length; at += 16 + o.getUint32(at + 8, true)) {
    const c = Math.floor((at - 24) / copyBytes);
    const frame = at + 16;
    const captured = o.getUint32(at + 8, true);
    if (c === 0 || captured < 14 + 20 + 4 || o.getUint16(frame + 12) !== 0x0800 || out[frame + 14 + 9] !== 6) continue;
    const tcp = frame + 14 + (out[frame + 14]! & 0x0f) * 4;
    if (tcp + 4 > frame + captured) continue;
    o.setUint16(tcp, (o.getUint16(tcp) + c) & 0xffff);
    o.setUint16(tcp + 2, (o.getUint16(tcp + 2) + c) & 0xffff);
  }
  return out;
}

/** Wall time of a child process, output discarded; rejects on a non-zero exit. */
function timeChild(command: string, args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done(performance.now() - t0) : fail(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

interface Task {
  name: string;
  run: () => Promise<number>;
  note?: string;
  /** CPU time of each run, when the task records it (in-process tasks): on a shared machine wall time is mostly waiting. */
  cpuMs?: number[];
}

/** An in-process task: wall time returned, CPU time kept for the note. */
function inProcess(name: string, note: string, pass: () => { ms: number; cpuMs: number }): Task {
  const task: Task = {
    name,
    note,
    cpuMs: [],
    run: async () => {
      const r = pass();
      task.cpuMs!.push(r.cpuMs);
      return r.ms;
    },
  };
  return task;
}

function noteOf(task: Task, segments: number, payloadBytes: number | undefined): string | undefined {
  const parts = task.note === undefined ? [] : [task.note];
  const cpu = task.cpuMs?.slice(1) ?? [];
  if (cpu.length > 0) {
    const ms = median(cpu);
    parts.push(
      `CPU ${ms.toFixed(0)} ms per run: ${(segments / ms / 1000).toFixed(2)} M seg/s${payloadBytes === undefined ? '' : `, ${(payloadBytes / ms / 1e6).toFixed(2)} GB/s`} of CPU time`,
    );
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** Interleaved runs; one row per task with the rate per segment (and GB/s of payload when given). */
async function rows(
  group: string,
  tasks: Task[],
  segments: number,
  payloadBytes: number | undefined,
  runs: number,
  baseline: string,
): Promise<Row[]> {
  const times: number[][] = tasks.map(() => []);
  for (let round = 0; round < runs + 1; round++) {
    for (const [i, task] of tasks.entries()) {
      const ms = await task.run();
      if (round > 0) times[i]!.push(ms);
    }
  }
  const out = tasks.map((task, i): Row => {
    const ms = times[i]!;
    const medianNs = (median(ms) * 1e6) / segments;
    return {
      group,
      task: task.name,
      unit: 'segment',
      medianNs,
      opsPerSec: 1e9 / medianNs,
      opsPerIteration: segments,
      samples: ms.length,
      roundMediansNs: ms.map((m) => (m * 1e6) / segments),
      ...(payloadBytes === undefined
        ? {}
        : { bytesPerOp: payloadBytes / segments, gbPerSec: payloadBytes / (median(ms) * 1e6) }),
      latencyMs: sampleLatency(ms),
      ...(noteOf(task, segments, payloadBytes) === undefined ? {} : { note: noteOf(task, segments, payloadBytes)! }),
    };
  });
  const base = out.find((r) => r.task === baseline) ?? out[0]!;
  for (const r of out) {
    r.baseline = base.task;
    r.ratio = base.medianNs / r.medianNs;
  }
  return out;
}

/** The library in this process: decode (checksums not verified) and the flow table, optionally following every stream. */
function libraryPass(
  bytes: Uint8Array,
  follow: boolean,
): { ms: number; cpuMs: number; segments: number; flows: number; streamBytes: number } {
  const cpu0 = process.cpuUsage();
  let flows = 0;
  let streamBytes = 0;
  let segments = 0;
  const t0 = performance.now();
  const table = new FlowTable({
    onFlow: () => {
      flows++;
    },
    ...(follow
      ? {
          openStream: () => ({
            onData: (b: Uint8Array) => {
              streamBytes += b.length;
            },
          }),
        }
      : {}),
  });
  // As feedCapture does: one SegmentTable refilled per batch ({ into }).
  let decoded: SegmentTable | undefined;
  for (const batch of parseCaptureBatches(bytes)) {
    decoded = decodeBatch(batch, batch.linkTypes, {
      originalLengths: batch.originalLengths,
      verifyChecksums: false,
      ...(decoded === undefined ? {} : { into: decoded }),
    });
    segments += decoded.length;
    table.addBatch(decoded, batch);
  }
  table.finish();
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, segments, flows, streamBytes };
}

/** Whether a command is installed (some exit non-zero for --version). */
const has = (command: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Rows for `npm run bench`: the flows group and the follow group. */
export async function runFlowsBench(corpus: string, config: BenchConfig): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpwasm-flows-bench-'));
  try {
    const runs = config.quick ? 1 : 5;
    const out: Row[] = [];

    // flows: many short connections (echo-connections: 500 per copy).
    const echo = gunzipSync(readFileSync(join(corpus, 'zeek-echo-connections.pcap.gz')));
    const copies = config.quick ? 4 : 24;
    const flowsFile = join(dir, 'flows.pcap');
    const flowsBytes = multiplied(echo, copies);
    writeFileSync(flowsFile, flowsBytes);
    const check = libraryPass(flowsBytes, false);
    if (check.flows !== 500 * copies)
      throw new Error(`flows bench: expected ${500 * copies} connections, the flow table found ${check.flows}`);
    const flowTasks: Task[] = [
      inProcess('tcpwasm flows (library, in process)', 'decode + flow table, one thread, file in memory', () =>
        libraryPass(flowsBytes, false),
      ),
      {
        name: 'tcpwasm flows --json (child process)',
        run: () => timeChild(process.execPath, [MAIN, 'flows', '--json', flowsFile]),
        note: 'node start-up and file reading included',
      },
    ];
    if (has('tshark'))
      flowTasks.unshift({
        name: 'tshark -q -z conv,tcp',
        run: () => timeChild('tshark', ['-n', '-q', '-r', flowsFile, '-z', 'conv,tcp']),
      });
    if (has('tcptrace')) flowTasks.push({ name: 'tcptrace -n', run: () => timeChild('tcptrace', ['-n', flowsFile]) });
    out.push(
      ...(await rows(
        `flows: echo-connections x${copies} (${check.segments} segments, ${check.flows} connections)`,
        flowTasks,
        check.segments,
        undefined,
        runs,
        'tshark -q -z conv,tcp',
      )),
    );

    // follow: bulk HTTP payload (http-206-sack: 556 kB of stream per copy).
    const http = readFileSync(join(corpus, 'zeek-http-206-sack.pcap'));
    const httpCopies = config.quick ? 20 : 200;
    const followFile = join(dir, 'follow.pcap');
    const followBytes = multiplied(http, httpCopies);
    writeFileSync(followFile, followBytes);
    const pass = libraryPass(followBytes, true);
    let turn = 0;
    const outDir = () => join(dir, `out${turn++}`);
    const followTasks: Task[] = [
      inProcess(
        'tcpwasm follow (library, in process)',
        'decode + flow table + reassembly, bytes to a counting sink',
        () => libraryPass(followBytes, true),
      ),
      {
        name: 'tcpwasm follow --out DIR (child process)',
        note: 'one file per direction, as tcpflow',
        run: async () => {
          const d = outDir();
          const ms = await timeChild(process.execPath, [MAIN, 'follow', followFile, '--out', d]);
          rmSync(d, { recursive: true, force: true });
          return ms;
        },
      },
    ];
    if (has('tcpflow')) {
      followTasks.unshift({
        name: 'tcpflow -r FILE -o DIR',
        run: async () => {
          const d = outDir();
          const ms = await timeChild('tcpflow', ['-r', followFile, '-o', d]);
          rmSync(d, { recursive: true, force: true });
          return ms;
        },
      });
    }
    out.push(
      ...(await rows(
        `follow: http-206-sack x${httpCopies} (${pass.segments} segments, ${pass.streamBytes} stream bytes)`,
        followTasks,
        pass.segments,
        pass.streamBytes,
        runs,
        'tcpflow -r FILE -o DIR',
      )),
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
