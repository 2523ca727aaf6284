// The `tcpwasm decode` command against `tshark -T fields` printing the same fields for the same
// file (the largest corpus capture, decompressed to a temporary file), against `tcpdump -nn -vv`
// on CPU time (text, --json, --stats; that file and one 32 times its size), and --workers 1 against 2.
// Runs take tenths of a second, so each is timed whole (wall clock), several times, with the
// tasks interleaved (A B C, A B C, ...) so load that comes and goes on the shared machine does
// not fall on one task only; figures are medians.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runDecode, type DecodeCommandOptions } from '../dist/cli/decode.js';
import { median, sampleLatency, type BenchConfig, type Row } from './harness.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(repoRoot, 'dist/cli/main.js');

/** The fields the command prints, as tshark names them. */
const TSHARK_FIELDS = [
  'frame.time_epoch',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.flags.str',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.window_size_value',
  'tcp.urgent_pointer',
  'tcp.option_kind',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.len',
  'tcp.checksum',
  'tcp.checksum.status',
];

/**
 * tshark with checksum verification on (the command verifies every checksum) and the TCP
 * analysis the command does not do switched off, which only makes tshark faster.
 */
function tsharkArgs(file: string): string[] {
  return [
    '-n',
    '-r',
    file,
    '-o',
    'tcp.check_checksum:TRUE',
    '-o',
    'tcp.analyze_sequence_numbers:FALSE',
    '-o',
    'tcp.relative_sequence_numbers:FALSE',
    '-o',
    'tcp.desegment_tcp_streams:FALSE',
    '-T',
    'fields',
    ...TSHARK_FIELDS.flatMap((f) => ['-e', f]),
  ];
}

/** A Writable that drops everything: the command's work without a terminal's. */
function nullOutput(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/** Counts output lines (to check each task did the whole file). */
class LineCounter extends Writable {
  lines = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) this.lines++;
    done();
  }
}

/**
 * Wall time of a child process with stdout counted and discarded; rejects on a non-zero exit.
 * With `devNull`, stdout is /dev/null itself (as `> /dev/null` in a shell: no pipe to write to)
 * and the lines are not counted.
 */
function timeChild(command: string, args: string[], devNull = false): Promise<Timed> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const sink = devNull ? openSync('/dev/null', 'w') : undefined;
    const child = spawn(command, args, { stdio: ['ignore', sink ?? 'pipe', 'ignore'] });
    if (sink !== undefined) closeSync(sink);
    let lines = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) fail(new Error(`${command} exited with ${code}`));
      else done({ ms: performance.now() - t0, ...(devNull ? {} : { lines }) });
    });
  });
}

/** A timed run: wall time, and CPU time (user + system, every thread of this process) when known. */
interface Timed {
  ms: number;
  /** Output lines, when counted. */
  lines?: number;
  cpuMs?: number;
}

/**
 * The command as a child process under /usr/bin/time (when there is one), for its CPU time as
 * well as its wall time; stdout is counted and discarded. Each run starts cold (Node, the codec,
 * the JIT; and for --workers, every worker's), as a user's run does.
 */
async function timeCommand(args: string[], cpuFile: string): Promise<Timed> {
  return timeAnyCommand(process.execPath, [MAIN, ...args], cpuFile);
}

/** Any command as timeCommand times the command: wall and (under /usr/bin/time) CPU time. */
async function timeAnyCommand(command: string, args: string[], cpuFile: string, devNull = false): Promise<Timed> {
  if (!existsSync('/usr/bin/time')) return timeChild(command, args, devNull);
  const run = await timeChild('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, command, ...args], devNull);
  const [user, system] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { ...run, cpuMs: (user! + system!) * 1000 };
}

async function timeInProcess(file: string, options: DecodeCommandOptions): Promise<Timed> {
  const out = new LineCounter();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const status = await runDecode(file, options, { stdout: out, stderr: nullOutput() });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (status !== 0) throw new Error(`runDecode exited with ${status}`);
  return { ms, lines: out.lines, cpuMs: (cpu.user + cpu.system) / 1000 };
}

interface WallTask {
  name: string;
  /** `warmUp` is true on the untimed first run (the one whose output lines are checked). */
  run: (warmUp: boolean) => Promise<Timed>;
  note?: string;
}

/**
 * The task's note, with the CPU time of its runs when measured: on a shared machine wall time
 * alone does not show how the work divides between threads.
 */
function notes(task: WallTask, cpuMs: number[], wallMs: number[], wallNotCpu = false): { note?: string } {
  const parts = task.note === undefined ? [] : [task.note];
  if (wallNotCpu) parts.push('wall time: /usr/bin/time is missing, so CPU time was not measured');
  if (cpuMs.length > 0) {
    parts.push(
      `CPU ${(median(cpuMs) / 1000).toFixed(2)} s per run (user+sys, all threads) for ${(median(wallMs) / 1000).toFixed(2)} s wall`,
    );
  }
  return parts.length === 0 ? {} : { note: parts.join('; ') };
}

/** Runs the tasks `runs` times interleaved; one row per task, per segment, ratio vs `baseline`. */
async function wallRows(
  group: string,
  tasks: WallTask[],
  segments: number,
  runs: number,
  baseline: string,
  measure: 'wall' | 'cpu' = 'wall',
): Promise<Row[]> {
  const times: number[][] = tasks.map(() => []);
  const cpuTimes: number[][] = tasks.map(() => []);
  for (let run = 0; run < runs + 1; run++) {
    for (const [i, task] of tasks.entries()) {
      const { ms, lines, cpuMs } = await task.run(run === 0);
      if (lines !== undefined && lines < segments)
        throw new Error(`${group} / ${task.name}: printed ${lines} lines for ${segments} segments`);
      if (run === 0) continue; // the first run of each warms caches and the JIT
      times[i]!.push(ms);
      if (cpuMs !== undefined) cpuTimes[i]!.push(cpuMs);
    }
  }
  const rows = tasks.map((task, i): Row => {
    // CPU rows need /usr/bin/time; without it they fall back to wall time (and say so).
    const byCpu = measure === 'cpu' && cpuTimes[i]!.length === times[i]!.length;
    const ms = byCpu ? cpuTimes[i]! : times[i]!;
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
      latencyMs: sampleLatency(ms),
      ...notes(task, cpuTimes[i]!, times[i]!, measure === 'cpu' && !byCpu),
    };
  });
  const base = rows.find((r) => r.task === baseline)!;
  for (const r of rows) {
    r.baseline = baseline;
    r.ratio = base.medianNs / r.medianNs;
  }
  return rows;
}

/** The capture's records repeated `copies` times with shifted timestamps: a pcap, in memory. */
export function repeated(pcap: Uint8Array, copies: number): Uint8Array {
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  if (view.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('expected a little-endian microsecond pcap');
  const body = pcap.subarray(24);
  const out = new Uint8Array(24 + body.length * copies);
  out.set(pcap.subarray(0, 24));
  const outView = new DataView(out.buffer);
  let firstSecond = -1;
  let lastSecond = 0;
  for (let at = 24; at + 16 <= pcap.length; at += 16 + view.getUint32(at + 8, true)) {
    const s = view.getUint32(at, true);
    if (firstSecond < 0) firstSecond = s;
    lastSecond = s;
  }
  const span = lastSecond - firstSecond + 1;
  for (let c = 0; c < copies; c++) {
    const base = 24 + c * body.length;
    out.set(body, base);
    for (let at = base; at + 16 <= base + body.length; at += 16 + outView.getUint32(at + 8, true)) {
      outView.setUint32(at, outView.getUint32(at, true) + c * span, true);
    }
  }
  return out;
}

/**
 * `tcpdump -nn -vv -r FILE > /dev/null` beside the command on the same file, each a cold child
 * process, compared on CPU time (user + system): text, --json, and --stats (whose rate is the
 * row's segments per second). The first run of each checks that the output has a line per segment.
 */
function tcpdumpTasks(file: string, cpuFile: string): WallTask[] {
  const node = (args: string[]) => (warmUp: boolean) =>
    timeAnyCommand(process.execPath, [MAIN, 'decode', ...args, file], cpuFile, !warmUp);
  return [
    {
      name: 'tcpdump -nn -vv (child process, > /dev/null)',
      run: (warmUp) => timeAnyCommand('tcpdump', ['-nn', '-vv', '-r', file], cpuFile, !warmUp),
      note: 'CPU time; tcpdump -vv prints two lines per IPv4 segment',
    },
    { name: 'tcpwasm decode (child process, > /dev/null)', run: node([]), note: 'CPU time, node start-up included' },
    {
      name: 'tcpwasm decode --json (child process, > /dev/null)',
      run: node(['--json']),
      note: 'CPU time, node start-up included',
    },
    {
      name: 'tcpwasm decode --stats (child process)',
      run: async (warmUp) => ({ ...(await node(['--stats'])(warmUp)), lines: undefined }),
      note: 'CPU time, node start-up included; segments per CPU second',
    },
  ];
}

export interface CommandBenchInput {
  name: string;
  /** The decompressed capture. */
  bytes: Uint8Array;
}

/**
 * Rows for `npm run bench`: the command (in process to a null stream, and as a child process to
 * /dev/null) against tshark on the same file; against tcpdump -nn -vv on CPU time, on that file
 * and a 32x larger one; and --workers 1 against 2 (child processes, with their CPU time) on the
 * larger file, printing text and with --stats.
 */
export async function runCommandBench(input: CommandBenchInput, config: BenchConfig): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpwasm-bench-'));
  try {
    const file = join(dir, input.name.replace(/\.gz$/, ''));
    writeFileSync(file, input.bytes);
    const stats = spawnSync(process.execPath, [MAIN, 'decode', '--stats', '--json', file], { encoding: 'utf8' });
    if (stats.status !== 0) throw new Error(`tcpwasm decode --stats failed: ${stats.stderr}`);
    const segments = (JSON.parse(stats.stdout) as { segments: number }).segments;
    const runs = config.quick ? 1 : 7;
    const rows: Row[] = [];

    const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
    const commandTasks: WallTask[] = [
      {
        name: 'tcpwasm decode (in process, null output)',
        run: () => timeInProcess(file, {}),
        note: 'decode + verify + format, one thread',
      },
      {
        name: 'tcpwasm decode (child process, > /dev/null)',
        run: () => timeChild(process.execPath, [MAIN, 'decode', file]),
        note: 'node start-up included',
      },
      {
        name: 'tcpwasm decode --stats (in process)',
        run: async () => ({ ...(await timeInProcess(file, { stats: true })), lines: segments }),
        note: 'decode + verify + count, nothing printed',
      },
    ];
    if (hasTshark) {
      commandTasks.unshift({
        name: 'tshark -T fields (child process)',
        run: () => timeChild('tshark', tsharkArgs(file)),
        note: `same fields, checksums verified, TCP analysis off: ${TSHARK_FIELDS.length} fields`,
      });
    }
    rows.push(
      ...(await wallRows(
        `decode command: ${input.name} (${segments} segments)`,
        commandTasks,
        segments,
        runs,
        hasTshark ? 'tshark -T fields (child process)' : commandTasks[0]!.name,
      )),
    );

    const cpuFile = join(dir, 'cpu.txt');
    const hasTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
    const vsTcpdump = async (name: string, path: string, count: number) =>
      hasTcpdump
        ? await wallRows(
            `decode command vs tcpdump: ${name} (${count} segments)`,
            tcpdumpTasks(path, cpuFile),
            count,
            runs,
            'tcpdump -nn -vv (child process, > /dev/null)',
            'cpu',
          )
        : [];
    rows.push(...(await vsTcpdump(input.name, file, segments)));

    // Large enough (about 220 MB) that worker start-up and their JIT warm-up, paid on every run,
    // are a small part of it; each run is a cold child process, so neither side has a warm JIT.
    const copies = config.quick ? 8 : 32;
    const big = join(dir, `x${copies}.pcap`);
    writeFileSync(big, repeated(input.bytes, copies));
    const bigSegments = segments * copies;
    rows.push(...(await vsTcpdump(`${input.name} x${copies}`, big, bigSegments)));
    const note = 'child process, > /dev/null';
    rows.push(
      ...(await wallRows(
        `decode command --workers: ${input.name} x${copies} (${bigSegments} segments)`,
        [
          {
            name: '--workers 1',
            run: () => timeCommand(['decode', '--workers', '1', big], cpuFile),
            note: `text, ${note}`,
          },
          {
            name: '--workers 2',
            run: () => timeCommand(['decode', '--workers', '2', big], cpuFile),
            note: `text, ${note}`,
          },
        ],
        bigSegments,
        runs,
        '--workers 1',
      )),
    );
    const countedAll = async (workers: string) => ({
      ...(await timeCommand(['decode', '--stats', '--workers', workers, big], cpuFile)),
      lines: bigSegments,
    });
    rows.push(
      ...(await wallRows(
        `decode command --stats --workers: ${input.name} x${copies} (${bigSegments} segments)`,
        [
          { name: '--stats --workers 1', run: () => countedAll('1'), note },
          { name: '--stats --workers 2', run: () => countedAll('2'), note },
        ],
        bigSegments,
        runs,
        '--stats --workers 1',
      )),
    );
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
