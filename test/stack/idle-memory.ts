// Measures the memory cost of idle established connections: two stacks in one process, N
// connections opened and left idle, heapUsed + arrayBuffers before and after (with global.gc).
// Run in a child process by idle-memory.test.ts:
//   node --expose-gc --import tsx test/stack/idle-memory.ts 100000
// Prints one JSON line: { connections, bytesPerConnection, bytesPerEndpoint, ... }.

import { MemoryLink } from '../../src/link/memory-link.js';
import { VirtualClock } from '../../src/base/clock.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { Stack } from '../../src/stack/stack.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function used(): number {
  for (let i = 0; i < 3; i++) gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ clock });
  const ports: [number, number] = [1024, 65535];
  const client = new Stack({ device: a, addresses: ['192.0.2.1/24'], clock, ephemeralPorts: ports });
  const server = new Stack({ device: b, addresses: ['192.0.2.2/24'], clock, ephemeralPorts: ports });
  const accepted: TcpSocket[] = [];
  const connected: TcpSocket[] = [];
  // Two listening ports, so the 4-tuples fit in the ephemeral range.
  for (const port of [7, 8]) {
    server
      .createServer((s) => {
        accepted.push(s);
      })
      .listen({ port, backlog: 65535 });
  }
  // Warm up every code path (and the codec's memory) before the baseline.
  const warm = Array.from({ length: 200 }, (_, i) => client.connect(7 + (i % 2), '192.0.2.2'));
  await clock.runUntil(() => accepted.length === 200, 10_000);
  for (const s of [...warm, ...accepted]) s.destroy();
  accepted.length = 0;
  // destroy() closes with FIN on both ends at once: both pass through TIME-WAIT (60 s).
  await clock.runUntil(() => client.connectionCount === 0 && server.connectionCount === 0, 130_000);

  const before = used();
  let established = 0;
  const batch = 5000;
  for (let i = 0; i < n; i += batch) {
    for (let k = i; k < Math.min(n, i + batch); k++) {
      const s = client.connect(7 + (k % 2), '192.0.2.2');
      s.once('connect', () => established++);
      connected.push(s);
    }
    await clock.runUntil(() => established === Math.min(n, i + batch) && accepted.length === established, 60_000);
  }
  // Idle: let delayed ACKs and the like settle.
  clock.advance(1000);
  await clock.runUntil(() => true);
  const after = used();
  const delta = after - before;
  const states = new Map<string, number>();
  for (const s of connected) states.set(s.tcpState, (states.get(s.tcpState) ?? 0) + 1);
  console.log(
    JSON.stringify({
      connections: n,
      tableEntries: client.connectionCount + server.connectionCount,
      bytesPerConnection: Math.round(delta / n),
      bytesPerEndpoint: Math.round(delta / (2 * n)),
      deltaBytes: delta,
      established: states.get('ESTABLISHED') ?? 0,
      acceptedSockets: accepted.length,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
