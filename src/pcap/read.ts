// Capture files in: parseCapture (bytes in memory) and readCapture (a streamed file), both
// gzip-aware. Records are yielded in file order; a fault ends the iteration with a DecodeError
// after every record before it.

import { DecodeError } from '../errors.js';
import { CaptureParser, type CaptureRecord } from './parser.js';

type Zlib = typeof import('node:zlib');
type Fs = typeof import('node:fs');

function builtin<T>(id: string): T {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new Error(`tcpwasm: ${id} is needed here and is only available in Node.js`);
  return get(id) as T;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gzipError(error: unknown, decompressed: number): DecodeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DecodeError('TRUNCATED', `gzip stream is truncated or corrupt after ${decompressed} decompressed bytes (${reason})`,
    decompressed, { cause: error });
}

/**
 * Parses a pcap or pcapng capture held in memory (gzip-compressed too). Record data are views
 * into `bytes` (or into the decompressed copy).
 */
export function* parseCapture(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  let data = bytes;
  let fault: DecodeError | undefined;
  if (isGzip(bytes)) {
    const zlib = builtin<Zlib>('node:zlib');
    try {
      data = zlib.gunzipSync(bytes);
    } catch (error) {
      // Keep what decompresses so the records before the damage are still delivered.
      data = zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      fault = gzipError(error, data.length);
    }
  }
  const parser = new CaptureParser();
  parser.push(data);
  yield* parser.drain();
  if (fault) throw fault;
  parser.end();
}

/** Chunk size for streamed reads: large enough to amortise syscalls, small enough for memory. */
const READ_CHUNK = 1 << 20;

/**
 * Streams a pcap or pcapng file (gzip-compressed too) from disk in constant memory. Offsets in
 * errors count bytes of the decompressed capture.
 */
export async function* readCapture(path: string): AsyncGenerator<CaptureRecord, void, undefined> {
  if (typeof path !== 'string') throw new TypeError('path must be a string');
  const fs = builtin<Fs>('node:fs');
  const handle = await fs.promises.open(path, 'r');
  let gzip = false;
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    gzip = isGzip(head.subarray(0, bytesRead));
  } catch (error) {
    await handle.close();
    throw error;
  }
  const raw = handle.createReadStream({ highWaterMark: READ_CHUNK, start: 0 });
  let source: AsyncIterable<Uint8Array> = raw;
  if (gzip) {
    const gunzip = builtin<Zlib>('node:zlib').createGunzip({ chunkSize: READ_CHUNK });
    raw.on('error', (error) => gunzip.destroy(error));
    source = raw.pipe(gunzip);
  }
  const parser = new CaptureParser();
  let decompressed = 0;
  try {
    try {
      for await (const chunk of source) {
        decompressed += chunk.length;
        parser.push(chunk);
        yield* parser.drain();
      }
    } catch (error) {
      if (error instanceof DecodeError || !gzip) throw error;
      yield* parser.drain();
      throw gzipError(error, decompressed);
    }
    parser.end();
  } finally {
    raw.destroy();
    await handle.close().catch(() => undefined);
  }
}
