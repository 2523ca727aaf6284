// `tcpwasm decode FILE`: stream a capture as batches of record columns, decode each with one
// decodeBatch call (on this thread, or packed into chunks for worker threads), print the
// segments that match the filter in frame order, and optionally summarise the run.

import type { Writable } from 'node:stream';
import { DecodeError } from '../wire/errors.js';
import { ChunkPacker, type FrameColumns, type RecordChunk } from './chunk.js';
import { CSV_COLUMNS, csvLine } from './rows.js';
import { ChunkProcessor, type ChunkPlan, type ChunkResult, type OutputFormat } from './process-chunk.js';
import { Output } from './output.js';
import { ProgressBar, wantsProgress } from './progress.js';
import { SourceFault, captureBatches, isPcapngMagic, type SourceProgress } from './source.js';
import { RunStats, formatStats } from './stats.js';
import type { CaptureOut } from './capture-out.js';

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
  /** Text lines exactly as `tcpdump -nn -S` prints them (-n, -nn, -S). */
  tcpdump?: boolean;
  /** Verify TCP checksums (default true; -K turns it off). */
  verify?: boolean;
  /** Frame number at the start of each text line (-#). */
  frameNumbers?: boolean;
  /** Write the matching frames to this capture file instead of printing them (-w). */
  write?: string;
}

/** Where the command writes; stderr's isTTY and columns decide the progress bar. */
export interface CommandStreams {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

/** Chunks queued per worker beyond the one it is working on: bounds memory, keeps workers busy. */
const QUEUE_PER_WORKER = 2;

function planOf(options: DecodeCommandOptions): ChunkPlan {
  const format: OutputFormat =
    options.stats || options.write !== undefined ? 'none' : options.json ? 'json' : options.csv ? 'csv' : 'text';
  return {
    format,
    stats: options.stats === true,
    tcpdump: options.tcpdump === true,
    verify: options.verify !== false,
    frameNumbers: options.frameNumbers === true,
    collectRows: options.write !== undefined,
    ...(options.filter === undefined ? {} : { filter: options.filter }),
  };
}

/** Runs the command; resolves to the exit status (0, or 2 when the file cannot be read). */
export async function runDecode(file: string, options: DecodeCommandOptions, streams: CommandStreams): Promise<number> {
  const { stdout, stderr } = streams;
  const plan = planOf(options);
  const processor = new ChunkProcessor(plan);
  const out = new Output(stdout);
  const stats = plan.stats ? new RunStats() : undefined;
  const packer = new ChunkPacker();
  const limit = options.count ?? Infinity;
  const workers = Math.max(1, options.workers ?? 1);
  const started = performance.now();
  // Loaded only when used: -w's writers and the worker threads are not part of a plain decode's start-up.
  const captureOut = options.write === undefined ? undefined : await import('./capture-out.js');
  let printed = 0;
  let capture: CaptureOut | undefined;
  let inputIsPcapng = false;
  let firstLinkType = 1;
  const onHead = (head: Uint8Array) => {
    inputIsPcapng = isPcapngMagic(head);
  };
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

  /** Writes the result for some rows, in order; true once --count is reached. */
  const take = async (result: ChunkResult, chunk: FrameColumns): Promise<boolean> => {
    if (printed + result.printed > limit) {
      // Past the limit within this chunk: redo it here, stopping at the exact row.
      result = processor.process(chunk, limit - printed);
    }
    printed += result.printed;
    if (result.stats) stats!.add(result.stats);
    if (options.write !== undefined && result.rows) {
      capture ??= new captureOut!.CaptureOut(options.write, captureOut!.outputFormat(options.write, inputIsPcapng));
      await capture.add(chunk, result.rows);
    }
    await out.write(result.bytes);
    return printed >= limit;
  };

  const pool = workers > 1 ? new (await import('./worker-pool.js')).WorkerPool(workers, plan) : undefined;
  const inFlight: Array<Promise<{ result: ChunkResult; chunk: RecordChunk }>> = [];

  /** Writes the oldest chunk in flight once it is back; true once --count is reached. */
  const takeOldest = async (): Promise<boolean> => {
    const done = await inFlight.shift()!;
    const reached = await take(done.result, done.chunk);
    packer.recycle(done.chunk);
    return reached;
  };

  /** Hands a chunk to the pool; once enough are in flight, writes the oldest. True at --count. */
  const submit = async (chunk: RecordChunk): Promise<boolean> => {
    inFlight.push(pool!.submit(chunk));
    return inFlight.length >= workers * QUEUE_PER_WORKER && (await takeOldest());
  };

  try {
    if (plan.format === 'csv') await out.write(`${csvLine(CSV_COLUMNS)}\n`);
    let reached = false;
    try {
      batches: for await (const batch of captureBatches(file, onProgress, onHead)) {
        if (batch.count > 0 && printed === 0) firstLinkType = batch.linkTypes[0]!;
        if (!pool) {
          // One thread: the batch's columns are decoded where they lie, no copy.
          if (await take(processor.process(batch, limit - printed), batch)) break;
          continue;
        }
        for (const chunk of packer.add(batch)) {
          if ((reached = await submit(chunk))) break batches;
        }
      }
      const last = reached ? undefined : packer.flush();
      if (last) await submit(last);
    } catch (error) {
      if (!(error instanceof SourceFault)) throw error;
      // Every segment before the fault is printed (or counted) before the error is reported.
      const last = packer.flush();
      if (last && printed < limit) await submit(last);
      await finish();
      stderr.write(`tcpwasm: ${file}: ${describe(error.fault)}\n`);
      return 2;
    }
    await finish();
    return 0;
  } catch (error) {
    if (!(captureOut && error instanceof captureOut.MixedLinkTypes) && !isWriteFault(error)) throw error;
    stderr.write(`tcpwasm: ${options.write}: ${describe(error)}\n`);
    return 2;
  } finally {
    await pool?.close();
  }

  /** Writes the chunks still in flight and the summary; erases the progress bar. */
  async function finish(): Promise<void> {
    await drain();
    bar?.clear();
    // Like tcpdump -w, an output with no matching frame is still a capture (header only).
    if (options.write !== undefined)
      await (
        capture ?? new captureOut!.CaptureOut(options.write, captureOut!.outputFormat(options.write, inputIsPcapng))
      ).close(firstLinkType);
    if (stats) {
      const report = stats.report(file, performance.now() - started, options.filter);
      await out.write(options.json ? `${JSON.stringify(report)}\n` : `${formatStats(report)}\n`);
    }
    await out.flush();
  }

  async function drain(): Promise<void> {
    while (inFlight.length > 0) {
      if (printed >= limit) {
        await Promise.allSettled(inFlight.splice(0));
        break;
      }
      if (await takeOldest()) {
        // Later chunks are discarded, but their promises must still settle before the pool closes.
        await Promise.allSettled(inFlight.splice(0));
      }
    }
  }
}

/** An error from writing the -w file (a system call's errno error). */
function isWriteFault(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function describe(error: unknown): string {
  if (error instanceof DecodeError) {
    // Every capture fault names its byte offset, in the message or after it.
    const where =
      error.offset === undefined || error.message.includes(`byte ${error.offset}`) ? '' : ` at byte ${error.offset}`;
    return `${error.message}${where} [${error.code}]`;
  }
  const e = error as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return 'no such file';
  if (e && e.code === 'EISDIR') return 'is a directory';
  if (e && e.code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
