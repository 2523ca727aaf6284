// Child process for lifetime.test.ts: two stacks on real time over a MemoryLink, doing what the
// mode says, printing "exit <ms>" when the process is about to exit on its own. Whether it exits,
// and when, is what the test looks at (node:net's rule: a listening server or an open socket
// keeps the process alive unless unref()'d).

import { MemoryLink } from '../../src/link/memory-link.js';
import { TunDevice } from '../../src/link/tun-device.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';

const mode = process.argv[2];
const start = performance.now();
process.on('exit', () => process.stdout.write(`exit ${Math.round(performance.now() - start)}\n`));

const [a, b] = MemoryLink.pair({ delayMs: 1 });
const client = new Stack({ device: a, addresses: ['198.51.100.1/24'] });
const server = new Stack({ device: b, addresses: ['198.51.100.2/24'] });
const accepted: TcpSocket[] = [];
const listener = server
  .createServer((s) => {
    accepted.push(s);
    s.resume();
    if (mode === 'socket-unref') s.unref();
  })
  .listen(7);

/** An unref'd timer: it runs if something else keeps the process alive that long. */
const later = (ms: number, fn: () => void) => setTimeout(fn, ms).unref();

switch (mode) {
  case 'listen-unref':
    listener.unref();
    break;
  case 'listen':
    later(1000, () => listener.close());
    break;
  case 'listen-unref-ref':
    listener.unref();
    listener.ref();
    later(1000, () => listener.close());
    break;
  case 'socket':
  case 'socket-unref': {
    listener.unref();
    const sock = client.connect(7, '198.51.100.2');
    sock.resume();
    sock.on('connect', () => {
      if (mode === 'socket-unref') sock.unref();
      later(1000, () => sock.end());
    });
    break;
  }
  case 'tun':
  case 'tun-unref': {
    // A stack on a TUN device in the namespace argv[3] names: the device's read handle must not
    // hold the process by itself; the listening server does, unless unref()'d.
    listener.unref();
    const tun = await TunDevice.open({ hostAddresses: ['198.51.100.1/24'], netns: process.argv[3] });
    const onTun = new Stack({ device: tun, addresses: ['198.51.100.2/24'] });
    const web = onTun.createServer(() => {}).listen(80);
    if (mode === 'tun-unref') web.unref();
    break;
  }
  default:
    throw new Error(`unknown mode ${String(mode)}`);
}
