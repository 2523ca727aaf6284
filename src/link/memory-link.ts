// MemoryLink: two Devices joined back to back in memory, with a seeded model of a bad network —
// loss, reordering, duplication, bit corruption, propagation delay and a serialization rate —
// timed on an injectable Clock so tests run in virtual time and repeat exactly.

import { RealClock, type Clock, type Timer } from '../base/clock.js';
import type { Device, PacketBatchHandler } from './device.js';
import {
  FaultInjector,
  faultSettings,
  nonNegative,
  type FaultCounters,
  type FaultOptions,
  type FaultSettings,
} from './faults.js';

export interface MemoryLinkOptions extends FaultOptions {
  /** Largest packet carried; bigger ones are dropped and counted (default 1500). */
  mtu?: number;
  /** One-way propagation delay, ms (default 0). */
  delayMs?: number;
  /** Link rate in bits per second; packets queue behind each other (0 = unlimited, default). */
  rateBps?: number;
  /** PRNG seed; each direction draws from its own stream derived from it (default 1). */
  seed?: number;
  /** Time source (default: real time). Use a VirtualClock in tests. */
  clock?: Clock;
  /** Packets in flight per direction beyond which new ones are dropped (default 65536). */
  queueLimit?: number;
  // reorderHoldMs (from FaultOptions) defaults to max(1, delayMs) here.
}

/** What happened to the packets one end sent (lost, duplicated, corrupted, reordered: FaultCounters). */
export interface LinkCounters extends FaultCounters {
  sent: number;
  bytesSent: number;
  delivered: number;
  bytesDelivered: number;
  batches: number;
  /** Dropped for exceeding the MTU. */
  oversize: number;
  /** Dropped because queueLimit packets were already in flight. */
  queueDrops: number;
  /** Dropped because an end was closed or the receiver had no handler. */
  closedDrops: number;
}

function newCounters(): LinkCounters {
  return {
    sent: 0,
    bytesSent: 0,
    delivered: 0,
    bytesDelivered: 0,
    batches: 0,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
    oversize: 0,
    queueDrops: 0,
    closedDrops: 0,
  };
}

interface Settings {
  mtu: number;
  delayMs: number;
  rateBps: number;
  queueLimit: number;
  faults: FaultSettings;
}

/** @internal One direction of a MemoryLink. */
export class Channel {
  readonly counters = newCounters();
  readonly #settings: Settings;
  readonly #clock: Clock;
  readonly #faults: FaultInjector;
  readonly #packets: Uint8Array[] = [];
  readonly #arrivals: number[] = [];
  #head = 0;
  #timer: Timer | null = null;
  #timerAt = Infinity;
  /** When the transmitter finishes sending what is already queued (rate model). */
  #busyUntil = 0;
  receiver: PacketBatchHandler | null = null;
  closed = false;

  constructor(settings: Settings, clock: Clock, seed: number) {
    this.#settings = settings;
    this.#clock = clock;
    this.#faults = new FaultInjector(settings.faults, this.counters, clock, seed, (packet, arrival) =>
      this.#enqueue(packet, arrival),
    );
  }

  get inFlight(): number {
    return this.#packets.length - this.#head + (this.#faults.holding ? 1 : 0);
  }

  send(packet: Uint8Array): void {
    const s = this.#settings;
    const c = this.counters;
    c.sent++;
    c.bytesSent += packet.length;
    if (this.closed) {
      c.closedDrops++;
      return;
    }
    if (packet.length > s.mtu) {
      c.oversize++;
      return;
    }
    if (this.#faults.draw() === null) return;
    let now = this.#clock.now();
    if (s.rateBps > 0) {
      const start = Math.max(now, this.#busyUntil);
      this.#busyUntil = start + (packet.length * 8 * 1000) / s.rateBps;
      now = this.#busyUntil;
    }
    this.#faults.pass(packet, now + s.delayMs);
  }

  #enqueue(packet: Uint8Array, arrival: number): void {
    if (this.inFlight >= this.#settings.queueLimit) {
      this.counters.queueDrops++;
      return;
    }
    // Arrivals stay non-decreasing, so the queue is a plain FIFO.
    const tail = this.#arrivals.length > this.#head ? this.#arrivals[this.#arrivals.length - 1]! : -Infinity;
    const at = Math.max(arrival, tail);
    this.#packets.push(packet);
    this.#arrivals.push(at);
    this.#arm();
  }

  #arm(): void {
    if (this.#head >= this.#packets.length) return;
    const at = this.#arrivals[this.#head]!;
    if (this.#timer !== null && this.#timerAt <= at) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(at, () => this.#deliver());
  }

  /** Delivers now what has arrived by now (MemoryLinkEnd.poll). */
  deliverDue(): void {
    if (this.#head >= this.#packets.length || this.#arrivals[this.#head]! > this.#clock.now()) return;
    this.#timer?.cancel();
    this.#deliver();
  }

  #deliver(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    const batch: Uint8Array[] = [];
    while (this.#head < this.#packets.length && this.#arrivals[this.#head]! <= now) {
      batch.push(this.#packets[this.#head]!);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#packets.length) {
      this.#packets.splice(0, this.#head);
      this.#arrivals.splice(0, this.#head);
      this.#head = 0;
    }
    this.#arm();
    if (batch.length === 0) return;
    const c = this.counters;
    const receiver = this.receiver;
    if (this.closed || receiver === null) {
      c.closedDrops += batch.length;
      return;
    }
    c.batches++;
    c.delivered += batch.length;
    for (const p of batch) c.bytesDelivered += p.length;
    receiver(batch);
  }

  close(): void {
    this.closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    this.#faults.discard();
    this.#packets.length = 0;
    this.#arrivals.length = 0;
    this.#head = 0;
  }
}

/** One end of a MemoryLink. */
export class MemoryLinkEnd implements Device {
  readonly mtu: number;
  readonly #out: Channel;
  readonly #in: Channel;

  /** @internal use MemoryLink.pair() */
  constructor(mtu: number, out: Channel, incoming: Channel) {
    this.mtu = mtu;
    this.#out = out;
    this.#in = incoming;
  }

  /** What happened to the packets this end sent. */
  get counters(): Readonly<LinkCounters> {
    return this.#out.counters;
  }

  /** Packets this end sent that have not arrived yet. */
  get inFlight(): number {
    return this.#out.inFlight;
  }

  send(packet: Uint8Array): void {
    this.#out.send(packet);
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#in.receiver = handler;
  }

  /** Delivers the packets whose arrival time has come without waiting for their timer. */
  poll(): void {
    this.#in.deliverDue();
  }

  close(): void {
    this.#out.close();
    this.#in.close();
  }
}

export const MemoryLink = {
  /** Two connected devices; what one sends, the other receives, through the modelled faults. */
  pair(options: MemoryLinkOptions = {}): [MemoryLinkEnd, MemoryLinkEnd] {
    const mtu = nonNegative('mtu', options.mtu, 1500);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)
      throw new RangeError(`mtu must be an integer 68..65535, got ${mtu}`);
    const delayMs = nonNegative('delayMs', options.delayMs, 0);
    const settings: Settings = {
      mtu,
      delayMs,
      rateBps: nonNegative('rateBps', options.rateBps, 0),
      queueLimit: nonNegative('queueLimit', options.queueLimit, 65536),
      faults: faultSettings(options, Math.max(1, delayMs)),
    };
    const clock = options.clock ?? new RealClock();
    const seed = (options.seed ?? 1) >>> 0;
    const aToB = new Channel(settings, clock, seed ^ 0x9e3779b9);
    const bToA = new Channel(settings, clock, seed ^ 0x85ebca6b);
    return [new MemoryLinkEnd(mtu, aToB, bToA), new MemoryLinkEnd(mtu, bToA, aToB)];
  },
};
