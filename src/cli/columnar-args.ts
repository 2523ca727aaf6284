// `--format arrow|parquet`, `--out FILE` and `--batch-rows N`, shared by decode and flows.

import { UsageError } from './usage-error.js';

export interface ColumnarOptions {
  format: 'arrow' | 'parquet';
  /** The file to write; stdout when absent (refused when stdout is a terminal). */
  out?: string;
  /** Rows per Arrow record batch and Parquet row group. */
  batchRows?: number;
}

export const COLUMNAR_USAGE = `    --format arrow|parquet        write an Arrow IPC file or Parquet (one record batch / row
                                  group per --batch-rows rows, default 65536) to --out FILE`;

/** parseArgs option declarations the two commands add. */
export const COLUMNAR_ARG_OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string' },
  'batch-rows': { type: 'string' },
} as const;

interface ColumnarValues {
  format?: string | undefined;
  out?: string | undefined;
  'batch-rows'?: string | undefined;
  json?: boolean | undefined;
  csv?: boolean | undefined;
  stats?: boolean | undefined;
  workers?: string | undefined;
}

/** The columnar options given, or undefined when --format is not; usage errors thrown. */
export function parseColumnarOptions(values: ColumnarValues): ColumnarOptions | undefined {
  const { format, out } = values;
  const rows = values['batch-rows'];
  if (format === undefined) {
    if (out !== undefined) throw new UsageError('--out needs --format arrow or --format parquet');
    if (rows !== undefined) throw new UsageError('--batch-rows needs --format arrow or --format parquet');
    return undefined;
  }
  if (format !== 'arrow' && format !== 'parquet')
    throw new UsageError(`--format expects arrow or parquet, got ${JSON.stringify(format)}`);
  if (values.json || values.csv || values.stats)
    throw new UsageError(`--format ${format} cannot be combined with --json, --csv or --stats`);
  // The rows are copied out of each decoded table on the main thread; workers would only add a copy back.
  if (values.workers !== undefined)
    throw new UsageError(`--format ${format} decodes on one thread; --workers does not apply`);
  let batchRows: number | undefined;
  if (rows !== undefined) {
    if (!/^[1-9][0-9]*$/.test(rows) || Number(rows) > 16_777_216)
      throw new UsageError(`--batch-rows expects a whole number from 1 to 16777216, got ${JSON.stringify(rows)}`);
    batchRows = Number(rows);
  }
  if (out === '') throw new UsageError('--out expects a file name');
  return { format, ...(out === undefined ? {} : { out }), ...(batchRows === undefined ? {} : { batchRows }) };
}
