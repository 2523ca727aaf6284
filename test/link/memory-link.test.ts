import { expect } from 'chai';
import { MemoryLink, type MemoryLinkOptions } from '../../src/link/memory-link.js';
import { VirtualClock } from '../../src/base/clock.js';

/** A packet whose first 4 bytes number it, the rest filler. */
function numbered(n: number, size = 100): Uint8Array {
  const p = new Uint8Array(size);
  new DataView(p.buffer).setUint32(0, n);
  for (let i = 4; i < size; i++) p[i] = (n + i) & 0xff;
  return p;
}

const numberOf = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getUint32(0);

interface Arrival {
  at: number;
  packet: Uint8Array;
  batch: number;
}

/** Sends `count` numbered packets from a to b, one every `gapMs`, and collects what b gets. */
function run(options: MemoryLinkOptions, count: number, gapMs = 0, size = 100) {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ ...options, clock });
  const arrivals: Arrival[] = [];
  let batches = 0;
  b.onReceive((packets) => {
    batches++;
    for (const packet of packets) arrivals.push({ at: clock.now(), packet, batch: batches });
  });
  for (let i = 0; i < count; i++) {
    a.send(numbered(i, size));
    if (gapMs > 0) clock.advance(gapMs);
  }
  clock.advance(10_000);
  return { arrivals, counters: a.counters, batches };
}

describe('MemoryLink', () => {
  it('delivers every packet unchanged and in order on a clean link, sent-together ones as one batch', () => {
    const { arrivals, counters, batches } = run({}, 50);
    expect(arrivals.map((x) => numberOf(x.packet))).to.deep.equal([...Array(50).keys()]);
    arrivals.forEach((x, i) => expect(x.packet).to.deep.equal(numbered(i)));
    expect(batches).to.equal(1);
    expect(counters.sent).to.equal(50);
    expect(counters.delivered).to.equal(50);
    expect(counters.batches).to.equal(1);
    expect(counters.bytesDelivered).to.equal(5000);
  });

  it('delays each packet by delayMs of virtual time', () => {
    const { arrivals } = run({ delayMs: 7 }, 3, 2);
    expect(arrivals.map((x) => x.at)).to.deep.equal([7, 9, 11]);
  });

  it('serializes packets at rateBps: back-to-back packets queue behind each other', () => {
    // 1500 bytes at 12 Mbit/s take exactly 1 ms on the wire.
    const { arrivals } = run({ rateBps: 12_000_000, delayMs: 5 }, 4, 0, 1500);
    expect(arrivals.map((x) => x.at)).to.deep.equal([6, 7, 8, 9]);
  });

  it('drops packets above the MTU and counts them', () => {
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ mtu: 576, clock });
    const got: Uint8Array[] = [];
    b.onReceive((p) => got.push(...p));
    a.send(new Uint8Array(577));
    a.send(new Uint8Array(576));
    clock.advance(1);
    expect(got.map((p) => p.length)).to.deep.equal([576]);
    expect(a.counters.oversize).to.equal(1);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const faults = { loss: 0.05, reorder: 0.05, duplicate: 0.05, corrupt: 0.05 };
    const trace = (seed: number) =>
      run({ ...faults, seed }, 2000, 1)
        .arrivals.map((x) => `${x.at}:${numberOf(x.packet)}:${x.packet.reduce((s, v) => (s * 31 + v) >>> 0, 0)}`)
        .join(',');
    expect(trace(42)).to.equal(trace(42));
    expect(trace(42)).to.not.equal(trace(43));
  });

  // N = 20,000 packets; the tolerance is 5 standard deviations of the binomial count.
  const N = 20_000;
  const tolerance = (p: number) => 5 * Math.sqrt(N * p * (1 - p));

  it('loses packets at the configured rate', () => {
    const { arrivals, counters } = run({ loss: 0.1, seed: 7 }, N, 1);
    expect(Math.abs(counters.lost - N * 0.1)).to.be.below(tolerance(0.1));
    expect(arrivals.length).to.equal(N - counters.lost);
    expect(counters.delivered).to.equal(arrivals.length);
  });

  it('duplicates packets at the configured rate', () => {
    const { arrivals, counters } = run({ duplicate: 0.05, seed: 8 }, N, 1);
    expect(Math.abs(counters.duplicated - N * 0.05)).to.be.below(tolerance(0.05));
    expect(arrivals.length).to.equal(N + counters.duplicated);
    const seen = new Map<number, number>();
    for (const x of arrivals) seen.set(numberOf(x.packet), (seen.get(numberOf(x.packet)) ?? 0) + 1);
    expect([...seen.values()].filter((n) => n === 2).length).to.equal(counters.duplicated);
  });

  it('corrupts packets at the configured rate by flipping exactly one bit', () => {
    const { arrivals, counters } = run({ corrupt: 0.05, seed: 9 }, N, 1);
    expect(Math.abs(counters.corrupted - N * 0.05)).to.be.below(tolerance(0.05));
    let flipped = 0;
    arrivals.forEach((x, i) => {
      const original = numbered(i);
      let bits = 0;
      for (let k = 0; k < original.length; k++) {
        let d = original[k]! ^ x.packet[k]!;
        while (d) {
          bits += d & 1;
          d >>= 1;
        }
      }
      expect(bits).to.be.at.most(1);
      flipped += bits;
    });
    expect(flipped).to.equal(counters.corrupted);
  });

  it('reorders packets at the configured rate: a held packet arrives after the next one', () => {
    const { arrivals, counters } = run({ reorder: 0.05, reorderHoldMs: 10, seed: 10 }, N, 1);
    expect(arrivals.length).to.equal(N);
    const order = arrivals.map((x) => numberOf(x.packet));
    let inversions = 0;
    for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) inversions++;
    expect(inversions).to.equal(counters.reordered);
    expect(Math.abs(counters.reordered - N * 0.05)).to.be.below(tolerance(0.05) + N * 0.05 * 0.05 + 10);
    expect([...order].sort((x, y) => x - y)).to.deep.equal([...Array(N).keys()]);
  });

  it('releases a held packet after reorderHoldMs when nothing overtakes it', () => {
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ reorder: 1, reorderHoldMs: 3, delayMs: 2, clock, seed: 1 });
    const at: number[] = [];
    b.onReceive((p) => at.push(...p.map(() => clock.now())));
    a.send(numbered(0));
    clock.advance(100);
    expect(at).to.deep.equal([5]);
  });

  it('stops delivering once closed and counts the drops', () => {
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ clock });
    const got: Uint8Array[] = [];
    b.onReceive((p) => got.push(...p));
    b.close();
    a.send(numbered(1));
    clock.advance(1);
    expect(got).to.have.length(0);
    expect(a.counters.closedDrops).to.equal(1);
  });

  it('bounds the packets in flight by queueLimit', () => {
    const { arrivals, counters } = run({ queueLimit: 10, delayMs: 5 }, 30);
    expect(arrivals).to.have.length(10);
    expect(counters.queueDrops).to.equal(20);
  });

  it('rejects impossible settings', () => {
    expect(() => MemoryLink.pair({ loss: 1.5 })).to.throw(RangeError);
    expect(() => MemoryLink.pair({ mtu: 20 })).to.throw(RangeError);
    expect(() => MemoryLink.pair({ delayMs: -1 })).to.throw(RangeError);
  });
});
