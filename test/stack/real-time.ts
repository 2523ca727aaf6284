// Two stacks on real time (RealClock, the default) in a child process: echo a message, close,
// and let the process end by itself. Run by real-time.test.ts.

import { MemoryLink } from '../../src/link/memory-link.js';
import { Stack } from '../../src/stack/stack.js';

const [a, b] = MemoryLink.pair({ delayMs: 2, loss: 0.02, seed: 3 });
const server = new Stack({ device: b, addresses: ['192.0.2.2/24'] });
const client = new Stack({ device: a, addresses: ['192.0.2.1/24'] });
const listening = server.createServer((s) => s.pipe(s)).listen(7);
const sock = client.connect(7, '192.0.2.2');
let echoed = '';
sock.on('data', (d: Buffer) => {
  echoed += d.toString();
});
let done = false;
sock.on('close', () => {
  done = true;
  console.log(
    JSON.stringify({
      echoed: echoed.length,
      exact: echoed === 'x'.repeat(100_000),
      clientState: client.connectionCount,
      resets: client.stats.resetsSent + server.stats.resetsSent,
    }),
  );
  listening.close();
});
// Exiting before the close means the stack let the process go with work still pending.
process.on('exit', () => {
  if (!done) console.log(JSON.stringify({ incomplete: true, echoed: echoed.length }));
});
sock.end('x'.repeat(100_000));
