// The TCP engine alone: two Connections back to back in one process, segments handed straight
// from one's pollTransmit to the other's handleSegment (no IP, no codec, no copies), one way,
// no loss. The figure is the engine's own per-segment cost, the ceiling for the stack benchmark.
//
// Standalone:  npx tsx bench/engine.bench.ts [--quick]

import { Connection, createTcpCounters, resolveTcpConfig, type TcpSegment } from '../dist/tcp/index.js';
import { median } from './harness.js';

export interface EngineTransfer {
  bytes: number;
  seconds: number;
  mbPerSec: number;
  segmentsPerSec: number;
}

export function engineTransfer(bytes: number): EngineTransfer {
  const config = resolveTcpConfig();
  const counters = createTcpCounters();
  let now = 0;
  const a = Connection.connect({ localPort: 40000, remotePort: 9, iss: 1, config, counters }, now);
  const syn = a.pollTransmit(now)!;
  const b = Connection.accept({ localPort: 9, remotePort: 40000, iss: 2, config, counters }, syn, now);
  const pump = (from: Connection, to: Connection): number => {
    let n = 0;
    for (let s: TcpSegment | null = from.pollTransmit(now); s !== null; s = from.pollTransmit(now)) {
      to.handleSegment(s, now);
      n++;
    }
    return n;
  };
  pump(b, a);
  pump(a, b);
  while (a.pollEvent() !== null || b.pollEvent() !== null) {
    /* drain */
  }

  const chunk = new Uint8Array(64 * 1024);
  let written = 0;
  let received = 0;
  const dataSegmentsBefore = counters.segmentsOut;
  const start = process.hrtime.bigint();
  while (received < bytes) {
    while (written < bytes) {
      const n = a.write(written + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - written));
      if (n === 0) break;
      written += n;
    }
    const moved = pump(a, b) + pump(b, a);
    for (let d = b.read(); d !== null; d = b.read()) received += d.length;
    while (a.pollEvent() !== null || b.pollEvent() !== null) {
      /* drain */
    }
    if (moved === 0) {
      now = Math.min(a.nextTimeout, b.nextTimeout);
      if (now === Infinity) throw new Error('stalled');
      a.handleTimeout(now);
      b.handleTimeout(now);
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const segments = counters.segmentsOut - dataSegmentsBefore;
  return { bytes, seconds, mbPerSec: bytes / 1e6 / seconds, segmentsPerSec: segments / seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const size = quick ? 32 << 20 : 128 << 20;
  engineTransfer(8 << 20); // warm-up
  const runs = Array.from({ length: quick ? 3 : 5 }, () => engineTransfer(size));
  console.log(
    `engine only, MSS 1448 (timestamps), no loss: ${median(runs.map((r) => r.mbPerSec)).toFixed(0)} MB/s, ` +
      `${(median(runs.map((r) => r.segmentsPerSec)) / 1000).toFixed(0)} k segments/s (all segments both ways), median of ${runs.length} × ${size >> 20} MiB`,
  );
}
