// Where record batches go: an Arrow IPC file or a Parquet file, written as the batches come so
// memory holds about one batch (the writer waits for the output stream to drain).

import type { Writable } from 'node:stream';
import {
  AsyncByteQueue,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  Table,
  makeData,
  tableToIPC,
  type Schema,
} from 'apache-arrow';

export type ColumnarFormat = 'arrow' | 'parquet';

export interface BatchSink {
  /** Writes one batch; with Parquet, one row group (when it has rows). */
  write(batch: RecordBatch): Promise<void>;
  /** Writes the footer and waits until every byte has been handed to the stream (it is not ended). */
  close(): Promise<void>;
}

/** Writes to `out`, waiting for 'drain' when it is full (Output's rule for text, here for bytes). */
async function writeOut(out: Writable, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength === 0) return;
  if (!out.write(bytes)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

/**
 * The writer's byte sink: apache-arrow's writers accept an AsyncByteQueue as their sink and
 * call write() on it with each piece of the file, synchronously. Keeping the pieces here (rather
 * than in the queue's async iterator) lets the sink hand them to the stream after each batch
 * and so wait on backpressure.
 */
class Pieces extends AsyncByteQueue {
  list: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.list.push(value);
  }

  takeAll(): Uint8Array[] {
    const out = this.list;
    this.list = [];
    return out;
  }
}

/** The Arrow IPC file format (Feather v2, `.arrow`): one record batch per write(). */
export function arrowFileSink(out: Writable, schema: Schema): BatchSink {
  const pieces = new Pieces();
  const writer = new RecordBatchFileWriter();
  // The schema goes first even when no batch follows: a capture with no segment still makes a
  // file that readers open (as an empty table with the columns).
  writer.reset(pieces, schema);
  const flush = async () => {
    for (const piece of pieces.takeAll()) await writeOut(out, piece);
  };
  return {
    async write(batch) {
      writer.write(batch);
      await flush();
    },
    async close() {
      writer.finish();
      await flush();
    },
  };
}

export interface ParquetSinkOptions {
  /** zstd unless told (what DuckDB and Spark write by default nowadays: small and fast to read). */
  compression?: 'zstd' | 'snappy' | 'uncompressed';
  /**
   * The most rows a batch will have. parquet-wasm's writer (arrow-rs AsyncArrowWriter) cuts a
   * row group when it holds this many rows, and at the end; batches of exactly this size (the
   * builders' batchRows), the last one shorter, therefore make one row group each.
   */
  batchRows: number;
}

/**
 * Parquet through parquet-wasm: each Arrow batch crosses into its WebAssembly memory as an IPC
 * stream, and its streaming writer turns them into row groups, emitted as each is complete.
 */
export async function parquetSink(out: Writable, schema: Schema, options: ParquetSinkOptions): Promise<BatchSink> {
  const pq = await import('parquet-wasm');
  const compression =
    options.compression === 'snappy'
      ? pq.Compression.SNAPPY
      : options.compression === 'uncompressed'
        ? pq.Compression.UNCOMPRESSED
        : pq.Compression.ZSTD;
  const properties = new pq.WriterPropertiesBuilder()
    .setMaxRowGroupSize(options.batchRows)
    .setCompression(compression)
    .setCreatedBy('tcpwasm')
    .build();
  // An identity TransformStream with room for one batch: write() waits while the Parquet writer
  // is still busy with the previous one.
  const queue = new TransformStream<unknown, unknown>(undefined, { highWaterMark: 1 });
  const input = queue.writable.getWriter();
  // Not awaited here: the writer reads the first batch (for the schema) before it resolves.
  const pump = (async () => {
    const bytes = await pq.transformParquetStream(queue.readable as ReadableStream, properties);
    for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) await writeOut(out, chunk);
  })();
  // A failure in the pump must surface from write()/close(), not as an unhandled rejection.
  let failure: unknown;
  pump.catch((error: unknown) => {
    failure = error;
  });
  let wrote = false;
  const send = async (batch: RecordBatch) => {
    if (failure !== undefined) throw failure;
    // parquet-wasm reads Arrow data only as IPC; a one-batch stream is the batch's columns
    // plus a schema message.
    const wasmTable = pq.Table.fromIPCStream(tableToIPC(new Table([batch]), 'stream'));
    const wasmBatch = wasmTable.recordBatch(0);
    wasmTable.free();
    await input.ready;
    await input.write(wasmBatch);
    wrote = true;
  };
  return {
    async write(batch) {
      if (batch.numRows > 0) await send(batch);
    },
    async close() {
      // The writer learns the schema from the first batch: with no rows at all, an empty batch
      // of the schema still makes a file with the columns and no row group.
      if (!wrote) await send(emptyBatch(schema));
      await input.close();
      await pump;
      if (failure !== undefined) throw failure;
    },
  };
}

/** A batch of no rows with the schema's columns. */
function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => makeData({ type: f.type, length: 0, nullCount: 0 }));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}
