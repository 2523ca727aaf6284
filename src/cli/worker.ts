// Worker thread entry for `tcpwasm decode --workers N`: decodes and formats the chunks the main
// thread posts, and sends each back (its buffers too, for reuse) with the chunk's output.

import { parentPort, workerData } from 'node:worker_threads';
import { chunkBuffers, type RecordChunk } from './chunk.js';
import { ChunkProcessor, type ChunkPlan } from './process-chunk.js';

const port = parentPort;
if (!port) throw new Error('tcpwasm: worker.js is started by the decode command, not run directly');
const processor = new ChunkProcessor(workerData as ChunkPlan);

port.on('message', (chunk: RecordChunk) => {
  try {
    const result = processor.process(chunk);
    // The output bytes are moved, not copied, to the main thread.
    port.postMessage({ result, chunk }, [...chunkBuffers(chunk), result.bytes.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.stack ?? error.message : String(error), chunk }, chunkBuffers(chunk));
  }
});
