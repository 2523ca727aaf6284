// Worker thread entry for `tcpwasm decode --workers N`: decodes, filters and formats the chunks
// the main thread posts, and sends back the output bytes and the chunk's buffers (for reuse),
// all transferred rather than copied.

import { parentPort, workerData } from 'node:worker_threads';
import { fromMessage, toMessage, transferList, type ChunkMessage } from './chunk.js';
import { ChunkProcessor, type ChunkPlan } from './process-chunk.js';

const port = parentPort;
if (!port) throw new Error('tcpwasm: worker.js is started by the decode command, not run directly');
const processor = new ChunkProcessor(workerData as ChunkPlan);

port.on('message', (message: ChunkMessage) => {
  const chunk = fromMessage(message);
  try {
    const result = processor.process(chunk);
    port.postMessage({ result, chunk: toMessage(chunk) }, [
      ...transferList(message),
      result.bytes.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    port.postMessage(
      { error: error instanceof Error ? (error.stack ?? error.message) : String(error), chunk: message },
      transferList(message),
    );
  }
});
