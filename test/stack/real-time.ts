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
sock.on('data', (d: Buffer) => { echoed += d.toString(); });
sock.on('close', () => {
  console.log(JSON.stringify({ echoed, clientState: client.connectionCount, resets: client.stats.resetsSent + server.stats.resetsSent }));
  listening.close();
});
sock.end('x'.repeat(100_000));
