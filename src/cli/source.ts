// Capture records in file order, as RecordBatch columns (no object or BigInt per record). Plain
// files are read straight into WASM memory (readInPlace: batches come out of a synchronous drain
// per 1 MiB read, and the byte position feeds the progress bar; a batch's bytes lie in a reused
// region, so it is valid until the generator is resumed twice after it); gzip files go through
// readCaptureBatches, which also recovers the records before damage in a .gz. Either way a fault
// first yields the records read before it, then throws SourceFault.

import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { RecordBatch } from '../pcap/batch.js';
import { isGzip } from '../pcap/gzip.js';
import { CaptureParser } from '../pcap/parser.js';
import { readCaptureBatches } from '../pcap/read.js';
import { readInPlace } from '../pcap/read-in-place.js';
import { CHUNK_RECORDS } from './chunk.js';

/** A failure to read the file as a capture (as opposed to a bug further down the pipeline). */
export class SourceFault extends Error {
  constructor(readonly fault: unknown) {
    super(fault instanceof Error ? fault.message : String(fault), { cause: fault });
    this.name = 'SourceFault';
  }
}

export interface SourceProgress {
  /** Bytes of the file consumed so far; undefined when it cannot be known (gzip). */
  bytesRead: number | undefined;
  /** Size of the file on disk (0 for standard input, whose size is unknown). */
  fileBytes: number;
  frames: number;
}

/** The names tcpdump users give standard input: `-`, and the device, which may be a pipe. */
export function isStandardInput(path: string): boolean {
  return path === '-' || path === '/dev/stdin';
}

/** The capture's first bytes say pcapng (its section header block type). */
export function isPcapngMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
}

/**
 * Records from a stream (standard input): a pipe can neither seek nor tell its size (ESPIPE), so
 * it is read front to back, through gunzip when it starts with the gzip magic. Every chunk is a
 * fresh buffer, so batches stay valid as long as the file-reading path's do.
 */
export async function* streamBatches(
  input: AsyncIterable<Uint8Array>,
  progress?: (p: SourceProgress) => void,
  onHead?: (head: Uint8Array) => void,
): AsyncGenerator<RecordBatch, void, undefined> {
  const parser = new CaptureParser();
  let frames = 0;
  let first = true;
  const feed = async function* (chunks: AsyncIterable<Uint8Array>): AsyncGenerator<RecordBatch, void, undefined> {
    for await (const chunk of chunks) {
      if (first && chunk.length > 0) {
        first = false;
        onHead?.(chunk);
      }
      parser.push(chunk);
      for (const batch of parser.drainBatches(CHUNK_RECORDS)) {
        frames += batch.count;
        yield batch;
      }
      progress?.({ bytesRead: undefined, fileBytes: 0, frames });
    }
  };
  try {
    const iterator = input[Symbol.asyncIterator]();
    const head = await iterator.next();
    if (head.done) {
      parser.end();
      return;
    }
    const rest = (async function* () {
      yield head.value;
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
    })();
    yield* feed(isGzip(head.value.subarray(0, 2)) ? Readable.from(rest).pipe(createGunzip()) : rest);
    parser.end();
  } catch (error) {
    throw new SourceFault(error);
  }
}

export async function* captureBatches(
  path: string,
  progress?: (p: SourceProgress) => void,
  onHead?: (head: Uint8Array) => void,
): AsyncGenerator<RecordBatch, void, undefined> {
  if (isStandardInput(path)) {
    yield* streamBatches(process.stdin, progress, onHead);
    return;
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SourceFault(error);
  }
  let gzip: boolean;
  let fileBytes: number;
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    gzip = isGzip(head.subarray(0, Math.min(2, bytesRead)));
    if (!gzip) onHead?.(head.subarray(0, bytesRead));
    fileBytes = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw new SourceFault(error);
  }
  let frames = 0;
  try {
    if (gzip) {
      await handle.close();
      for await (const batch of readCaptureBatches(path, CHUNK_RECORDS)) {
        frames += batch.count;
        progress?.({ bytesRead: undefined, fileBytes, frames });
        yield batch;
      }
    } else {
      // Read straight into WASM memory (two regions used in turn, as the two read buffers
      // before them were): decodeBatch then decodes each batch where it lies.
      const file = { fd: handle.fd, readSync, size: fileBytes };
      for await (const batch of readInPlace(file, CHUNK_RECORDS, (bytesRead) =>
        progress?.({ bytesRead, fileBytes, frames }),
      )) {
        frames += batch.count;
        yield batch;
      }
    }
  } catch (error) {
    throw new SourceFault(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
