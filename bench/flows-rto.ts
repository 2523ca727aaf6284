// Spurious retransmission timeouts under load, in real time: N flows between two stacks in one
// process over a loss-free MemoryLink (MTU 65000, no queue limit drops), each sending the same
// amount at once. Nothing is lost, so every RTO is spurious: the event loop was busy with the
// other flows when the ACKs were due. Prints RTOs, those undone, retransmitted segments and the
// time taken. Run: npx tsx bench/flows-rto.ts [flows] [KiB per flow]. Timing-dependent: the
// figures vary with the machine's load.

import { MemoryLink } from '../src/link/memory-link.js';
import { Stack } from '../src/stack/stack.js';
import type { TcpSocket } from '../src/stack/socket.js';

const flows = Number(process.argv[2] ?? 1000);
const perFlow = Number(process.argv[3] ?? 256) * 1024;
const [a, b] = MemoryLink.pair({ mtu: 65000, queueLimit: 1 << 30 });
const sender = new Stack({ device: a, addresses: ['192.0.2.1/24'] });
const receiver = new Stack({ device: b, addresses: ['192.0.2.2/24'] });
let received = 0;
receiver
  .createServer((s: TcpSocket) => {
    s.on('data', (d: Buffer) => {
      received += d.length;
    });
    s.on('error', () => {});
  })
  .listen(9);
const chunk = Buffer.alloc(64 * 1024, 0x5a);
// Handshakes first (their SYN timeouts are counted apart), then every flow sends at once.
const sockets: TcpSocket[] = [];
let connected = 0;
for (let i = 0; i < flows; i++) {
  const socket = sender.connect(9, '192.0.2.2');
  socket.on('error', () => {});
  socket.on('connect', () => {
    connected++;
  });
  sockets.push(socket);
}
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if (connected === flows) {
      clearInterval(check);
      resolve();
    }
  }, 10);
});
const handshakeTimeouts = (sender.stats as unknown as Record<string, number>).timeouts!;
const t0 = performance.now();
for (const socket of sockets) {
  let sent = 0;
  const pump = (): void => {
    while (sent < perFlow) {
      sent += chunk.length;
      if (!socket.write(chunk)) return;
    }
    socket.end();
  };
  socket.on('drain', pump);
  pump();
}
const total = flows * perFlow;
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if (received >= total) {
      clearInterval(check);
      resolve();
    }
  }, 20);
});
const seconds = (performance.now() - t0) / 1000;
const s = sender.stats as unknown as Record<string, number>;
console.log(
  JSON.stringify({
    flows,
    mib: total / 2 ** 20,
    seconds: Number(seconds.toFixed(2)),
    handshakeTimeouts,
    dataTimeouts: s.timeouts! - handshakeTimeouts,
    undone: s.spuriousTimeoutsUndone ?? 0,
    retransmissions: s.retransmissions,
    lost: a.counters.lost + a.counters.queueDrops,
  }),
);
sender.close();
receiver.close();
