// Capture files in: parseCapture (bytes in memory) and readCapture (a streamed file), both
// gzip-aware. Records are yielded in file order; a fault ends the iteration with a DecodeError
// after every record before it.

import { DecodeError } from '../wire/errors.js';
import { nodeBuiltin } from '../base/node-builtin.js';
import { zlib } from '../wire/host.js';
import { gunzipRecovering, gzipFault, inflateLongestPrefix, isGzip } from './gzip.js';
import type { RecordBatch } from './batch.js';
import { CaptureParser, type CaptureRecord } from './parser.js';
import { readInPlace } from './read-in-place.js';

/** What a reader takes out of the parser after each chunk: records, or batches of them. */
type Drain<T> = (parser: CaptureParser) => Generator<T, void, undefined>;

const records: Drain<CaptureRecord> = (parser) => parser.drain();

function batches(maxRecords: number): Drain<RecordBatch> {
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError('maxRecords must be a positive integer');
  return (parser) => parser.drainBatches(maxRecords);
}

type Zlib = typeof import('node:zlib');
type Fs = typeof import('node:fs');

function builtin<T>(id: string): T {
  const module = nodeBuiltin<T>(id);
  if (!module) throw new Error(`tcpwasm: ${id} is needed here and is only available in Node.js`);
  return module;
}

/**
 * Parses a pcap or pcapng capture held in memory (gzip-compressed too). Record data are views
 * into `bytes` (or into the decompressed copy).
 */
export function parseCapture(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  return parseWith(bytes, records);
}

/**
 * parseCapture yielding RecordBatch columns of up to `maxRecords` records instead of one object
 * per record: the fast way to feed decodeBatch (a batch is a PackedFrames).
 */
export function parseCaptureBatches(bytes: Uint8Array, maxRecords = 4096): Generator<RecordBatch, void, undefined> {
  return parseWith(bytes, batches(maxRecords));
}

function* parseWith<T>(bytes: Uint8Array, drain: Drain<T>): Generator<T, void, undefined> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  let data = bytes;
  let fault: DecodeError | undefined;
  if (isGzip(bytes)) {
    // On damage, keep what decompresses so the records before it are still delivered.
    // Through wire/host (not builtin) so browser bundles, where host has no zlib, name no node: module.
    const inflate = zlib();
    if (!inflate) throw new Error('tcpwasm: gzip-compressed captures need Node.js (zlib)');
    const { data: inflated, error } = gunzipRecovering(inflate, bytes);
    data = inflated;
    if (error !== undefined) fault = gzipFault(error, data.length);
  }
  const parser = new CaptureParser();
  parser.push(data);
  yield* drain(parser);
  if (fault) throw fault;
  parser.end();
}

/** Chunk size for streamed reads: large enough to amortise syscalls, small enough for memory. */
const READ_CHUNK = 1 << 20;
/**
 * A damaged .gz up to this size is re-read whole to recover the records zlib's stream dropped
 * with the failing chunk; larger ones end at what the stream delivered.
 */
const GZIP_RECOVERY_LIMIT = 64 << 20;

/**
 * Streams a pcap or pcapng file (gzip-compressed too) from disk in constant memory. Offsets in
 * errors count bytes of the decompressed capture.
 */
export function readCapture(path: string): AsyncGenerator<CaptureRecord, void, undefined> {
  return readWith(path, records);
}

/** Options of readCaptureBatches. */
export interface ReadBatchesOptions {
  /**
   * Read the file straight into the codec's WebAssembly memory, where decodeBatch then decodes
   * each batch without copying a frame (default false). That memory is reused: a batch (its
   * `data`, and views of it such as `record(i).data` or a decoded table's payloads) stays valid
   * only until the generator has been resumed twice after yielding it or has finished, so a loop
   * that is done with each batch before it takes the one after next is safe; copy bytes you keep
   * longer. A grow of WASM memory detaches views taken before it: `batch.data` is made anew, so
   * take views from the batch again. gzip files are read as without it (their decompressed bytes
   * are copied once either way).
   */
  inPlace?: boolean;
}

/**
 * readCapture yielding RecordBatch columns of up to `maxRecords` records (a batch never spans
 * two read chunks, so some are shorter): constant memory, no object per record.
 */
export function readCaptureBatches(
  path: string,
  maxRecords = 4096,
  options: ReadBatchesOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const drain = batches(maxRecords);
  return options.inPlace === true ? readBatchesInPlace(path, maxRecords, drain) : readWith(path, drain);
}

/** readCaptureBatches with inPlace: plain files through readInPlace, gzip ones as usual. */
async function* readBatchesInPlace(
  path: string,
  maxRecords: number,
  drain: Drain<RecordBatch>,
): AsyncGenerator<RecordBatch, void, undefined> {
  if (typeof path !== 'string') throw new TypeError('path must be a string');
  const fs = builtin<Fs>('node:fs');
  const handle = await fs.promises.open(path, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    if (isGzip(head.subarray(0, bytesRead))) {
      await handle.close();
      yield* readWith(path, drain);
      return;
    }
    const { size } = await handle.stat();
    yield* readInPlace({ fd: handle.fd, readSync: fs.readSync, size }, maxRecords);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function* readWith<T>(path: string, drain: Drain<T>): AsyncGenerator<T, void, undefined> {
  if (typeof path !== 'string') throw new TypeError('path must be a string');
  const fs = builtin<Fs>('node:fs');
  const handle = await fs.promises.open(path, 'r');
  let gzip: boolean;
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
        yield* drain(parser);
      }
    } catch (error) {
      if (error instanceof DecodeError || !gzip) throw error;
      yield* drain(parser);
      const { size } = await fs.promises.stat(path);
      if (size <= GZIP_RECOVERY_LIMIT) {
        // The stream already failed; go straight to recovery rather than gunzip the file again.
        const data = inflateLongestPrefix(builtin<Zlib>('node:zlib'), await fs.promises.readFile(path));
        if (data.length > decompressed) {
          parser.push(data.subarray(decompressed));
          decompressed = data.length;
          yield* drain(parser);
        }
      }
      throw gzipFault(error, decompressed);
    }
    parser.end();
  } finally {
    raw.destroy();
    await handle.close().catch(() => undefined);
  }
}
