// The rows the decode command works on. On one thread they are the parser's RecordBatch columns,
// used as they are; for worker threads, batches are packed into RecordChunks, whose few flat
// buffers are transferred to the worker (and back) without copying or cloning a record object.

import type { RecordBatch } from '../pcap/batch.js';
import type { CaptureRecord } from '../pcap/parser.js';

/** Records per chunk: one WebAssembly batch call (BATCH_ROWS) per chunk. */
export const CHUNK_RECORDS = 4096;
/** Bytes of a chunk's data buffer (a larger single frame still fits, in a buffer of its own). */
export const CHUNK_BYTES = 1 << 20;

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Consecutive capture records as columns: a RecordBatch is one, and so is a RecordChunk. Row i
 * is frame firstIndex + i, its bytes data[offsets[i], offsets[i] + lengths[i]).
 */
export type FrameColumns = Pick<
  RecordBatch,
  'data' | 'firstIndex' | 'count' | 'offsets' | 'lengths' | 'originalLengths' | 'linkTypes' | 'seconds' | 'nanoseconds'
>;

/** Row i's timestamp in nanoseconds since the epoch (CaptureRecord.timestampNs). */
export function timestampNsAt(rows: FrameColumns, i: number): bigint {
  return BigInt(rows.seconds[i]!) * NS_PER_SECOND + BigInt(rows.nanoseconds[i]!);
}

/** The CaptureRecord of row i (for the per-frame formatters); `data` is a view into the rows. */
export function recordAt(rows: FrameColumns, i: number): CaptureRecord {
  const offset = rows.offsets[i]!;
  const length = rows.lengths[i]!;
  return {
    index: rows.firstIndex + i,
    linkType: rows.linkTypes[i]!,
    timestampNs: timestampNsAt(rows, i),
    capturedLength: length,
    originalLength: rows.originalLengths[i]!,
    data: rows.data.subarray(offset, offset + length),
  };
}

/** Rows packed for a worker: `count` of the CHUNK_RECORDS column slots are used. */
export interface RecordChunk extends FrameColumns {
  /** Position of the chunk in the file, from 0: output is written in this order. */
  sequence: number;
  firstIndex: number;
  count: number;
  data: Uint8Array;
}

/**
 * Bytes per row of a chunk's columns: seconds 8; offsets, lengths, originalLengths, nanoseconds
 * 4 each; linkTypes 2.
 */
const COLUMN_BYTES = 8 + 4 + 4 + 4 + 4 + 2;

/** The columns of a chunk laid over one ArrayBuffer (how a worker rebuilds a chunk it receives). */
export function chunkOver(
  columns: ArrayBuffer,
  data: Uint8Array,
  sequence: number,
  firstIndex: number,
  count: number,
): RecordChunk {
  const n = columns.byteLength / COLUMN_BYTES;
  return {
    sequence,
    firstIndex,
    count,
    data,
    seconds: new Float64Array(columns, 0, n),
    offsets: new Uint32Array(columns, 8 * n, n),
    lengths: new Uint32Array(columns, 12 * n, n),
    originalLengths: new Uint32Array(columns, 16 * n, n),
    nanoseconds: new Uint32Array(columns, 20 * n, n),
    linkTypes: new Uint16Array(columns, 24 * n, n),
  };
}

/** A chunk as a message: a few numbers and two buffers to transfer. */
export interface ChunkMessage {
  sequence: number;
  firstIndex: number;
  count: number;
  columns: ArrayBuffer;
  data: ArrayBuffer;
}

export function toMessage(chunk: RecordChunk): ChunkMessage {
  return {
    sequence: chunk.sequence,
    firstIndex: chunk.firstIndex,
    count: chunk.count,
    columns: chunk.seconds.buffer as ArrayBuffer,
    data: chunk.data.buffer as ArrayBuffer,
  };
}

export function fromMessage(m: ChunkMessage): RecordChunk {
  return chunkOver(m.columns, new Uint8Array(m.data), m.sequence, m.firstIndex, m.count);
}

/** postMessage's transfer list for a chunk message. */
export function transferList(m: ChunkMessage): ArrayBuffer[] {
  return [m.columns, m.data];
}

/**
 * Packs RecordBatches into chunks: each batch's frames are one contiguous span of the read
 * buffer, so a chunk takes a run of them with one copy of that span and typed-array copies of
 * the columns (only the offsets are rewritten, one subtraction a row). Chunks handed back with
 * recycle() are reused, so a long run allocates only as many as are in flight at once.
 */
export class ChunkPacker {
  #current: RecordChunk | undefined;
  #used = 0;
  #sequence = 0;
  readonly #spare: RecordChunk[] = [];

  /** Adds the batch's rows; returns the chunks they completed (usually none or one). */
  add(batch: FrameColumns): RecordChunk[] {
    const full: RecordChunk[] = [];
    const { offsets, lengths } = batch;
    let from = 0;
    while (from < batch.count) {
      const chunk = this.#current ?? this.#open();
      const start = offsets[from]!;
      // The longest run of rows from `from` that fits the chunk's slots and bytes.
      const room = chunk.data.length - this.#used;
      const last = Math.min(batch.count, from + CHUNK_RECORDS - chunk.count);
      let to = from;
      let end = start;
      while (to < last) {
        const rowEnd = offsets[to]! + lengths[to]!;
        // A row before the previous one's end would make the span wrong: copy it in a run of its own.
        if (offsets[to]! < end && to > from) break;
        if (rowEnd - start > room) break;
        end = rowEnd;
        to++;
      }
      if (to === from) {
        if (chunk.count > 0) {
          full.push(this.#take());
          continue;
        }
        // A single frame larger than the chunk's data buffer: give this chunk a buffer that fits.
        chunk.data = new Uint8Array(lengths[from]!);
        end = offsets[from]! + lengths[from]!;
        to = from + 1;
      }
      this.#copy(chunk, batch, from, to, start, end);
      if (chunk.count === CHUNK_RECORDS || this.#used === chunk.data.length) full.push(this.#take());
      from = to;
    }
    return full;
  }

  /** The partly filled chunk, if any (at the end of the file or before a fault). */
  flush(): RecordChunk | undefined {
    return this.#current && this.#current.count > 0 ? this.#take() : undefined;
  }

  /** Returns a chunk whose rows have been written out, to be filled again. */
  recycle(chunk: RecordChunk): void {
    if (chunk.data.length === CHUNK_BYTES && chunk.offsets.length === CHUNK_RECORDS) this.#spare.push(chunk);
  }

  /** Rows [from, to) of the batch, whose bytes are its data[start, end), into the chunk. */
  #copy(chunk: RecordChunk, batch: FrameColumns, from: number, to: number, start: number, end: number): void {
    const at = chunk.count;
    if (at === 0) chunk.firstIndex = batch.firstIndex + from;
    chunk.data.set(batch.data.subarray(start, end), this.#used);
    const shift = this.#used - start;
    const src = batch.offsets;
    const dst = chunk.offsets;
    for (let k = from; k < to; k++) dst[at + k - from] = src[k]! + shift;
    chunk.lengths.set(batch.lengths.subarray(from, to), at);
    chunk.originalLengths.set(batch.originalLengths.subarray(from, to), at);
    chunk.linkTypes.set(batch.linkTypes.subarray(from, to), at);
    chunk.seconds.set(batch.seconds.subarray(from, to), at);
    chunk.nanoseconds.set(batch.nanoseconds.subarray(from, to), at);
    chunk.count = at + (to - from);
    this.#used += end - start;
  }

  #take(): RecordChunk {
    const chunk = this.#current!;
    this.#current = undefined;
    this.#used = 0;
    return chunk;
  }

  #open(): RecordChunk {
    const chunk =
      this.#spare.pop() ??
      chunkOver(new ArrayBuffer(CHUNK_RECORDS * COLUMN_BYTES), new Uint8Array(CHUNK_BYTES), 0, 0, 0);
    chunk.sequence = this.#sequence++;
    chunk.count = 0;
    this.#current = chunk;
    return chunk;
  }
}
