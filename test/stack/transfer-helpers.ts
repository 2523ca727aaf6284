// Bulk transfer plumbing shared by the transfer tests (memory, TUN and kernel interop): deterministic data,
// writing with backpressure, and hashing what arrives.

import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { dataChunks } from '../interop/clients/data.mjs';

// The one seeded stream (xorshift32), in plain JavaScript so that kernel-side clients share it.
export { dataChunks };

export function sha256Of(seed: number, total: number): string {
  const hash = createHash('sha256');
  for (const c of dataChunks(seed, total)) hash.update(c);
  return hash.digest('hex');
}

/** Writes `total` bytes honouring backpressure, then end(). */
export function sendAll(socket: Duplex, seed: number, total: number): void {
  const chunks = dataChunks(seed, total);
  const pump = (): void => {
    for (;;) {
      const next = chunks.next();
      if (next.done) {
        socket.end();
        return;
      }
      if (!socket.write(next.value)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

export interface Received {
  bytes: number;
  ended: boolean;
  digest(): string;
}

/** Hashes everything the socket delivers. */
export function receiveAll(socket: Duplex): Received {
  const hash = createHash('sha256');
  const r: Received = { bytes: 0, ended: false, digest: () => hash.digest('hex') };
  socket.on('data', (d: Buffer) => {
    r.bytes += d.length;
    hash.update(d);
  });
  socket.on('end', () => {
    r.ended = true;
  });
  return r;
}
