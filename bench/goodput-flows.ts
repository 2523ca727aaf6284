// Goodput with many flows at once, for the "stack goodput" rows at 1, 10, 100 and 1,000 flows:
// the same total of bytes split evenly over N connections, between two tcpwasm Stacks over a
// MemoryLink (MTU 1500) and, as the baseline at the same flow count, between node:net sockets
// over the kernel's loopback in this process. Both time the transfer from the first write (all
// connections already open) to the last byte received, and take the process's CPU time
// (process.cpuUsage, user + system) over the same span: CPU per GB moved says whether the cost
// of a byte grows with the number of flows (the byte pool, GC, per-connection work).

import net from 'node:net';
import type { TcpSocket } from '../dist/index.js';
import { stackPair } from './stack.bench.js';

const CHUNK = 64 * 1024;

/**
 * Bytes per flow: the flow's share of `total` cut down to whole 64 KiB writes (or one write of
 * the share, when that is smaller), so no flow ends with a short write that makes its send
 * buffer grow, with a copy of all it holds, for a few bytes.
 */
export function bytesPerFlow(total: number, flows: number): number {
  const share = Math.max(1, Math.floor(total / flows));
  const chunk = Math.min(CHUNK, share);
  return Math.floor(share / chunk) * chunk;
}

/** Writes exactly `bytes` from `chunk` as backpressure allows; call the result to start. */
function exactWriter(
  socket: { write(b: Uint8Array): boolean; on(e: 'drain', f: () => void): unknown },
  chunk: Uint8Array,
  bytes: number,
): () => void {
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      const n = Math.min(chunk.length, bytes - sent);
      sent += n;
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
    }
  };
  socket.on('drain', pump);
  return pump;
}

export interface FlowsResult {
  flows: number;
  bytes: number;
  seconds: number;
  /** Process CPU time (user + system) over the timed span, seconds. */
  cpuSeconds: number;
  /** The timed span on process.hrtime's clock, ns (to cut a --cpu-prof profile down to it). */
  span: [bigint, bigint];
}

/** CPU seconds (user + system) since `start`. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** Moves `bytes` in total over `flows` connections between two fresh Stacks; wall and CPU time. */
export async function stackFlows(flows: number, bytes: number): Promise<FlowsResult> {
  const perFlow = bytesPerFlow(bytes, flows);
  const pair = stackPair(0, 1, flows);
  const { clock, sender, receiver } = pair;
  const sockets: TcpSocket[] = [];
  for (let i = 0; i < flows; i++) {
    const socket = sender.connect(9, '192.0.2.2');
    socket.on('error', () => {});
    sockets.push(socket);
  }
  await clock.runUntil(() => sockets.every((s) => !s.connecting), 60_000);
  const chunk = new Uint8Array(CHUNK);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131) & 0xff;
  const pumps = sockets.map((s) => exactWriter(s, chunk, perFlow));
  const total = perFlow * flows;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const pump of pumps) pump();
  await clock.runUntil(() => pair.received() >= total, 3_600_000);
  const t1 = process.hrtime.bigint();
  const seconds = Number(t1 - t0) / 1e9;
  const cpuSeconds = cpuSince(cpu0);
  for (const s of sockets) s.destroy();
  sender.close();
  receiver.close();
  return { flows, bytes: pair.received(), seconds, cpuSeconds, span: [t0, t1] };
}

/** The same over the kernel's loopback with node:net on both ends, in this process. */
export function kernelFlows(flows: number, bytes: number): Promise<FlowsResult> {
  const perFlow = bytesPerFlow(bytes, flows);
  const total = perFlow * flows;
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  return new Promise((resolve, reject) => {
    let received = 0;
    let cpu0: NodeJS.CpuUsage;
    let t0 = 0n;
    const accepted: net.Socket[] = [];
    const clients: net.Socket[] = [];
    const server = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => {});
      s.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= total && t0 !== 0n) {
          const t1 = process.hrtime.bigint();
          const seconds = Number(t1 - t0) / 1e9;
          const cpuSeconds = cpuSince(cpu0);
          const span: [bigint, bigint] = [t0, t1];
          t0 = 0n;
          for (const c of clients) c.destroy();
          for (const a of accepted) a.destroy();
          server.close();
          resolve({ flows, bytes: received, seconds, cpuSeconds, span });
        }
      });
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', flows, () => {
      const { port } = server.address() as net.AddressInfo;
      let connected = 0;
      const start = () => {
        cpu0 = process.cpuUsage();
        t0 = process.hrtime.bigint();
        for (const client of clients) exactWriter(client, chunk, perFlow)();
      };
      for (let i = 0; i < flows; i++) {
        const client = net.connect(port, '127.0.0.1', () => {
          if (++connected === flows) start();
        });
        client.on('error', reject);
        clients.push(client);
      }
    });
  });
}
