// `tcpwasm decode FILE`: stream a capture in chunks of records, decode each chunk with one
// decodeBatch call (on this thread or on worker threads), print the segments that match the
// filter in frame order, and optionally summarise the run.

import type { Writable } from 'node:stream';
import { DecodeError } from '../errors.js';
import { ChunkBuilder, type RecordChunk } from './chunk.js';
import { CSV_COLUMNS, csvLine } from './rows.js';
import { ChunkProcessor, type ChunkPlan, type ChunkResult, type OutputFormat } from './process-chunk.js';
import { Output } from './output.js';
import { ProgressBar, wantsProgress } from './progress.js';
import { SourceFault, captureChunks, type SourceProgress } from './source.js';
import { RunStats, formatStats } from './stats.js';
import { WorkerPool } from './worker-pool.js';

export interface DecodeCommandOptions {
  json?: boolean;
  csv?: boolean;
  /** Print a summary instead of the segments. */
  stats?: boolean;
  filter?: string;
  /** Stop after this many segments. */
  count?: number;
  /** Worker threads decoding chunks; 1 decodes on the main thread. */
  workers?: number;
  /** Draw the progress bar even for a small file (still only on a terminal). */
  progress?: boolean;
}

/** Where the command writes; stderr's isTTY and columns decide the progress bar. */
export interface CommandStreams {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

/** Chunks queued per worker beyond the one it is working on: bounds memory, keeps workers busy. */
const QUEUE_PER_WORKER = 2;

function planOf(options: DecodeCommandOptions): ChunkPlan {
  const format: OutputFormat = options.stats ? 'none' : options.json ? 'json' : options.csv ? 'csv' : 'text';
  return { format, stats: options.stats === true, ...(options.filter === undefined ? {} : { filter: options.filter }) };
}

/** Runs the command; resolves to the exit status (0, or 2 when the file cannot be read). */
export async function runDecode(file: string, options: DecodeCommandOptions, streams: CommandStreams): Promise<number> {
  const { stdout, stderr } = streams;
  const plan = planOf(options);
  const processor = new ChunkProcessor(plan);
  const out = new Output(stdout);
  const stats = plan.stats ? new RunStats() : undefined;
  const builder = new ChunkBuilder();
  const limit = options.count ?? Infinity;
  const workers = Math.max(1, options.workers ?? 1);
  const started = performance.now();
  let printed = 0;
  let bar: ProgressBar | undefined;
  let barDecided = false;
  const onProgress = (p: SourceProgress) => {
    if (!barDecided) {
      barDecided = true;
      const printsLines = plan.format !== 'none';
      if (wantsProgress(stderr, stdout as { isTTY?: boolean }, printsLines, p.fileBytes, options.progress === true)) {
        bar = new ProgressBar(stderr);
      }
    }
    bar?.update(p.bytesRead, p.fileBytes, p.frames);
  };

  /** Writes one chunk's result in order; true once --count is reached. */
  const take = async (result: ChunkResult, chunk: RecordChunk): Promise<boolean> => {
    if (printed + result.printed > limit) {
      // Past the limit within this chunk: redo it here, stopping at the exact row.
      result = processor.process(chunk, limit - printed);
    }
    printed += result.printed;
    if (result.stats) stats!.add(result.stats);
    await out.write(result.bytes);
    builder.recycle(chunk);
    return printed >= limit;
  };

  const pool = workers > 1 ? new WorkerPool(workers, plan) : undefined;
  const inFlight: Array<Promise<{ result: ChunkResult; chunk: RecordChunk }>> = [];
  try {
    if (plan.format === 'csv') await out.write(`${csvLine(CSV_COLUMNS)}\n`);
    try {
      for await (const chunk of captureChunks(file, builder, onProgress)) {
        if (!pool) {
          if (await take(processor.process(chunk, limit - printed), chunk)) break;
          continue;
        }
        inFlight.push(pool.submit(chunk));
        if (inFlight.length >= workers * QUEUE_PER_WORKER) {
          const done = await inFlight.shift()!;
          if (await take(done.result, done.chunk)) break;
        }
      }
    } catch (error) {
      if (!(error instanceof SourceFault)) throw error;
      // Every segment before the fault is printed (or counted) before the error is reported.
      await finish();
      stderr.write(`tcpwasm: ${file}: ${describe(error.fault)}\n`);
      return 2;
    }
    await finish();
    return 0;
  } finally {
    await pool?.close();
  }

  /** Writes the chunks still in flight and the summary; erases the progress bar. */
  async function finish(): Promise<void> {
    await drain();
    bar?.clear();
    if (stats) {
      const report = stats.report(file, performance.now() - started, options.filter);
      await out.write(options.json ? `${JSON.stringify(report)}\n` : `${formatStats(report)}\n`);
    }
    await out.flush();
  }

  async function drain(): Promise<void> {
    while (inFlight.length > 0) {
      const done = await inFlight.shift()!;
      if (printed < limit && await take(done.result, done.chunk)) {
        // Later chunks are discarded, but their promises must still settle before the pool closes.
        await Promise.allSettled(inFlight.splice(0));
      }
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof DecodeError) {
    // Every capture fault names its byte offset, in the message or after it.
    const where = error.offset === undefined || error.message.includes(`byte ${error.offset}`) ? '' : ` at byte ${error.offset}`;
    return `${error.message}${where} [${error.code}]`;
  }
  const e = error as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return 'no such file';
  if (e && e.code === 'EISDIR') return 'is a directory';
  if (e && e.code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
