// Shared plumbing for the bench files: run a list of tasks with tinybench, turn each result into
// a per-operation row (medians, since the box is shared and noisy), and compute ratios against a
// baseline row measured in the same run.

import { Bench, type Statistics } from 'tinybench';

export interface BenchConfig {
  /** tinybench time budget per task, ms. */
  time: number;
  warmupTime: number;
  /** Minimum iterations per task (tinybench's `iterations`), and during warmup. */
  iterations: number;
  warmupIterations: number;
  /** Rounds the time budget is split into; tasks alternate between rounds. */
  rounds: number;
  quick: boolean;
}

export interface Row {
  group: string;
  task: string;
  /** What one operation is: a checksum call, a packet decoded, a segment of a whole file. */
  unit: string;
  /** Median time per operation, ns. */
  medianNs: number;
  /** 1e9 / medianNs. */
  opsPerSec: number;
  bytesPerOp?: number;
  /** Memory held per operation, bytes (idle connection rows: JS heap + external per connection). */
  memoryBytesPerOp?: number;
  /** Process CPU seconds (user + sys) per GB moved (goodput rows). */
  cpuSecondsPerGb?: number;
  /** Decimal GB/s at the median (bytes per ns). */
  gbPerSec?: number;
  /** Task this row is compared with, in the same group. */
  baseline?: string;
  /** baseline median / this median: how many times faster than the baseline. */
  ratio?: number;
  /** Operations per timed tinybench iteration (tiny calls are timed in batches). */
  opsPerIteration: number;
  /** Samples over all rounds. */
  samples: number;
  /** Median per operation in each round; medianNs is their median. */
  roundMediansNs?: number[];
  /** Per-iteration latency statistics as tinybench reports them (the most typical round), ms. */
  latencyMs: { p50: number; mean: number; min: number; max: number; p99: number; mad: number; rme: number };
  note?: string;
}

export interface TaskSpec {
  name: string;
  fn: () => void;
  opsPerIteration: number;
  bytesPerOp?: number;
  note?: string;
}

/**
 * Anything a task computes is folded into this, so V8 cannot drop the work as dead code. It is
 * written to results.json at the end, which keeps it observable.
 */
export const sink = { value: 0 };

export function consume(x: number): void {
  sink.value = (sink.value + x) | 0;
}

/**
 * A task for an operation too short to time one at a time: `run(n)` performs it n times in a
 * loop of its own (so the call inside is monomorphic and can be inlined, as in real code), and
 * n is chosen so one tinybench iteration lasts about `targetNs`. Then the timer's resolution and
 * per-sample overhead do not dominate, and the median is divided back by n.
 */
export function loopTask(
  name: string,
  run: (n: number) => void,
  bytesPerOp?: number,
  note?: string,
  targetNs = 75_000,
): TaskSpec {
  const n = loopCount(run, targetNs);
  const spec: TaskSpec = { name, opsPerIteration: n, fn: () => run(n) };
  if (bytesPerOp !== undefined) spec.bytesPerOp = bytesPerOp;
  if (note !== undefined) spec.note = note;
  return spec;
}

function loopCount(run: (n: number) => void, targetNs: number): number {
  // Warm up for 50 ms first: timed while still interpreted or baseline-compiled, an operation
  // looks many times slower than it is and the loop comes out far too short.
  const warmEnd = process.hrtime.bigint() + 50_000_000n;
  while (process.hrtime.bigint() < warmEnd) run(16);
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    for (let n = 1; ; n *= 2) {
      const t0 = process.hrtime.bigint();
      run(n);
      const ns = Number(process.hrtime.bigint() - t0);
      if (ns >= 2_000_000 || n >= 1 << 24) {
        best = Math.min(best, ns / n);
        break;
      }
    }
  }
  return Math.max(1, Math.min(1 << 24, Math.round(targetNs / best)));
}

function latency(s: Statistics): Row['latencyMs'] {
  return { p50: s.p50, mean: s.mean, min: s.min, max: s.max, p99: s.p99, mad: s.mad, rme: s.rme };
}

/**
 * Latency statistics of a row timed as whole runs (a transfer, a batch of connections): each
 * run's ns per operation stands for one iteration; p50 is their median, p99 their maximum.
 */
export function runLatency(perRoundNs: number[]): Row['latencyMs'] {
  const ms = (x: number) => x / 1e6;
  return {
    p50: ms(median(perRoundNs)),
    mean: ms(perRoundNs.reduce((s, x) => s + x, 0) / perRoundNs.length),
    min: ms(Math.min(...perRoundNs)),
    max: ms(Math.max(...perRoundNs)),
    p99: ms(Math.max(...perRoundNs)),
    mad: 0,
    rme: 0,
  };
}

/**
 * Latency statistics of a sample of whole-run times in ms (child processes, whole-file passes):
 * each run is one iteration, with its median absolute deviation.
 */
export function sampleLatency(ms: number[]): Row['latencyMs'] {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = median(ms);
  return {
    p50: mid,
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    p99: sorted[sorted.length - 1]!,
    mad: median(ms.map((m) => Math.abs(m - mid))),
    rme: 0,
  };
}

/** Median of a sample (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs the tasks in `config.rounds` rounds (A B C, A B C, ...), each with 1/rounds of the time
 * budget, and reports each task's median over the rounds of its per-round median. On a shared
 * machine a burst of load then hurts one round of one task instead of all of a task, and a
 * ratio is not skewed by load that came and went between two tasks. No ratios yet.
 */
export async function runTasks(group: string, unit: string, specs: TaskSpec[], config: BenchConfig): Promise<Row[]> {
  const perRound: Array<Array<{ p50: number; stats: Statistics }>> = specs.map(() => []);
  for (let round = 0; round < config.rounds; round++) {
    const bench = new Bench({
      time: config.time / config.rounds,
      warmup: round === 0, // JIT state carries over to later rounds
      warmupTime: config.warmupTime,
      iterations: config.iterations,
      warmupIterations: config.warmupIterations,
      throws: true,
    });
    for (const spec of specs) bench.add(spec.name, spec.fn);
    await bench.run();
    specs.forEach((spec, i) => {
      const result = bench.tasks[i]!.result;
      if (result.state !== 'completed') {
        throw new Error(
          `${group} / ${spec.name}: tinybench state ${result.state}${result.state === 'errored' ? `: ${result.error.message}` : ''}`,
        );
      }
      perRound[i]!.push({ p50: result.latency.p50, stats: result.latency });
    });
  }
  return specs.map((spec, i) => {
    const rounds = perRound[i]!;
    const p50 = median(rounds.map((r) => r.p50));
    // Detailed statistics of the round closest to the reported median.
    const typical = rounds.reduce((a, b) => (Math.abs(b.p50 - p50) < Math.abs(a.p50 - p50) ? b : a));
    const medianNs = (p50 * 1e6) / spec.opsPerIteration;
    const row: Row = {
      group,
      task: spec.name,
      unit,
      medianNs,
      opsPerSec: 1e9 / medianNs,
      opsPerIteration: spec.opsPerIteration,
      samples: rounds.reduce((n, r) => n + r.stats.samplesCount, 0),
      roundMediansNs: rounds.map((r) => (r.p50 * 1e6) / spec.opsPerIteration),
      latencyMs: latency(typical.stats),
    };
    if (spec.bytesPerOp !== undefined) {
      row.bytesPerOp = spec.bytesPerOp;
      row.gbPerSec = spec.bytesPerOp / medianNs;
    }
    if (spec.note !== undefined) row.note = spec.note;
    return row;
  });
}

/** Sets ratio = baseline median / row median on every row of the group but the baseline's. */
export function compareWith(rows: Row[], baselineTask: string): Row[] {
  const base = rows.find((r) => r.task === baselineTask);
  if (!base) throw new Error(`baseline task ${baselineTask} missing`);
  for (const row of rows) {
    row.baseline = baselineTask;
    row.ratio = base.medianNs / row.medianNs;
  }
  return rows;
}

/**
 * A row for a figure measured as whole transfers rather than by tinybench: `bytes` moved per
 * transfer, the seconds each transfer took, and how many operations (segments, say) one
 * transfer is, so the time per operation lines up with the other rows of the group.
 */
export function transferRow(
  group: string,
  task: string,
  unit: string,
  bytes: number,
  secondsPerRun: number[],
  opsPerRun: number,
  note: string,
): Row {
  const seconds = median(secondsPerRun);
  const nsPerOp = (seconds * 1e9) / opsPerRun;
  const perRound = secondsPerRun.map((s) => (s * 1e9) / opsPerRun);
  return {
    group,
    task,
    unit,
    medianNs: nsPerOp,
    opsPerSec: 1e9 / nsPerOp,
    bytesPerOp: bytes / opsPerRun,
    gbPerSec: bytes / opsPerRun / nsPerOp,
    opsPerIteration: opsPerRun,
    samples: secondsPerRun.length,
    roundMediansNs: perRound,
    latencyMs: runLatency(perRound),
    note,
  };
}
