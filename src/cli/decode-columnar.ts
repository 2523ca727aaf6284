// `tcpwasm decode FILE --format arrow|parquet`: the segments that decode as TCP and match the
// filter, as Arrow record batches of --batch-rows rows, written while the capture is read (one
// batch of columns in memory). Decodes on this thread: the columns are copied out of each
// SegmentTable as it is decoded, which is cheaper than sending them back from workers.

import { decodeBatch } from '../wire/batch.js';
import { openColumnarOutput } from './columnar-output.js';
import type { ColumnarOptions } from './columnar-args.js';
import type { CommandStreams, DecodeCommandOptions } from './decode.js';
import { compileFilter } from './filter.js';
import { SourceFault, captureBatches } from './source.js';

/** Resolves to the exit status: 0, 1 (binary output to a terminal), 2 (the capture cannot be read). */
export async function runColumnarDecode(
  file: string,
  options: DecodeCommandOptions,
  columnarOptions: ColumnarOptions,
  streams: CommandStreams,
): Promise<number> {
  const output = await openColumnarOutput(columnarOptions, streams, (c) => c.SEGMENT_SCHEMA);
  if (typeof output === 'number') return output;
  const { sink } = output;
  const builder = new output.columnar.SegmentBatchBuilder(output.batchRows);
  const predicate = options.filter === undefined ? undefined : compileFilter(options.filter);
  const limit = options.count ?? Infinity;
  let taken = 0;
  let fault: unknown;
  try {
    for await (const batch of captureBatches(file)) {
      const n = batch.count;
      const table = decodeBatch(batch, batch.linkTypes, { originalLengths: batch.originalLengths });
      for (let i = 0; i < n && taken < limit; i++) {
        if (table.status[i] !== 0) continue;
        if (predicate && !predicate(table, batch.data, batch.offsets, i)) continue;
        taken++;
        const full = builder.add(table, batch, i);
        if (full) await sink.write(full);
      }
      if (taken >= limit) break;
    }
  } catch (error) {
    if (!(error instanceof SourceFault)) throw error;
    fault = error.fault;
  }
  // Segments before a fault are still written, as the text output prints them.
  if (builder.pending > 0) await sink.write(builder.take());
  await output.close();
  if (fault !== undefined) {
    streams.stderr.write(`tcpwasm: ${file}: ${fault instanceof Error ? fault.message : String(fault)}\n`);
    return 2;
  }
  return 0;
}
