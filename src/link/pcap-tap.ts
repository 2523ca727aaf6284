// PcapTap: a Device wrapper that records every packet crossing it, both directions, as a pcap
// capture (LINKTYPE_RAW) that tshark or Wireshark can open — to see what two stacks said.

import { LinkType } from '../wire/constants.js';
import { PcapWriter } from '../pcap/writer.js';
import type { Clock } from '../base/clock.js';
import type { Device, PacketBatchHandler } from './device.js';

export interface PcapTapOptions {
  /** Timestamps come from this clock (ms); without one, from performance.now(). */
  clock?: Clock;
  /** Added to every timestamp, ns (e.g. the Unix time the clock's zero stands for). Default 0. */
  epochNs?: bigint;
  /** Packets recorded at most; later ones pass through unrecorded and are counted (default 100,000). */
  maxPackets?: number;
}

export class PcapTap implements Device {
  readonly mtu: number;
  readonly #inner: Device;
  readonly #writer = new PcapWriter({ linkType: LinkType.RAW, nanosecond: true });
  readonly #clock: Clock | undefined;
  readonly #epochNs: bigint;
  readonly #maxPackets: number;
  #recorded = 0;
  #skipped = 0;

  constructor(inner: Device, options: PcapTapOptions = {}) {
    this.#inner = inner;
    this.mtu = inner.mtu;
    this.#clock = options.clock;
    this.#epochNs = options.epochNs ?? 0n;
    this.#maxPackets = options.maxPackets ?? 100_000;
  }

  /** Packets in the capture. */
  get recorded(): number {
    return this.#recorded;
  }

  /** Packets that passed after maxPackets was reached. */
  get skipped(): number {
    return this.#skipped;
  }

  send(packet: Uint8Array): void {
    this.#record(packet);
    this.#inner.send(packet);
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#inner.onReceive(
      handler === null
        ? null
        : (packets) => {
            for (const p of packets) this.#record(p);
            handler(packets);
          },
    );
  }

  /** Device.poll of the wrapped device: what it delivers is recorded like any batch. */
  poll(): void {
    this.#inner.poll?.();
  }

  close(): void {
    this.#inner.close();
  }

  /** The capture so far, as a pcap file with nanosecond timestamps. */
  pcap(): Uint8Array {
    return this.#writer.bytes();
  }

  #record(packet: Uint8Array): void {
    if (this.#recorded >= this.#maxPackets) {
      this.#skipped++;
      return;
    }
    this.#recorded++;
    const ms = this.#clock ? this.#clock.now() : performance.now();
    this.#writer.add({ data: packet, timestampNs: this.#epochNs + BigInt(Math.round(ms * 1e6)) });
  }
}
