// The decode command's core: one run of records (a RecordBatch on the main thread, a packed
// RecordChunk in a worker) through decodeBatch, the filter, the formatter and the counters. The
// output is the same either way, which is what keeps --workers N byte-identical to --workers 1.

import { decodeBatch, type SegmentTable } from '../wire/batch.js';
import type { FrameColumns } from './chunk.js';
import { compileFilter, type RowPredicate } from './filter.js';
import { LineBuffer } from './line-buffer.js';
import { RowFormatter } from './rows.js';
import { JsonLineWriter } from './json-line.js';
import { emptyChunkStats, type ChunkStats } from './stats.js';
import { ColumnCounter } from './stats-columns.js';

export type OutputFormat = 'text' | 'json' | 'csv' | 'none';

/** What the command does with each chunk; plain data so it can be sent to workers. */
export interface ChunkPlan {
  format: OutputFormat;
  filter?: string;
  stats: boolean;
  /** Text lines exactly as `tcpdump -nn -S` prints them (no checksum text). */
  tcpdump?: boolean;
  /** Verify TCP checksums (default); false is tcpdump's -K: no checksum verdict at all. */
  verify?: boolean;
  /** Start each text line with the frame number (tcpdump -#). */
  frameNumbers?: boolean;
  /** Return the rows that matched (for -w). */
  collectRows?: boolean;
}

export interface ChunkResult {
  /** The chunk's output lines in UTF-8, each ending in '\n'. */
  bytes: Uint8Array;
  /** Segments printed (or counted, with format 'none'), the --count unit. */
  printed: number;
  stats?: ChunkStats;
  /** With plan.collectRows: the rows counted in `printed`, in order. */
  rows?: Uint32Array;
}

/**
 * A text line is about 200 bytes, a JSON line about 700: the buffer grows (a copy) when the guess
 * is short, which for JSON at a text line's guess was 15% of the run.
 */
const BYTES_PER_LINE_GUESS = 224;
const BYTES_PER_JSON_LINE_GUESS = 768;

/** Statuses that only mean "this frame is not a TCP segment": never printed. */
const NOT_TCP = new Set(['NOT_TCP', 'NOT_IP', 'FRAGMENT']);

export class ChunkProcessor {
  readonly #predicate: RowPredicate | undefined;
  readonly #plan: ChunkPlan;
  #table: SegmentTable | undefined;
  readonly #counter: ColumnCounter | undefined;
  readonly #json = new JsonLineWriter();
  /** Row numbers, reused from chunk to chunk. */
  #rows = new Uint32Array(0);

  constructor(plan: ChunkPlan) {
    this.#plan = plan;
    this.#predicate = plan.filter === undefined ? undefined : compileFilter(plan.filter);
    this.#counter = plan.stats ? new ColumnCounter() : undefined;
  }

  /** Decodes and formats the rows, stopping once `limit` segments are out. */
  process(chunk: FrameColumns, limit = Infinity): ChunkResult {
    const n = chunk.count;
    const offsets = chunk.offsets.subarray(0, n);
    // Nothing returned refers to the table, so the next chunk of the same size refills it.
    const table = decodeBatch(
      { data: chunk.data, offsets, lengths: chunk.lengths.subarray(0, n) },
      chunk.linkTypes.subarray(0, n),
      {
        originalLengths: chunk.originalLengths.subarray(0, n),
        verifyChecksums: this.#plan.verify !== false,
        ...(this.#table === undefined ? {} : { into: this.#table }),
      },
    );
    this.#table = table;
    const rows = new RowFormatter(chunk, table, {
      tcpdump: this.#plan.tcpdump === true,
      frameNumbers: this.#plan.frameNumbers === true,
    });
    // The rows counted in `printed`: for -w, and for --stats, which counts them column by column.
    if ((this.#plan.collectRows || this.#counter) && this.#rows.length < n) this.#rows = new Uint32Array(n);
    const kept = this.#plan.collectRows || this.#counter ? this.#rows : undefined;
    const { format } = this.#plan;
    const predicate = this.#predicate;
    const counter = this.#counter;
    const stats = counter ? emptyChunkStats() : undefined;
    const out = new LineBuffer(
      format === 'none' ? 0 : n * (format === 'json' ? BYTES_PER_JSON_LINE_GUESS : BYTES_PER_LINE_GUESS),
    );
    let printed = 0;
    let i = 0;
    for (; i < n && printed < limit; i++) {
      if (stats) stats.frameBytes += chunk.lengths[i]!;
      const status = table.status[i]!;
      if (status !== 0) {
        if (stats) stats.errors[status]!++;
        // A frame that did not decode cannot be tested against a filter: shown only without one.
        if (predicate || format === 'none' || NOT_TCP.has(table.error(i)!)) continue;
        out.line(format === 'json' ? rows.errorJson(i) : format === 'csv' ? rows.errorCsv(i) : rows.errorText(i));
        continue;
      }
      if (predicate && !predicate(table, chunk.data, offsets, i)) continue;
      if (kept) kept[printed] = i;
      printed++;
      if (format === 'text') rows.writeText(out, i);
      else if (format === 'json') {
        // Most rows are written from the columns; the others through decodeFrame and toJson.
        if (!this.#json.write(out, chunk, table, i)) out.line(rows.json(i));
      } else if (format === 'csv') out.line(rows.csv(i));
    }
    if (stats) {
      // Every frame looked at: the loop stops early only at --count.
      stats.frames = i;
      counter!.count(stats, table, chunk.data, offsets, kept!, printed);
    }
    return {
      bytes: out.bytes(),
      printed,
      ...(stats ? { stats } : {}),
      ...(kept && this.#plan.collectRows ? { rows: kept.slice(0, printed) } : {}),
    };
  }
}
