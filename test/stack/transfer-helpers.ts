// Bulk transfer plumbing shared by the transfer tests and the benchmark: deterministic data,
// writing with backpressure, and hashing what arrives.

import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';

/** Deterministic pseudo-random bytes (xorshift32), `total` bytes in `chunk`-sized arrays. */
export function* dataChunks(seed: number, total: number, chunk = 64 * 1024): Generator<Uint8Array> {
  let x = seed >>> 0 || 1;
  for (let sent = 0; sent < total; sent += chunk) {
    const n = Math.min(chunk, total - sent);
    const out = new Uint8Array(n);
    const words = new Uint32Array(out.buffer, 0, n >>> 2);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      words[i] = x;
    }
    for (let i = words.length * 4; i < n; i++) out[i] = i & 0xff;
    yield out;
  }
}

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
  socket.on('end', () => { r.ended = true; });
  return r;
}
