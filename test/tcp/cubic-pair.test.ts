// CUBIC with HyStart++ through a real Connection pair: bulk transfers over a bottleneck (rate,
// 40 ms round trip, a drop-tail queue, optional seeded random loss) in virtual time. Classic slow
// start fills a deep queue and loses hundreds of packets at once; HyStart++ sees the queueing
// delay grow and probes conservatively first. Every transfer must deliver byte-exact.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  Connection,
  Cubic,
  createTcpCounters,
  registerCongestionControl,
  resolveTcpConfig,
  type CongestionControl,
  type TcpCounters,
  type TcpSegment,
} from '../../src/tcp/index.js';
import { Random } from '../helpers/random.js';

const DELAY = 20; // ms one way
const HEADER = 52; // IPv4 + TCP with timestamps, for the serialization time

interface Packet {
  at: number;
  seg: TcpSegment;
}

interface Path {
  /** Bottleneck rate, bytes per ms. */
  rate: number;
  /** Packets that may wait at the bottleneck. */
  queue: number;
  /** Random loss on the A → B direction (seeded). */
  loss: number;
}

/** A → B through the bottleneck queue; B → A only delayed. */
class Bottleneck {
  toB: Packet[] = [];
  toA: Packet[] = [];
  #busyUntil = 0;
  readonly #random = new Random(99);
  drops = 0;
  readonly #path: Path;

  constructor(path: Path) {
    this.#path = path;
  }

  sendToB(seg: TcpSegment, now: number): void {
    const queued = this.toB.filter((p) => p.at - DELAY > now).length;
    if (queued >= this.#path.queue || (this.#path.loss > 0 && this.#random.u32() / 2 ** 32 < this.#path.loss)) {
      this.drops++;
      return;
    }
    const start = Math.max(now, this.#busyUntil);
    this.#busyUntil = start + (seg.payload.length + HEADER) / this.#path.rate;
    this.toB.push({ at: this.#busyUntil + DELAY, seg: { ...seg, payload: seg.payload.slice() } });
  }

  sendToA(seg: TcpSegment, now: number): void {
    this.toA.push({ at: now + DELAY, seg: { ...seg, payload: seg.payload.slice() } });
  }

  get nextAt(): number {
    return Math.min(this.toB[0]?.at ?? Infinity, this.toA[0]?.at ?? Infinity);
  }
}

/** Records where HyStart++ was when the first congestion event came. */
class Watched implements CongestionControl {
  phaseAtFirstLoss: string | null = null;
  acks = 0;
  constructor(readonly inner: Cubic) {}
  get name(): string {
    return this.inner.name;
  }
  get cwnd(): number {
    return this.inner.cwnd;
  }
  get ssthresh(): number {
    return this.inner.ssthresh;
  }
  #first(): void {
    this.phaseAtFirstLoss ??= this.inner.hystartPhase;
  }
  onAck(a: number, m: number, n: number, ack?: number, nxt?: number): void {
    this.acks++;
    this.inner.onAck(a, m, n, ack, nxt);
  }
  onRttSample(r: number, n: number): void {
    this.inner.onRttSample(r, n);
  }
  onEnterRecovery(f: number, m: number, n: number): void {
    this.#first();
    this.inner.onEnterRecovery(f, m, n);
  }
  onDupAckInRecovery(m: number): void {
    this.inner.onDupAckInRecovery(m);
  }
  onPartialAck(a: number, m: number): void {
    this.inner.onPartialAck(a, m);
  }
  onExitRecovery(f: number, m: number): void {
    this.inner.onExitRecovery(f, m);
  }
  onTimeout(f: number, m: number): void {
    this.#first();
    this.inner.onTimeout(f, m);
  }
  onIdleRestart(m: number): void {
    this.inner.onIdleRestart(m);
  }
}

const watched: Watched[] = [];
registerCongestionControl('test-cubic-hystart', (mss) => {
  const w = new Watched(new Cubic(mss));
  watched.push(w);
  return w;
});
registerCongestionControl('test-cubic-plain', (mss) => {
  const w = new Watched(new Cubic(mss, { hystart: false }));
  watched.push(w);
  return w;
});

function transfer(congestionControl: string, size: number, path: Path) {
  watched.length = 0;
  const config = resolveTcpConfig({ congestionControl, sendBufferSize: 1 << 20, receiveBufferSize: 1 << 20 });
  const counters: TcpCounters = createTcpCounters();
  const data = new Random(11).bytes(size);
  const wire = new Bottleneck(path);
  let now = 0;
  const a = Connection.connect({ localPort: 40000, remotePort: 9, iss: 1, config, counters }, now);
  let b: Connection | null = null;
  let written = 0;
  let received = 0;
  const hash = createHash('sha256');
  const pump = (): void => {
    if (written < size) written += a.write(data.subarray(written, Math.min(size, written + 65536)));
    for (let s = a.pollTransmit(now); s !== null; s = a.pollTransmit(now)) wire.sendToB(s, now);
    if (b !== null) {
      for (let c = b.read(); c !== null; c = b.read()) {
        hash.update(c);
        received += c.length;
      }
      for (let s = b.pollTransmit(now); s !== null; s = b.pollTransmit(now)) wire.sendToA(s, now);
    }
    while (a.pollEvent() !== null) {
      /* drain */
    }
    while (b !== null && b.pollEvent() !== null) {
      /* drain */
    }
  };
  pump();
  for (let steps = 0; received < size; steps++) {
    if (steps > 5_000_000) throw new Error('no progress');
    const next = Math.min(wire.nextAt, a.nextTimeout, b?.nextTimeout ?? Infinity);
    expect(next).to.not.equal(Infinity);
    now = Math.max(now, next);
    while (wire.toB.length > 0 && wire.toB[0]!.at <= now) {
      const { seg } = wire.toB.shift()!;
      if (b === null)
        b = Connection.accept(
          { localPort: 9, remotePort: 40000, iss: 7, config, counters: createTcpCounters() },
          seg,
          now,
        );
      else b.handleSegment(seg, now);
      pump();
    }
    while (wire.toA.length > 0 && wire.toA[0]!.at <= now) {
      a.handleSegment(wire.toA.shift()!.seg, now);
      pump();
    }
    if (a.nextTimeout <= now) a.handleTimeout(now);
    if (b !== null && b.nextTimeout <= now) b.handleTimeout(now);
    pump();
  }
  expect(hash.digest('hex')).to.equal(createHash('sha256').update(data).digest('hex'));
  // The sender's instance (the engine makes a new one when the handshake settles the MSS).
  const cc = watched.reduce((x, y) => (y.acks > x.acks ? y : x), watched[0] ?? new Watched(new Cubic(1000)));
  return { now, drops: wire.drops, counters, cc };
}

describe('tcp/cubic-pair: CUBIC and HyStart++ over a bottleneck between two Connections', function () {
  this.timeout(60000);

  it('HyStart++ leaves slow start on the rising RTT before a deep queue overflows; plain slow start overshoots', () => {
    // 10 Mbit/s, 40 ms: the BDP is ~34 packets; a bufferbloated queue of 300 (~9 BDP).
    const path = { rate: 1250, queue: 300, loss: 0 };
    const hy = transfer('test-cubic-hystart', 8 << 20, path);
    const plain = transfer('test-cubic-plain', 8 << 20, path);
    if (process.env.PAIR_DEBUG)
      console.log(
        JSON.stringify({
          hy: [hy.now, hy.drops, hy.cc.phaseAtFirstLoss],
          plain: [plain.now, plain.drops, plain.cc.phaseAtFirstLoss],
        }),
      );
    expect(hy.cc.name).to.equal('cubic');
    // HyStart++ had left classic slow start for Conservative Slow Start by the first loss.
    expect(hy.cc.phaseAtFirstLoss).to.equal('css');
    expect(plain.cc.phaseAtFirstLoss).to.equal('done'); // (off: reported as done)
    expect(plain.drops).to.be.greaterThan(0);
    expect(hy.drops).to.be.below(plain.drops / 2);
    expect(hy.counters.retransmissions).to.be.below(plain.counters.retransmissions / 2);
    // And the link stays used: 8 MiB at 10 Mbit/s is 6.7 s of serialization.
    expect(hy.now).to.be.below(plain.now);
  });

  it('with 0.5% random loss on a 100 Mbit/s, 40 ms path, CUBIC (β = 0.7, cubic regrowth) beats NewReno', () => {
    const path = { rate: 12500, queue: 1000, loss: 0.005 };
    const cubic = transfer('cubic', 16 << 20, path);
    const reno = transfer('newreno', 16 << 20, path);
    if (process.env.PAIR_DEBUG)
      console.log(JSON.stringify({ cubic: [cubic.now, cubic.drops], reno: [reno.now, reno.drops] }));
    expect(cubic.drops).to.be.greaterThan(50);
    expect(reno.drops).to.be.greaterThan(50);
    expect(cubic.now).to.be.below(reno.now * 0.9);
  });
});
