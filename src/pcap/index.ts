export { parseCapture, parseCaptureBatches, readCapture, readCaptureBatches, type ReadBatchesOptions } from './read.js';
export { RecordBatch } from './batch.js';
export { CaptureParser, type CaptureRecord } from './parser.js';
export {
  writePcap,
  writePcapng,
  PcapWriter,
  type PcapWriterOptions,
  type PcapngInterface,
  type WritableRecord,
} from './writer.js';
