// The seeded fault model shared by MemoryLink and FaultyDevice: per packet it decides loss,
// corruption (one flipped bit), duplication and reordering (holding a packet back until the next
// one has overtaken it, or until a hold time runs out). Timing — when a packet is due at the next
// stage — belongs to the caller; this module only passes packets on, in the order a bad network
// would, and counts what it did.

import type { Clock, Timer } from '../base/clock.js';
import { SeededRandom } from './random.js';

export interface FaultOptions {
  /** Probability that a packet is lost (0..1). */
  loss?: number;
  /** Probability that a packet is held back so the next one overtakes it. */
  reorder?: number;
  /** Probability that a packet arrives twice. */
  duplicate?: number;
  /** Probability that one random bit of a packet is flipped. */
  corrupt?: number;
  /**
   * How long a packet chosen for reordering waits for a later packet to overtake it before it is
   * released anyway, ms.
   */
  reorderHoldMs?: number;
}

export interface FaultSettings {
  loss: number;
  reorder: number;
  duplicate: number;
  corrupt: number;
  /** How long a packet chosen for reordering waits for a later one to overtake it, ms. */
  reorderHoldMs: number;
}

/** What the faults did to the packets that went through them. */
export interface FaultCounters {
  lost: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
}

export function probability(name: string, value: number | undefined): number {
  const p = value ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new RangeError(`${name} must be a probability 0..1, got ${String(value)}`);
  return p;
}

export function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !(v >= 0))
    throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  return v;
}

/** Validated fault settings (RangeError for impossible ones). */
export function faultSettings(options: FaultOptions, defaultHoldMs: number): FaultSettings {
  return {
    loss: probability('loss', options.loss),
    reorder: probability('reorder', options.reorder),
    duplicate: probability('duplicate', options.duplicate),
    corrupt: probability('corrupt', options.corrupt),
    reorderHoldMs: nonNegative('reorderHoldMs', options.reorderHoldMs, defaultHoldMs),
  };
}

/** The fate drawn for one packet (reused between packets: read it before the next draw). */
export interface PacketFate {
  corrupt: boolean;
  duplicate: boolean;
  /** The packet will be held back (only one is held at a time). */
  hold: boolean;
  bit: number;
}

/** Where the faults pass packets on: `at` is the time the caller said the packet is due. */
export type FaultForward = (packet: Uint8Array, at: number) => void;

/** One direction's faults: one seeded random stream, at most one packet held for reordering. */
export class FaultInjector {
  readonly #settings: FaultSettings;
  readonly #counters: FaultCounters;
  readonly #clock: Clock;
  readonly #random: SeededRandom;
  readonly #forward: FaultForward;
  readonly #fate: PacketFate = { corrupt: false, duplicate: false, hold: false, bit: 0 };
  #held: { packet: Uint8Array; at: number; timer: Timer } | null = null;

  constructor(settings: FaultSettings, counters: FaultCounters, clock: Clock, seed: number, forward: FaultForward) {
    this.#settings = settings;
    this.#counters = counters;
    this.#clock = clock;
    this.#random = new SeededRandom(seed);
    this.#forward = forward;
  }

  /** Whether a packet is being held back. */
  get holding(): boolean {
    return this.#held !== null;
  }

  /**
   * Draws the next packet's fate, or null if it is lost (counted). Every fault is drawn for every
   * packet, so the fate of packet k does not depend on the others'.
   */
  draw(): PacketFate | null {
    const s = this.#settings;
    const r = this.#random;
    const lost = r.chance(s.loss);
    const corrupt = r.chance(s.corrupt);
    const duplicate = r.chance(s.duplicate);
    const reorder = r.chance(s.reorder);
    const bit = r.u32();
    if (lost) {
      this.#counters.lost++;
      return null;
    }
    const fate = this.#fate;
    fate.corrupt = corrupt;
    fate.duplicate = duplicate;
    fate.hold = reorder && this.#held === null;
    fate.bit = bit;
    return fate;
  }

  /**
   * Passes on a packet whose fate draw() just returned, due at `at`: corrupted (a copy), held
   * back, and/or twice. A held packet is kept past this call, so the caller gives one it owns
   * whenever `fate.hold` is set.
   */
  pass(packet: Uint8Array, at: number): void {
    const fate = this.#fate;
    const c = this.#counters;
    let out = packet;
    if (fate.corrupt) {
      out = packet.slice();
      const bit = fate.bit % (out.length * 8);
      out[bit >>> 3]! ^= 1 << (bit & 7);
      c.corrupted++;
    }
    if (fate.hold) {
      c.reordered++;
      const releaseAt = at + this.#settings.reorderHoldMs;
      const timer = this.#clock.setTimer(releaseAt, () => this.release());
      this.#held = { packet: out, at: releaseAt, timer };
    } else {
      this.#forward(out, at);
      // A held packet goes right behind the first later packet: that one overtook it.
      if (this.#held) this.release();
    }
    if (fate.duplicate) {
      // The copy is of what was sent: a corruption hits one copy, and is counted once.
      c.duplicated++;
      this.#forward(packet.slice(), at);
    }
  }

  /** Passes on the held packet now, if any. */
  release(): void {
    const held = this.#held;
    if (!held) return;
    this.#held = null;
    held.timer.cancel();
    this.#forward(held.packet, held.at);
  }

  /** Forgets the held packet (the link closed). */
  discard(): void {
    this.#held?.timer.cancel();
    this.#held = null;
  }
}
