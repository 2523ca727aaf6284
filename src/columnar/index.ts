// Columnar output (issue 15): decoded segments and flow records as Apache Arrow record batches,
// written as Arrow IPC files or Parquet for DuckDB, Polars, Spark and pyarrow. A layer above
// wire/ and flows/; it alone imports apache-arrow and parquet-wasm, so the codec and engine
// entries stay small and the CLI loads this module only for --format arrow|parquet.

export {
  DEFAULT_BATCH_ROWS,
  SEGMENT_FIELDS,
  SEGMENT_SCHEMA,
  SegmentBatchBuilder,
  type FrameTimes,
} from './segments.js';
export { FLOW_FIELDS, FLOW_SCHEMA, FlowBatchBuilder } from './flows.js';
export { arrowFileSink, parquetSink, type BatchSink, type ColumnarFormat, type ParquetSinkOptions } from './sink.js';
