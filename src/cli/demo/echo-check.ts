// One echo session as the demo's clients run it, on any node:net-like socket (a kernel
// net.Socket inside the namespace, or a TcpSocket of our own client stack): small round trips
// for the latency, then a bulk send compared byte for byte with what comes back.

import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';

export interface EchoReport {
  /** Median round trip of `rounds` 64-byte messages, ms. */
  rttMs: number;
  /** Bulk bytes sent, and received back. */
  sent: number;
  received: number;
  /** The bytes that came back are the bytes sent. */
  exact: boolean;
  /** Wall time of the bulk part, ms. */
  bulkMs: number;
}

/** Deterministic bulk data (not a repeating 256-byte pattern, so misplaced chunks show). */
export function echoPayload(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/** Runs on a socket that is connected or connecting; ends it. Rejects on a socket error. */
export function runEchoSession(socket: Duplex, size: number, rounds: number): Promise<EchoReport> {
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    const rtts: number[] = [];
    let expecting = 0;
    let got = 0;
    let started = 0;
    const probe = Buffer.alloc(64, 0x2a);
    const bulk = echoPayload(size);
    const hash = createHash('sha256');
    let received = 0;
    let bulkStarted = 0;
    let phase: 'rtt' | 'bulk' = 'rtt';

    const nextRound = (): void => {
      if (rtts.length === rounds) {
        phase = 'bulk';
        bulkStarted = performance.now();
        socket.end(bulk);
        return;
      }
      expecting = probe.length;
      got = 0;
      started = performance.now();
      socket.write(probe);
    };
    socket.on('data', (d: Buffer) => {
      if (phase === 'rtt') {
        got += d.length;
        if (got >= expecting) {
          rtts.push(performance.now() - started);
          nextRound();
        }
        return;
      }
      received += d.length;
      hash.update(d);
    });
    socket.on('end', () => {
      resolve({
        rttMs: median(rtts),
        sent: size,
        received,
        exact: received === size && hash.digest('hex') === createHash('sha256').update(bulk).digest('hex'),
        bulkMs: performance.now() - bulkStarted,
      });
    });
    nextRound();
  });
}
