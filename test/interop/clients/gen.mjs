// Writes N bytes of the seeded test stream (data.mjs) to stdout, honouring backpressure: the
// body of the kernel-side uploads (`node gen.mjs N SEED | curl -T - ...`).
//   node gen.mjs N SEED

import { dataChunks } from './data.mjs';

const [total, seed] = process.argv.slice(2).map(Number);
const chunks = dataChunks(seed, total);
const pump = () => {
  for (;;) {
    const next = chunks.next();
    if (next.done) return;
    if (!process.stdout.write(next.value)) {
      process.stdout.once('drain', pump);
      return;
    }
  }
};
pump();
