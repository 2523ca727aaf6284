// For serving over memory: the kernel cannot reach a Stack behind a MemoryLink, so each
// service gets a listener on 127.0.0.1 whose connections are carried across by a second Stack
// (the peer) — kernel TCP to the bridge, our TCP from the peer to the serving stack.

import net from 'node:net';
import type { Stack } from '../stack/stack.js';

export interface Bridge {
  /** Loopback port for each target port. */
  readonly ports: Map<number, number>;
  close(): Promise<void>;
}

export async function bridgeLoopback(peer: Stack, targetHost: string, targetPorts: number[]): Promise<Bridge> {
  const servers: net.Server[] = [];
  const ports = new Map<number, number>();
  const open = new Set<net.Socket>();
  for (const target of targetPorts) {
    const server = net.createServer((kernelSide) => {
      open.add(kernelSide);
      const ours = peer.connect(target, targetHost);
      // Either side failing or closing takes the other with it; pipe carries backpressure.
      kernelSide.on('error', () => ours.destroy());
      ours.on('error', () => kernelSide.destroy());
      kernelSide.on('close', () => {
        open.delete(kernelSide);
        ours.destroy();
      });
      ours.on('close', () => kernelSide.destroy());
      kernelSide.pipe(ours).pipe(kernelSide);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    ports.set(target, (server.address() as net.AddressInfo).port);
  }
  return {
    ports,
    close: async () => {
      for (const s of open) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
