// Opens the file (or stdout) a columnar command writes, and the Arrow or Parquet sink over it.
// src/columnar (and with it apache-arrow and parquet-wasm) is imported here, on first use, so the
// text commands never load it.

import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Schema } from 'apache-arrow';
import type { BatchSink } from '../columnar/index.js';
import type { ColumnarOptions } from './columnar-args.js';
import type { CommandStreams } from './decode.js';

export type ColumnarModule = typeof import('../columnar/index.js');

export interface ColumnarOutput {
  columnar: ColumnarModule;
  sink: BatchSink;
  batchRows: number;
  /** Closes the sink, then the file (not stdout); resolves once the bytes are written. */
  close(): Promise<void>;
}

export class BinaryToTerminal extends Error {}

/** Throws BinaryToTerminal when the output would be stdout and stdout is a terminal. */
export async function openColumnarOutput(
  options: ColumnarOptions, streams: CommandStreams, schemaOf: (c: ColumnarModule) => Schema,
): Promise<ColumnarOutput> {
  if (options.out === undefined && (streams.stdout as { isTTY?: boolean }).isTTY) {
    throw new BinaryToTerminal(`--format ${options.format} writes binary data: give --out FILE or redirect stdout`);
  }
  const columnar = await import('../columnar/index.js');
  const batchRows = options.batchRows ?? columnar.DEFAULT_BATCH_ROWS;
  const file: Writable | undefined = options.out === undefined ? undefined : createWriteStream(options.out);
  if (file) {
    // An unwritable path fails here, before any decoding.
    await new Promise<void>((resolve, reject) => {
      file.once('ready', () => resolve());
      file.once('error', reject);
    });
  }
  const out = file ?? streams.stdout;
  const schema = schemaOf(columnar);
  const sink = options.format === 'arrow'
    ? columnar.arrowFileSink(out, schema)
    : await columnar.parquetSink(out, schema, { batchRows });
  return {
    columnar, sink, batchRows,
    async close() {
      await sink.close();
      if (file) {
        file.end();
        await finished(file);
      }
    },
  };
}
