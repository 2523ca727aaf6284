// Capture records in file order, packed into chunks. Plain files are parsed here straight from
// the file stream (records come out of a synchronous drain per 1 MiB read, and the byte position
// feeds the progress bar); gzip files go through readCapture, which also recovers the records
// before damage in a .gz. Either way a fault first yields the records read before it.

import { open } from 'node:fs/promises';
import { isGzip } from '../pcap/gzip.js';
import { CaptureParser } from '../pcap/parser.js';
import { readCapture } from '../pcap/read.js';
import type { ChunkBuilder, RecordChunk } from './chunk.js';

const READ_CHUNK = 256 << 10;

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

export async function* captureChunks(
  path: string, builder: ChunkBuilder, progress?: (p: SourceProgress) => void,
): AsyncGenerator<RecordChunk, void, undefined> {
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
      for await (const record of readCapture(path)) {
        frames++;
        const full = builder.add(record);
        if (full) {
          progress?.({ bytesRead: undefined, fileBytes, frames });
          yield full;
        }
      }
    } else {
      const parser = new CaptureParser();
      const stream = handle.createReadStream({ highWaterMark: READ_CHUNK, start: 0 });
      try {
        for await (const bytes of stream as AsyncIterable<Buffer>) {
          parser.push(bytes);
          for (const record of parser.drain()) {
            frames++;
            const full = builder.add(record);
            if (full) yield full;
          }
          progress?.({ bytesRead: parser.offset, fileBytes, frames });
        }
        parser.end();
      } finally {
        stream.destroy();
      }
    }
  } catch (error) {
    const last = builder.flush();
    if (last) yield last;
    throw new SourceFault(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
  const last = builder.flush();
  if (last) yield last;
}
