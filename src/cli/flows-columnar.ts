// `tcpwasm flows FILE --format arrow|parquet`: flow records as Arrow record batches of
// --batch-rows rows, each written as soon as it is full (records come as connections end).

import type { RecordBatch } from 'apache-arrow';
import { FlowTable } from '../flows/flow-table.js';
import { openColumnarOutput } from './columnar-output.js';
import type { ColumnarOptions } from './columnar-args.js';
import type { CommandStreams } from './decode.js';
import { feedCapture, flowsStatus, type FlowsCommandOptions } from './flows.js';

export async function runColumnarFlows(
  file: string,
  options: FlowsCommandOptions,
  columnarOptions: ColumnarOptions,
  streams: CommandStreams,
): Promise<number> {
  const output = await openColumnarOutput(columnarOptions, streams, (c) => c.FLOW_SCHEMA);
  if (typeof output === 'number') return output;
  const { sink } = output;
  const builder = new output.columnar.FlowBatchBuilder(output.batchRows);
  const full: RecordBatch[] = [];
  const table = new FlowTable({
    onFlow: (r) => {
      const batch = builder.add(r);
      if (batch) full.push(batch);
    },
    ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
    ...(options.maxFlows === undefined ? {} : { maxFlows: options.maxFlows }),
  });
  const fault = await feedCapture(file, table, async () => {
    for (const batch of full.splice(0)) await sink.write(batch);
  });
  if (builder.pending > 0) await sink.write(builder.take());
  await output.close();
  return flowsStatus(file, options, table, fault, streams);
}
