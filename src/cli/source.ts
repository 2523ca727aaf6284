// Capture records in file order, as RecordBatch columns (no object or BigInt per record). Plain
// files are parsed here straight from the file (batches come out of a synchronous drain per
// 1 MiB read, and the byte position feeds the progress bar; a batch's bytes lie in a reused read
// buffer, so it is valid until the generator is resumed twice after it); gzip files go through
// readCaptureBatches, which also recovers the records before damage in a .gz. Either way a fault
// first yields the records read before it, then throws SourceFault.

import { open } from 'node:fs/promises';
import type { RecordBatch } from '../pcap/batch.js';
import { isGzip } from '../pcap/gzip.js';
import { CaptureParser } from '../pcap/parser.js';
import { readCaptureBatches } from '../pcap/read.js';
import { CHUNK_RECORDS } from './chunk.js';

/**
 * Bytes per read. A batch never spans two reads, so a read holds several full batches of small
 * frames plus one short one at its end.
 */
const READ_CHUNK = 1 << 20;

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
  /** Size of the file on disk. */
  fileBytes: number;
  frames: number;
}

export async function* captureBatches(
  path: string, progress?: (p: SourceProgress) => void,
): AsyncGenerator<RecordBatch, void, undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SourceFault(error);
  }
  let gzip: boolean;
  let fileBytes: number;
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    gzip = isGzip(head.subarray(0, bytesRead));
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
      const parser = new CaptureParser();
      // Two read buffers, used in turn: once the parser has taken the next read, it holds no
      // view of the one before (its unread tail is copied into a bridge), and every batch from
      // that one has been decoded or packed. So reads make no garbage for the GC to find late.
      const buffers = [new Uint8Array(READ_CHUNK), new Uint8Array(READ_CHUNK)];
      let position = 0;
      for (let turn = 0; ; turn ^= 1) {
        const buffer = buffers[turn]!;
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        parser.push(buffer.subarray(0, bytesRead));
        for (const batch of parser.drainBatches(CHUNK_RECORDS)) {
          frames += batch.count;
          yield batch;
        }
        progress?.({ bytesRead: parser.offset, fileBytes, frames });
      }
      parser.end();
    }
  } catch (error) {
    throw new SourceFault(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
