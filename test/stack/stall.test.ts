// An event-loop stall (GC, CPU contention): ACKs arrive while our process is blocked; when it
// wakes, Node runs every expired timer before it reads I/O, so the retransmission timer fires
// although the ACKs that would have stopped it are already waiting in the device. Modelled in
// virtual time: packets that arrive during the stall wait in the device's queue (as in a TUN
// device's kernel queue) until the "poll phase" after the timers have run.

import { expect } from 'chai';
import { MemoryLink, type MemoryLinkEnd } from '../../src/link/memory-link.js';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import type { LossDetection } from '../../src/tcp/config.js';
import { CLIENT_V4, SERVER_V4 } from './harness.js';

/** A device whose received packets wait in a queue while `blocked`, like an unread fd. */
class StallableDevice implements Device {
  readonly mtu: number;
  blocked = false;
  #handler: PacketBatchHandler | null = null;
  readonly #queue: Uint8Array[] = [];
  readonly #inner: MemoryLinkEnd;

  constructor(inner: MemoryLinkEnd) {
    this.#inner = inner;
    this.mtu = inner.mtu;
    inner.onReceive((packets) => {
      if (this.blocked) this.#queue.push(...packets.map((p) => p.slice()));
      else this.#handler?.(packets);
    });
  }

  send(packet: Uint8Array): void {
    this.#inner.send(packet);
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#handler = handler;
  }

  /** Reads what has arrived (the stack calls this before it runs its timers). */
  poll(): void {
    this.#read();
  }

  /** The event loop's poll phase after a stall: unblock and read. */
  wake(): void {
    this.blocked = false;
    this.#read();
  }

  #read(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue.splice(0);
    this.#handler?.(batch);
  }

  close(): void {
    this.#inner.close();
  }
}

/** Five 300 ms stalls, each right after 32 KiB were written; returns our stack's counters. */
async function fiveStalls(withPoll: boolean, lossDetection: LossDetection = 'rack'): Promise<Stack['stats']> {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ mtu: 1500, delayMs: 5, clock });
  const device = new StallableDevice(a);
  // A device that cannot be read early (no poll): only undo can repair the timeouts.
  if (!withPoll) Object.defineProperty(device, 'poll', { value: undefined });
  const ours = new Stack({ device, addresses: [`${CLIENT_V4}/24`], clock, tcp: { minRto: 200, lossDetection } });
  const peer = new Stack({ device: b, addresses: [`${SERVER_V4}/24`], clock });
  let received = 0;
  peer
    .createServer((s: TcpSocket) => {
      s.on('data', (d: Buffer) => {
        received += d.length;
      });
      s.on('error', () => {}); // the reset at teardown
    })
    .listen(9);
  const socket = ours.connect(9, SERVER_V4);
  await clock.runUntil(() => !socket.connecting, 1000);
  const chunk = new Uint8Array(32 * 1024).fill(1);
  let total = 0;
  for (let stall = 0; stall < 5; stall++) {
    const segmentsBefore = ours.stats.segmentsOut;
    socket.write(chunk);
    total += chunk.length;
    await new Promise((resolve) => setImmediate(resolve)); // the stream hands it to the stack
    clock.advance(1); // segments on the link
    expect(ours.stats.segmentsOut).to.be.greaterThan(segmentsBefore);
    // The loop blocks for 300 ms: the peer's ACKs arrive and wait, our RTO (200 ms) expires
    // and runs first when the loop wakes; then the poll phase reads the device.
    device.blocked = true;
    clock.advance(300);
    device.wake();
    await clock.runUntil(() => received >= total, 10_000);
    clock.advance(50); // the last ACKs home
  }
  expect(received).to.equal(total);
  const stats = ours.stats;
  socket.destroy();
  ours.close();
  peer.close();
  return stats;
}

describe('Stack: event-loop stalls', () => {
  it('ACKs that arrived during a stall are read before the timers fire: no RTO in five stalls of 300 ms', async () => {
    const stats = await fiveStalls(true);
    expect(stats.timeouts).to.equal(0);
    expect(stats.retransmissions).to.equal(0);
  });

  it('without an early read every RTO of the five stalls is found spurious and undone (Eifel): one segment resent each, no go-back-N', async () => {
    // The DupAck detector: no tail loss probes, so every retransmission is a timeout's.
    const stats = await fiveStalls(false, 'dupack');
    // The first stalls time out; the late ACK then is an RTT sample of ~300 ms, and the RTO grows.
    expect(stats.timeouts).to.be.at.least(1);
    expect(stats.spuriousTimeoutsUndone).to.equal(stats.timeouts);
    expect(stats.retransmissions).to.equal(stats.timeouts);
  });

  it('with RACK-TLP (the default) a stall draws tail loss probes, still undone timeouts and no go-back-N', async () => {
    const stats = await fiveStalls(false);
    expect(stats.tailLossProbes).to.be.at.least(1);
    expect(stats.spuriousTimeoutsUndone).to.equal(stats.timeouts);
    // One segment per timeout and per probe at most (a probe may be new data instead).
    expect(stats.retransmissions).to.be.at.least(stats.timeouts);
    expect(stats.retransmissions).to.be.at.most(stats.timeouts + stats.tailLossProbes);
  });
});
