// IP fragment reassembly (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6), bounded so that a
// peer spraying fragments cannot grow memory: every byte held is counted against one cap (Linux's
// net.ipv4.ipfrag_high_thresh, 4 MiB), a datagram may have at most so many fragments and may not
// exceed 65,535 bytes, and an incomplete datagram is dropped after a timeout on the stack's clock
// (Linux's ipfrag_time, 30 s). Overlapping fragments discard the whole datagram, and the fragments
// of it still to come (RFC 5722); an exact duplicate is only dropped itself, as Linux does.

import { addressKey } from '../base/interface-address.js';
import type { Clock, Timer } from '../base/clock.js';
import { joinFragments, type FragmentInfo } from '../wire/fragment.js';
import { ipVersionOf } from '../wire/ip.js';

export interface ReassemblyOptions {
  /** Bytes held across all incomplete datagrams, bookkeeping included (default 4 MiB, Linux's ipfrag_high_thresh). */
  maxBytes?: number;
  /** How long an incomplete datagram waits for its other fragments, ms (default 30,000, Linux's ipfrag_time). */
  timeoutMs?: number;
  /** Most fragments one datagram may have (default 64: a 64 KiB datagram at MTU 1280 takes 54). */
  maxFragments?: number;
}

export interface ReassemblyCounters {
  /** Datagrams put back together (and handed on). */
  reassembled: number;
  /** IPv6 atomic fragments (offset 0, no more to come), handled as whole datagrams (RFC 8200 §4.5). */
  atomic: number;
  /** Incomplete datagrams dropped when their time ran out. */
  timeouts: number;
  /** Datagrams discarded for an overlapping or inconsistent fragment (RFC 5722). */
  overlaps: number;
  /** Fragments of a datagram already discarded (for an overlap or too many fragments), dropped. */
  discarded: number;
  /** Exact duplicates of a fragment already held, dropped. */
  duplicates: number;
  /** Fragments refused, or datagrams evicted, for a limit: memory, fragment count, 65,535 bytes. */
  overLimit: number;
  /** Fragments whose headers do not add up (bad IPv4 header, a middle fragment not a multiple of 8). */
  malformed: number;
}

export function createReassemblyCounters(): ReassemblyCounters {
  return {
    reassembled: 0,
    atomic: 0,
    timeouts: 0,
    overlaps: 0,
    discarded: 0,
    duplicates: 0,
    overLimit: 0,
    malformed: 0,
  };
}

export const DEFAULT_REASSEMBLY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_FRAGMENTS_PER_DATAGRAM = 64;

/** What a datagram's bookkeeping costs on top of its bytes, charged against maxBytes. */
const QUEUE_OVERHEAD = 256;
const FRAGMENT_OVERHEAD = 64;
const MAX_DATAGRAM = 65535;

interface Piece {
  offset: number;
  end: number;
  data: Uint8Array;
}

interface Datagram {
  key: string;
  expires: number;
  /** Sorted by offset, never overlapping. */
  pieces: Piece[];
  received: number;
  /** Length of the fragmentable part, once the last fragment has come; -1 before. */
  total: number;
  /** The first fragment's header (IPv4) or unfragmentable part (IPv6), once it has come. */
  header: Uint8Array | null;
  nextHeaderAt: number;
  protocol: number;
  /** Charged against maxBytes. */
  cost: number;
  /** Discarded (an overlap): kept, without data, until it expires so later fragments die too. */
  dead: boolean;
}

export class Reassembler {
  readonly #counters: ReassemblyCounters;
  readonly #clock: Clock;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #maxFragments: number;
  /** In arrival order, which is expiry order (one timeout for all). */
  readonly #datagrams = new Map<string, Datagram>();
  #bytes = 0;
  #timer: Timer | null = null;
  #timerAt = Infinity;

  constructor(counters: ReassemblyCounters, clock: Clock, options: ReassemblyOptions = {}) {
    this.#counters = counters;
    this.#clock = clock;
    this.#maxBytes = positive('reassembly.maxBytes', options.maxBytes, DEFAULT_REASSEMBLY_BYTES);
    this.#timeoutMs = positive('reassembly.timeoutMs', options.timeoutMs, DEFAULT_REASSEMBLY_TIMEOUT_MS);
    this.#maxFragments = positive('reassembly.maxFragments', options.maxFragments, DEFAULT_MAX_FRAGMENTS_PER_DATAGRAM);
  }

  /** Bytes held now (fragment data and bookkeeping), never above maxBytes. */
  get bytesHeld(): number {
    return this.#bytes;
  }

  /** Datagrams waiting for fragments (discarded ones included until they expire). */
  get pending(): number {
    return this.#datagrams.size;
  }

  /**
   * Takes one fragment of `packet`; returns the whole datagram when this fragment completes it,
   * else null (held, or dropped and counted). The packet is copied from, never kept.
   */
  input(packet: Uint8Array, f: FragmentInfo): Uint8Array | null {
    const length = f.dataEnd - f.dataStart;
    const end = f.offset + length;
    if (f.version === 6 && f.offset === 0 && !f.more) {
      // RFC 8200 §4.5 (and RFC 6946): an atomic fragment is a whole datagram; reassembly state
      // of the same Identification is left alone.
      this.#counters.atomic++;
      return this.#build(
        packet.slice(0, f.headerLength),
        f.nextHeaderAt,
        f.protocol,
        [packet.subarray(f.dataStart, f.dataEnd)],
        length,
      );
    }
    // A fragment with more to come carries a multiple of 8 bytes (RFC 8200 §4.5; in IPv4 the
    // next offset could not otherwise follow it), and none is empty.
    if (length === 0 || (f.more && (length & 7) !== 0)) {
      this.#counters.malformed++;
      return null;
    }
    // RFC 8200 §4.5: a fragment that would make the datagram exceed 65,535 bytes is discarded
    // (IPv6 counts the payload; IPv4's total length includes the header).
    if ((f.version === 4 ? f.headerLength : f.headerLength - 40) + end > MAX_DATAGRAM) {
      this.#counters.overLimit++;
      return null;
    }
    const now = this.#clock.now();
    this.#expire(now);
    const key = datagramKey(packet, f);
    let d = this.#datagrams.get(key);
    if (d === undefined) {
      d = {
        key,
        expires: now + this.#timeoutMs,
        pieces: [],
        received: 0,
        total: -1,
        header: null,
        nextHeaderAt: f.nextHeaderAt,
        protocol: f.protocol,
        cost: QUEUE_OVERHEAD,
        dead: false,
      };
      if (!this.#makeRoom(QUEUE_OVERHEAD, null)) {
        this.#counters.overLimit++;
        return null;
      }
      this.#datagrams.set(key, d);
      this.#bytes += QUEUE_OVERHEAD;
      this.#arm();
    }
    if (d.dead) {
      this.#counters.discarded++;
      return null;
    }
    // The last fragment fixes the length; anything disagreeing with it is an inconsistency,
    // treated like an overlap (Linux discards the queue the same way).
    if (
      (!f.more && d.total >= 0 && d.total !== end) ||
      (d.total >= 0 && end > d.total) ||
      (!f.more && d.pieces.length > 0 && d.pieces[d.pieces.length - 1]!.end > end)
    ) {
      this.#counters.overlaps++;
      this.#discard(d);
      return null;
    }
    const at = insertionPoint(d.pieces, f.offset);
    const before = d.pieces[at - 1];
    const after = d.pieces[at];
    if (after !== undefined && after.offset === f.offset && after.end === end) {
      this.#counters.duplicates++;
      return null;
    }
    if ((before !== undefined && before.end > f.offset) || (after !== undefined && after.offset < end)) {
      this.#counters.overlaps++;
      this.#discard(d);
      return null;
    }
    if (d.pieces.length >= this.#maxFragments) {
      // Endless tiny fragments: give up on the datagram, and on the rest of its fragments.
      this.#counters.overLimit++;
      this.#discard(d);
      return null;
    }
    const header = f.offset === 0 ? packet.slice(0, f.headerLength) : null;
    const cost = FRAGMENT_OVERHEAD + length + (header?.length ?? 0);
    if (!this.#makeRoom(cost, d)) {
      this.#counters.overLimit++;
      return null;
    }
    d.pieces.splice(at, 0, { offset: f.offset, end, data: packet.slice(f.dataStart, f.dataEnd) });
    d.received += length;
    d.cost += cost;
    this.#bytes += cost;
    if (header !== null) {
      d.header = header;
      d.nextHeaderAt = f.nextHeaderAt;
      d.protocol = f.protocol;
    }
    if (!f.more) d.total = end;
    if (d.total < 0 || d.header === null || d.received !== d.total) return null;
    // Sorted, disjoint, within [0, total) and adding up to total: no holes.
    this.#drop(d);
    this.#arm(); // nothing left: no timer to keep a clock busy
    const whole = this.#build(
      d.header,
      d.nextHeaderAt,
      d.protocol,
      d.pieces.map((p) => p.data),
      d.total,
    );
    if (whole === null) this.#counters.overLimit++;
    else this.#counters.reassembled++;
    return whole;
  }

  /** Forgets everything held and stops the timer. */
  close(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#datagrams.clear();
    this.#bytes = 0;
  }

  /** The whole datagram: the first fragment's header with the lengths fixed, then the data. */
  #build(
    header: Uint8Array,
    nextHeaderAt: number,
    protocol: number,
    parts: Uint8Array[],
    total: number,
  ): Uint8Array | null {
    // IPv6's 65,535 counts the payload only (its Payload Length field); IPv4's the whole datagram.
    if (header.length + total - (ipVersionOf(header) === 6 ? 40 : 0) > MAX_DATAGRAM) return null;
    return joinFragments(header, nextHeaderAt, protocol, parts, total);
  }

  /** RFC 5722: discard the datagram; its fragments still to come are dropped until it expires. */
  #discard(d: Datagram): void {
    this.#bytes -= d.cost - QUEUE_OVERHEAD;
    d.cost = QUEUE_OVERHEAD;
    d.pieces = [];
    d.header = null;
    d.dead = true;
  }

  #drop(d: Datagram): void {
    this.#datagrams.delete(d.key);
    this.#bytes -= d.cost;
  }

  /** Evicts the oldest datagrams (not `keep`) until `cost` more bytes fit; false when they cannot. */
  #makeRoom(cost: number, keep: Datagram | null): boolean {
    if (cost + (keep?.cost ?? 0) > this.#maxBytes) return false;
    for (const d of this.#datagrams.values()) {
      if (this.#bytes + cost <= this.#maxBytes) break;
      if (d === keep) continue;
      this.#drop(d);
      if (!d.dead) this.#counters.overLimit++;
    }
    return this.#bytes + cost <= this.#maxBytes;
  }

  #expire(now: number): void {
    for (const d of this.#datagrams.values()) {
      if (d.expires > now) break;
      this.#drop(d);
      if (!d.dead) this.#counters.timeouts++;
    }
  }

  /** One timer at the oldest datagram's expiry, so held memory is freed even if nothing more arrives. */
  #arm(): void {
    const first = this.#datagrams.values().next();
    const at = first.done ? Infinity : first.value.expires;
    if (at === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer =
      at === Infinity
        ? null
        : this.#clock.setTimer(at, () => {
            this.#timer = null;
            this.#timerAt = Infinity;
            this.#expire(this.#clock.now());
            this.#arm();
          });
    // Waiting fragments alone should not keep a process alive.
    this.#timer?.unref?.();
  }
}

/** RFC 791: source, destination, protocol and Identification; RFC 8200: source, destination, Identification. */
function datagramKey(packet: Uint8Array, f: FragmentInfo): string {
  return f.version === 4
    ? `4|${addressKey(packet, 12, 4)}|${addressKey(packet, 16, 4)}|${f.protocol}|${f.id}`
    : `6|${addressKey(packet, 8, 6)}|${addressKey(packet, 24, 6)}|${f.id}`;
}

/** Index of the first piece starting at or after `offset`. */
function insertionPoint(pieces: Piece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pieces[mid]!.offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  return v;
}
