import { expect } from 'chai';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { FaultyDevice } from '../../src/link/faulty-device.js';
import { MemoryLink } from '../../src/link/memory-link.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { receiveAll, sendAll, sha256Of } from '../stack/transfer-helpers.js';

/** A packet whose first 4 bytes number it, the rest filler. */
function numbered(n: number, size = 64): Uint8Array {
  const p = new Uint8Array(size);
  new DataView(p.buffer).setUint32(0, n);
  for (let i = 4; i < size; i++) p[i] = (n * 7 + i) & 0xff;
  return p;
}

const numberOf = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getUint32(0);
const trace = (packets: Uint8Array[]) => packets.map((p) => `${numberOf(p)}:${Buffer.from(p).toString('hex')}`);

/**
 * A device like a TunDevice: it hands the handler views into one scratch area that it reuses
 * (scribbles over) as soon as the handler returns.
 */
class ScratchDevice implements Device {
  readonly mtu = 1500;
  readonly sent: Uint8Array[] = [];
  closed = false;
  #handler: PacketBatchHandler | null = null;
  readonly #scratch = new Uint8Array(1 << 16);

  send(packet: Uint8Array): void {
    this.sent.push(packet);
  }
  onReceive(handler: PacketBatchHandler | null): void {
    this.#handler = handler;
  }
  close(): void {
    this.closed = true;
  }

  deliver(packets: Uint8Array[]): void {
    const views: Uint8Array[] = [];
    let at = 0;
    for (const p of packets) {
      this.#scratch.set(p, at);
      views.push(this.#scratch.subarray(at, at + p.length));
      at += p.length;
    }
    this.#handler?.(views);
    this.#scratch.fill(0xee);
  }
}

describe('FaultyDevice', () => {
  it('passes both directions through unchanged without faults, keeping batches together', () => {
    const inner = new ScratchDevice();
    const dev = new FaultyDevice(inner, { clock: new VirtualClock() });
    const batches: string[][] = [];
    dev.onReceive((packets) => batches.push(trace(packets)));
    const out = [0, 1, 2].map((n) => numbered(n));
    for (const p of out) dev.send(p);
    inner.deliver([numbered(10), numbered(11), numbered(12)]);
    expect(inner.sent).to.deep.equal(out);
    expect(batches).to.deep.equal([trace([numbered(10), numbered(11), numbered(12)])]);
    expect(dev.mtu).to.equal(1500);
    expect(dev.counters.outbound).to.include({ packets: 3, bytes: 192, passed: 3, lost: 0 });
    expect(dev.counters.inbound).to.include({ packets: 3, bytes: 192, passed: 3, lost: 0 });
  });

  it('makes the same decisions as a MemoryLink with the same seed, in each direction', () => {
    // A FaultyDevice over a clean link must reproduce, packet for packet, what a faulty link
    // with the same seed and faults does: the two share one fault model.
    const faults = { loss: 0.1, corrupt: 0.05, duplicate: 0.05, reorder: 0.1, seed: 1234 };
    const count = 3000;

    const clockA = new VirtualClock();
    const [la, lb] = MemoryLink.pair({ ...faults, clock: clockA });
    const refAtoB: Uint8Array[] = [];
    const refBtoA: Uint8Array[] = [];
    lb.onReceive((p) => refAtoB.push(...p));
    la.onReceive((p) => refBtoA.push(...p));
    for (let i = 0; i < count; i++) la.send(numbered(i));
    for (let i = 0; i < count; i++) lb.send(numbered(100_000 + i));
    clockA.advance(100);

    const clockB = new VirtualClock();
    const [ca, cb] = MemoryLink.pair({ clock: clockB });
    const dev = new FaultyDevice(ca, { ...faults, clock: clockB });
    const gotOut: Uint8Array[] = [];
    const gotIn: Uint8Array[] = [];
    cb.onReceive((p) => gotOut.push(...p));
    dev.onReceive((p) => gotIn.push(...p));
    for (let i = 0; i < count; i++) dev.send(numbered(i));
    for (let i = 0; i < count; i++) cb.send(numbered(100_000 + i));
    clockB.advance(100);

    expect(trace(gotOut)).to.deep.equal(trace(refAtoB));
    expect(trace(gotIn)).to.deep.equal(trace(refBtoA));
    for (const [mine, ref] of [
      [dev.counters.outbound, la.counters],
      [dev.counters.inbound, lb.counters],
    ] as const) {
      expect({
        lost: mine.lost,
        corrupted: mine.corrupted,
        duplicated: mine.duplicated,
        reordered: mine.reordered,
      }).to.deep.equal({
        lost: ref.lost,
        corrupted: ref.corrupted,
        duplicated: ref.duplicated,
        reordered: ref.reordered,
      });
      expect(mine.lost).to.be.greaterThan(200);
    }
  });

  it('applies per-direction overrides and keeps its counters consistent', () => {
    const inner = new ScratchDevice();
    const dev = new FaultyDevice(inner, {
      loss: 0.2,
      duplicate: 0.05,
      seed: 9,
      inbound: { loss: 0 },
      clock: new VirtualClock(),
    });
    const got: Uint8Array[] = [];
    dev.onReceive((p) => got.push(...p));
    const N = 10_000;
    for (let i = 0; i < N; i++) dev.send(numbered(i));
    for (let i = 0; i < N; i += 100) inner.deliver(Array.from({ length: 100 }, (_, k) => numbered(i + k)));
    const out = dev.counters.outbound;
    const inb = dev.counters.inbound;
    // 5 standard deviations of the binomial count.
    expect(Math.abs(out.lost - N * 0.2)).to.be.below(5 * Math.sqrt(N * 0.2 * 0.8));
    expect(inb.lost).to.equal(0);
    expect(inb.duplicated).to.be.greaterThan(0);
    expect(out.passed).to.equal(N - out.lost + out.duplicated);
    expect(inner.sent.length).to.equal(out.passed);
    expect(got.length).to.equal(N + inb.duplicated);
    expect(inb.passed).to.equal(got.length);
  });

  it('copies a received packet it holds back, since the inner device reuses its memory', () => {
    const inner = new ScratchDevice();
    // reorder 1: every packet that finds nothing held is held; the next one overtakes it.
    const dev = new FaultyDevice(inner, { reorder: 1, seed: 3, clock: new VirtualClock() });
    const batches: string[][] = [];
    const kept: Uint8Array[] = [];
    dev.onReceive((packets) => {
      batches.push(trace(packets));
      kept.push(...packets.map((p) => p.slice()));
    });
    inner.deliver([numbered(0), numbered(1), numbered(2)]);
    inner.deliver([numbered(3)]);
    // 0 held, 1 overtakes it, 2 held across the batch boundary (a copy), 3 overtakes it.
    expect(batches).to.deep.equal([trace([numbered(1), numbered(0)]), trace([numbered(3), numbered(2)])]);
    expect(dev.counters.inbound.reordered).to.equal(2);
  });

  it('releases a held packet after reorderHoldMs when nothing overtakes it, in a batch of its own', () => {
    const clock = new VirtualClock();
    const inner = new ScratchDevice();
    const dev = new FaultyDevice(inner, { reorder: 1, reorderHoldMs: 5, clock });
    const at: Array<[number, string[]]> = [];
    dev.onReceive((packets) => at.push([clock.now(), trace(packets)]));
    inner.deliver([numbered(7)]);
    dev.send(numbered(8));
    expect(at).to.deep.equal([]);
    expect(inner.sent).to.deep.equal([]);
    clock.advance(4);
    expect(at).to.deep.equal([]);
    clock.advance(1);
    expect(at).to.deep.equal([[5, trace([numbered(7)])]]);
    expect(inner.sent.map(numberOf)).to.deep.equal([8]);
  });

  it('drops and counts sends after close, forgets a held packet and closes the inner device', () => {
    const clock = new VirtualClock();
    const inner = new ScratchDevice();
    const dev = new FaultyDevice(inner, { reorder: 1, reorderHoldMs: 5, clock });
    dev.send(numbered(1));
    dev.close();
    dev.send(numbered(2));
    clock.advance(10);
    expect(inner.closed).to.equal(true);
    expect(inner.sent).to.deep.equal([]);
    expect(dev.counters.outbound.closedDrops).to.equal(1);
    dev.close();
  });

  it('rejects impossible fault settings', () => {
    const inner = new ScratchDevice();
    expect(() => new FaultyDevice(inner, { loss: 2 })).to.throw(RangeError, /loss/);
    expect(() => new FaultyDevice(inner, { outbound: { corrupt: -0.1 } })).to.throw(RangeError, /corrupt/);
    expect(() => new FaultyDevice(inner, { reorderHoldMs: -1 })).to.throw(RangeError, /reorderHoldMs/);
  });

  it('carries two stacks through 2% loss each way with reordering: 2 MB each way exact', async function () {
    this.timeout(60_000);
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ clock, delayMs: 2 });
    const faulty = new FaultyDevice(a, { loss: 0.02, reorder: 0.02, seed: 77, clock });
    const client = new Stack({ device: faulty, addresses: ['192.0.2.1/24'], clock });
    const server = new Stack({ device: b, addresses: ['192.0.2.2/24'], clock });
    const SIZE = 2 * 1024 * 1024;
    let closed = 0;
    let serverGot: ReturnType<typeof receiveAll> | undefined;
    server
      .createServer({ allowHalfOpen: true }, (s: TcpSocket) => {
        serverGot = receiveAll(s);
        sendAll(s, 22, SIZE);
        s.on('close', () => closed++);
      })
      .listen(9000);
    const sock = client.connect({ port: 9000, host: '192.0.2.2', allowHalfOpen: true });
    const clientGot = receiveAll(sock);
    sock.on('connect', () => sendAll(sock, 21, SIZE));
    sock.on('close', () => closed++);
    await clock.runUntil(() => closed === 2, 600_000);
    expect(serverGot!.digest()).to.equal(sha256Of(21, SIZE));
    expect(clientGot.digest()).to.equal(sha256Of(22, SIZE));
    expect(faulty.counters.outbound.lost).to.be.greaterThan(0);
    expect(faulty.counters.inbound.lost).to.be.greaterThan(0);
    expect(faulty.counters.inbound.reordered + faulty.counters.outbound.reordered).to.be.greaterThan(0);
    expect(client.stats.retransmissions + server.stats.retransmissions).to.be.greaterThan(0);
    expect(client.stats.resetsSent + server.stats.resetsSent).to.equal(0);
  });
});
