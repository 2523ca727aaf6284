// FaultyDevice: MemoryLink's seeded bad network (loss, reordering, duplication, bit corruption)
// put in front of any Device — a TunDevice especially — so a real peer such as the Linux kernel
// can be tested across a lossy path. Each direction has its own seeded fault stream, so the same
// seed drops the same packets of each direction's sequence on every run.

import { RealClock, type Clock } from '../base/clock.js';
import type { Device, PacketBatchHandler } from './device.js';
import { FaultInjector, faultSettings, type FaultCounters, type FaultOptions } from './faults.js';

export interface FaultyDeviceOptions extends FaultOptions {
  /** PRNG seed; each direction draws from its own stream derived from it (default 1). */
  seed?: number;
  /** Time source for releasing held (reordered) packets (default: real time). */
  clock?: Clock;
  /** Overrides for the packets sent through the device (towards the inner device). */
  outbound?: FaultOptions;
  /** Overrides for the packets the inner device receives (towards the handler). */
  inbound?: FaultOptions;
}

/** What the faults did to one direction's packets. */
export interface FaultyDirectionCounters extends FaultCounters {
  /** Packets that entered this direction. */
  packets: number;
  bytes: number;
  /** Packets passed on (duplicates included, lost ones not). */
  passed: number;
  /** Dropped because the device was closed. */
  closedDrops: number;
}

function newCounters(): FaultyDirectionCounters {
  return { packets: 0, bytes: 0, passed: 0, closedDrops: 0, lost: 0, duplicated: 0, corrupted: 0, reordered: 0 };
}

/** Default hold for a reordered packet: a millisecond is many packets at the rates a TUN runs. */
const DEFAULT_HOLD_MS = 1;

export class FaultyDevice implements Device {
  readonly mtu: number;
  readonly inner: Device;
  /** outbound: what we sent through the device; inbound: what it received. */
  readonly counters: { readonly outbound: FaultyDirectionCounters; readonly inbound: FaultyDirectionCounters } = {
    outbound: newCounters(),
    inbound: newCounters(),
  };

  readonly #clock: Clock;
  readonly #out: FaultInjector;
  readonly #in: FaultInjector;
  #handler: PacketBatchHandler | null = null;
  /** The batch being handed to the handler, while one inner batch is filtered. */
  #batch: Uint8Array[] | null = null;
  #closed = false;

  constructor(inner: Device, options: FaultyDeviceOptions = {}) {
    this.inner = inner;
    this.mtu = inner.mtu;
    this.#clock = options.clock ?? new RealClock();
    const { outbound = {}, inbound = {}, seed: seedOption, clock: _clock, ...common } = options;
    const seed = (seedOption ?? 1) >>> 0;
    // The same derivation as MemoryLink's two directions.
    this.#out = new FaultInjector(
      faultSettings({ ...common, ...outbound }, DEFAULT_HOLD_MS),
      this.counters.outbound,
      this.#clock,
      seed ^ 0x9e3779b9,
      (packet) => this.#sendInner(packet),
    );
    this.#in = new FaultInjector(
      faultSettings({ ...common, ...inbound }, DEFAULT_HOLD_MS),
      this.counters.inbound,
      this.#clock,
      seed ^ 0x85ebca6b,
      (packet) => this.#deliver(packet),
    );
  }

  send(packet: Uint8Array): void {
    const c = this.counters.outbound;
    c.packets++;
    c.bytes += packet.length;
    if (this.#closed) {
      c.closedDrops++;
      return;
    }
    // The caller hands the array over (Device.send), so a held packet needs no copy.
    if (this.#out.draw() === null) return;
    this.#out.pass(packet, this.#clock.now());
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#handler = handler;
    this.inner.onReceive(handler === null ? null : (packets) => this.#receive(packets));
  }

  /** Device.poll of the wrapped device: its early batch passes the inbound faults as usual. */
  poll(): void {
    if (!this.#closed) this.inner.poll?.();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.discard();
    this.#in.discard();
    this.inner.close();
  }

  #receive(packets: Uint8Array[]): void {
    const c = this.counters.inbound;
    const batch: Uint8Array[] = [];
    this.#batch = batch;
    const now = this.#clock.now();
    for (const packet of packets) {
      c.packets++;
      c.bytes += packet.length;
      const fate = this.#in.draw();
      if (fate === null) continue;
      // Received packets may be views valid only during this call (TunDevice): one held past it
      // must be a copy.
      this.#in.pass(fate.hold ? packet.slice() : packet, now);
    }
    this.#batch = null;
    if (batch.length > 0) this.#handler?.(batch);
  }

  #deliver(packet: Uint8Array): void {
    const c = this.counters.inbound;
    if (this.#closed || this.#handler === null) {
      c.closedDrops++;
      return;
    }
    c.passed++;
    // Inside #receive the packet joins that batch; a held packet released by its timer goes alone.
    if (this.#batch !== null) this.#batch.push(packet);
    else this.#handler([packet]);
  }

  #sendInner(packet: Uint8Array): void {
    if (this.#closed) {
      this.counters.outbound.closedDrops++;
      return;
    }
    this.counters.outbound.passed++;
    this.inner.send(packet);
  }
}
