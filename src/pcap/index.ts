export { parseCapture, readCapture } from './read.js';
export { CaptureParser, type CaptureRecord } from './parser.js';
export {
  writePcap, writePcapng, PcapWriter,
  type PcapWriterOptions, type PcapngInterface, type WritableRecord,
} from './writer.js';
