// Chunks decoded on worker threads. Each job's promise is kept in submission order by the caller,
// so awaiting them head first gives the output in frame order whatever order workers finish in.

import { Worker } from 'node:worker_threads';
import { fromMessage, toMessage, transferList, type ChunkMessage, type RecordChunk } from './chunk.js';
import type { ChunkPlan, ChunkResult } from './process-chunk.js';

interface Job {
  sequence: number;
  resolve: (done: { result: ChunkResult; chunk: RecordChunk }) => void;
  reject: (error: Error) => void;
}

interface Reply {
  result?: ChunkResult;
  error?: string;
  chunk: ChunkMessage;
}

class Lane {
  readonly worker: Worker;
  /** Jobs posted to this worker, answered in the order posted. */
  readonly jobs: Job[] = [];

  constructor(plan: ChunkPlan, onFailure: (error: Error) => void) {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: plan });
    this.worker.on('message', (reply: Reply) => {
      const job = this.jobs.shift()!;
      if (reply.error !== undefined || !reply.result)
        job.reject(new Error(`worker failed on chunk ${job.sequence}: ${reply.error}`));
      else job.resolve({ result: reply.result, chunk: fromMessage(reply.chunk) });
    });
    this.worker.on('error', onFailure);
    this.worker.on('exit', (code) => {
      if (this.jobs.length > 0)
        onFailure(new Error(`a decode worker exited with code ${code} before finishing its chunks`));
    });
  }
}

export class WorkerPool {
  readonly #lanes: Lane[];

  constructor(count: number, plan: ChunkPlan) {
    const fail = (error: Error) => {
      for (const lane of this.#lanes) for (const job of lane.jobs.splice(0)) job.reject(error);
    };
    this.#lanes = Array.from({ length: count }, () => new Lane(plan, fail));
  }

  /** Sends the chunk (transferring its buffers) to the least busy worker. */
  submit(chunk: RecordChunk): Promise<{ result: ChunkResult; chunk: RecordChunk }> {
    let lane = this.#lanes[0]!;
    for (const l of this.#lanes) if (l.jobs.length < lane.jobs.length) lane = l;
    return new Promise((resolve, reject) => {
      lane.jobs.push({ sequence: chunk.sequence, resolve, reject });
      const message = toMessage(chunk);
      lane.worker.postMessage(message, transferList(message));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#lanes.map((l) => l.worker.terminate()));
  }
}
