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

/**
 * The output, or the exit status when there is none to write to: 1 when it would be a terminal
 * (binary data there is a mistake, as gzip and tcpdump -w - also refuse), 2 when the file cannot
 * be created; the reason is on stderr.
 */
export async function openColumnarOutput(
  options: ColumnarOptions,
  streams: CommandStreams,
  schemaOf: (c: ColumnarModule) => Schema,
): Promise<ColumnarOutput | number> {
  if (options.out === undefined && (streams.stdout as { isTTY?: boolean }).isTTY) {
    streams.stderr.write(
      `tcpwasm: --format ${options.format} writes binary data: give --out FILE or redirect stdout\n`,
    );
    return 1;
  }
  const columnar = await import('../columnar/index.js');
  const batchRows = options.batchRows ?? columnar.DEFAULT_BATCH_ROWS;
  const file: Writable | undefined = options.out === undefined ? undefined : createWriteStream(options.out);
  if (file) {
    // An unwritable path fails here, before any decoding.
    try {
      await new Promise<void>((resolve, reject) => {
        file.once('ready', () => resolve());
        file.once('error', reject);
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      streams.stderr.write(`tcpwasm: cannot write ${options.out}: ${e.code ?? e.message}\n`);
      return 2;
    }
  }
  const out = file ?? streams.stdout;
  const schema = schemaOf(columnar);
  const sink =
    options.format === 'arrow'
      ? columnar.arrowFileSink(out, schema)
      : await columnar.parquetSink(out, schema, { batchRows });
  return {
    columnar,
    sink,
    batchRows,
    async close() {
      await sink.close();
      if (file) {
        file.end();
        await finished(file);
      }
    },
  };
}
