// A run of capture records packed into a few flat buffers: the unit the decode command decodes
// in one decodeBatch call, and the message it posts to a worker (every buffer transferable).

import type { CaptureRecord } from '../pcap/parser.js';

/** Records per chunk: one WebAssembly batch call (BATCH_ROWS) per chunk. */
export const CHUNK_RECORDS = 4096;
/** Frame bytes per chunk before it is closed early (a larger single frame still fits). */
export const CHUNK_BYTES = 1 << 20;

export interface RecordChunk {
  /** Position of the chunk in the file, from 0: output is written in this order. */
  sequence: number;
  /** Frame number (1-based) of row 0; rows are consecutive frames. */
  firstFrame: number;
  count: number;
  /** Frames back to back: row i is data[offsets[i], offsets[i] + lengths[i]). */
  data: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  originalLengths: Uint32Array;
  linkTypes: Uint16Array;
  timestampsNs: BigInt64Array;
}

/** Everything a chunk owns, for postMessage's transfer list. */
export function chunkBuffers(chunk: RecordChunk): ArrayBuffer[] {
  return [chunk.data, chunk.offsets, chunk.lengths, chunk.originalLengths, chunk.linkTypes, chunk.timestampsNs]
    .map((a) => a.buffer as ArrayBuffer);
}

/** The CaptureRecord of row i (for the per-frame formatters); `data` is a view into the chunk. */
export function recordAt(chunk: RecordChunk, i: number): CaptureRecord {
  const offset = chunk.offsets[i]!;
  const length = chunk.lengths[i]!;
  return {
    index: chunk.firstFrame + i,
    linkType: chunk.linkTypes[i]!,
    timestampNs: chunk.timestampsNs[i]!,
    capturedLength: length,
    originalLength: chunk.originalLengths[i]!,
    data: chunk.data.subarray(offset, offset + length),
  };
}

/**
 * Copies records into chunks. Buffers handed back with recycle() are reused, so a long run
 * allocates only as many chunks as are in flight at once.
 */
export class ChunkBuilder {
  private current: RecordChunk | undefined;
  private used = 0;
  private sequence = 0;
  private readonly spare: RecordChunk[] = [];

  /** Adds a record; returns a full chunk when this record completed one. */
  add(record: CaptureRecord): RecordChunk | undefined {
    const size = record.data.length;
    let full: RecordChunk | undefined;
    if (this.current && this.current.count > 0 && this.used + size > this.current.data.length) full = this.take();
    const chunk = this.current ?? this.open(size);
    if (this.used + size > chunk.data.length) {
      // A single frame larger than the chunk's data buffer: give this chunk a buffer that fits.
      chunk.data = new Uint8Array(size);
    }
    const i = chunk.count;
    if (i === 0) chunk.firstFrame = record.index;
    chunk.data.set(record.data, this.used);
    chunk.offsets[i] = this.used;
    chunk.lengths[i] = size;
    chunk.originalLengths[i] = Math.min(record.originalLength, 0xffffffff) >>> 0;
    chunk.linkTypes[i] = record.linkType;
    chunk.timestampsNs[i] = BigInt.asIntN(64, record.timestampNs);
    chunk.count = i + 1;
    this.used += size;
    if (chunk.count === CHUNK_RECORDS) return full ?? this.take();
    return full;
  }

  /** The partly filled chunk, if any (at the end of the file or before a fault). */
  flush(): RecordChunk | undefined {
    return this.current && this.current.count > 0 ? this.take() : undefined;
  }

  /** Returns a chunk whose rows have been written out, to be filled again. */
  recycle(chunk: RecordChunk): void {
    if (chunk.data.length <= CHUNK_BYTES && chunk.offsets.length === CHUNK_RECORDS) this.spare.push(chunk);
  }

  private take(): RecordChunk {
    const chunk = this.current!;
    this.current = undefined;
    this.used = 0;
    return chunk;
  }

  private open(firstSize: number): RecordChunk {
    const chunk = this.spare.pop() ?? {
      sequence: 0,
      firstFrame: 0,
      count: 0,
      data: new Uint8Array(Math.max(CHUNK_BYTES, firstSize)),
      offsets: new Uint32Array(CHUNK_RECORDS),
      lengths: new Uint32Array(CHUNK_RECORDS),
      originalLengths: new Uint32Array(CHUNK_RECORDS),
      linkTypes: new Uint16Array(CHUNK_RECORDS),
      timestampsNs: new BigInt64Array(CHUNK_RECORDS),
    };
    chunk.sequence = this.sequence++;
    chunk.count = 0;
    this.current = chunk;
    return chunk;
  }
}
