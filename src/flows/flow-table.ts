// TCP connections out of decoded segments: FlowTable reads a SegmentTable's columns (no object
// per segment) and keeps one Flow per connection, found by a symmetric hash of the 4-tuple, until
// it ends: after FIN/RST plus a linger, after an idle timeout, when the table is full (the least
// recently active flow is evicted and counted), or at finish(). Each ended flow is handed to
// onFlow as a FlowRecord. Memory is bounded by maxFlows and each stream's reassembly bounds.

import type { SegmentTable } from '../wire/batch.js';
import { formatAddress } from '../base/address.js';
import { seqAdd } from '../tcp/seq.js';
import { EndpointState, History, connState, nextStates } from './conn-state.js';
import type { DirectionSummary, FlowEnd, FlowInfo, FlowRecord } from './record.js';

export type { FlowInfo } from './record.js';
import { SegmentVerdict, StreamReassembler, type ReassemblerOptions } from './reassembler.js';
import { FlowSlots } from './flow-slots.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** Where the frames of a SegmentTable lie and when they were captured (a pcap RecordBatch fits). */
export interface FrameColumns {
  /** The buffer the frames lie in; frame i starts at offsets[i] (as given to decodeBatch). */
  data: Uint8Array;
  offsets: ArrayLike<number>;
  /** Capture time of frame i: seconds[i] + nanoseconds[i] / 1e9. */
  seconds: ArrayLike<number>;
  nanoseconds: ArrayLike<number>;
  /** Frame number of row 0 (1-based). */
  firstIndex: number;
}

export interface FlowTableOptions {
  /** Called for every connection as it ends (in end order; finish() flushes the rest by index). */
  onFlow?: (record: FlowRecord) => void;
  /** Seconds without a packet before an open connection is ended (default 300, Zeek's tcp_inactivity_timeout). */
  idleTimeout?: number;
  /** Seconds a connection is kept after both FINs or a RST, for late packets (default 5, Zeek's tcp_close_delay). */
  linger?: number;
  /** Connections tracked at once; beyond it the least recently active one is evicted (default 1,000,000). */
  maxFlows?: number;
  /**
   * Asked once per connection direction: reassembly options with onData/onGap to receive its
   * byte stream (follow), or undefined to count only. Bytes then come from the captured payload.
   */
  openStream?: (flow: FlowInfo, direction: 'orig' | 'resp') => ReassemblerOptions | undefined;
  /** Reassembly bounds for the counting-only streams (out-of-order ranges held per direction). */
  maxRanges?: number;
}

/** Counters of the table itself. */
export interface FlowTableStats {
  /** Decoded TCP segments taken. */
  segments: number;
  /** Rows skipped because they did not decode as TCP. */
  skipped: number;
  flows: number;
  /** Connections ended by each cause. */
  closed: number;
  idle: number;
  evicted: number;
  reused: number;
  flushed: number;
  /** Connections tracked now, and the most at once. */
  active: number;
  peakActive: number;
}

/**
 * The columns the table reads, taken out of a SegmentTable once per batch into an object of one
 * fixed shape: SegmentTable gets its columns assigned in a loop, so V8 may hold it as a
 * dictionary, and a dictionary lookup per column per segment costs more than the rest of the work.
 */
interface Columns {
  ipVersion: Uint8Array;
  flags: Uint16Array;
  srcPort: Uint16Array;
  dstPort: Uint16Array;
  window: Uint16Array;
  seq: Uint32Array;
  payloadOffset: Uint32Array;
  capturedPayloadLength: Uint32Array;
  payloadLength: Uint32Array;
  srcAddressOffset: Uint32Array;
  dstAddressOffset: Uint32Array;
}

function columnsOf(t: SegmentTable): Columns {
  return {
    ipVersion: t.ipVersion,
    flags: t.flags,
    srcPort: t.srcPort,
    dstPort: t.dstPort,
    window: t.window,
    seq: t.seq,
    payloadOffset: t.payloadOffset,
    capturedPayloadLength: t.capturedPayloadLength,
    payloadLength: t.payloadLength,
    srcAddressOffset: t.srcAddressOffset,
    dstAddressOffset: t.dstAddressOffset,
  };
}

class Direction {
  packets = 0;
  payloadBytes = 0;
  retransmissions = 0;
  outOfOrder = 0;
  zeroWindows = 0;
  state: EndpointState = EndpointState.INACTIVE;
  /** Sequence number of this side's SYN, or -1. */
  isn = -1;
  /** Sequence number after this side's FIN (its end of stream), or -1. */
  finSeq = -1;
  readonly stream: StreamReassembler;
  readonly bytes: boolean;

  constructor(options: ReassemblerOptions | undefined, maxRanges: number) {
    this.bytes = options?.onData !== undefined;
    this.stream = new StreamReassembler(options ?? { maxRanges });
  }

  summary(): DirectionSummary {
    const s = this.stream;
    return {
      packets: this.packets,
      payloadBytes: this.payloadBytes,
      bytes: s.uniqueBytes,
      retransmissions: this.retransmissions,
      outOfOrder: this.outOfOrder,
      zeroWindows: this.zeroWindows,
      missedBytes: s.gapBytes,
      gaps: s.gaps,
    };
  }
}

class Flow {
  /** Neighbours in the table's activity list (open or closing). */
  prev: Flow | undefined;
  next: Flow | undefined;
  closing = false;
  lastFrame = 0;
  end = 0;
  synTime = -1;
  synAckSeen = false;
  handshakeRtt: number | null = null;
  readonly history = new History();
  readonly orig: Direction;
  readonly resp: Direction;

  constructor(
    readonly hash: number,
    readonly info: FlowInfo,
    /** The initiator's and the responder's address words and ports, to tell a packet's direction. */
    readonly o0: number,
    readonly o1: number,
    readonly o2: number,
    readonly o3: number,
    readonly oPort: number,
    readonly r0: number,
    readonly r1: number,
    readonly r2: number,
    readonly r3: number,
    readonly rPort: number,
    readonly firstFrame: number,
    readonly start: number,
    options: FlowTableOptions,
  ) {
    const maxRanges = options.maxRanges ?? 1024;
    this.orig = new Direction(options.openStream?.(info, 'orig'), maxRanges);
    this.resp = new Direction(options.openStream?.(info, 'resp'), maxRanges);
  }
}

/** A doubly linked list of flows by last activity, oldest first. */
class ActivityList {
  head: Flow | undefined;
  tail: Flow | undefined;

  push(f: Flow): void {
    f.prev = this.tail;
    f.next = undefined;
    if (this.tail) this.tail.next = f;
    else this.head = f;
    this.tail = f;
  }

  remove(f: Flow): void {
    if (f.prev) f.prev.next = f.next;
    else this.head = f.next;
    if (f.next) f.next.prev = f.prev;
    else this.tail = f.prev;
    f.prev = f.next = undefined;
  }
}

/** Mixes one endpoint (address words and port) into 32 bits. */
function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16) ^ w3 ^ Math.imul(port, 0x27d4eb2f), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function word(data: Uint8Array, at: number): number {
  return (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
}

function addressText(version: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, w0);
  view.setInt32(4, w1);
  view.setInt32(8, w2);
  view.setInt32(12, w3);
  return formatAddress(bytes, 0, version);
}

export class FlowTable {
  readonly stats: FlowTableStats = {
    segments: 0,
    skipped: 0,
    flows: 0,
    closed: 0,
    idle: 0,
    evicted: 0,
    reused: 0,
    flushed: 0,
    active: 0,
    peakActive: 0,
  };
  readonly #options: FlowTableOptions;
  readonly #idle: number;
  readonly #linger: number;
  readonly #maxFlows: number;
  readonly #slots = new FlowSlots<Flow>();
  /** Open flows and closing ones (both FINs or a RST seen), each by last activity. */
  readonly #open = new ActivityList();
  readonly #closing = new ActivityList();
  /** The latest capture time seen: the table's clock. */
  #now = -Infinity;
  /** The current packet's capture time (see #packet). */
  #packetTime = 0;
  #nextSweep = -Infinity;

  constructor(options: FlowTableOptions = {}) {
    this.#options = options;
    this.#idle = options.idleTimeout ?? 300;
    this.#linger = options.linger ?? 5;
    this.#maxFlows = Math.max(1, options.maxFlows ?? 1_000_000);
  }

  /** Takes every decoded row of a table; `frames` are the frames it was decoded from. */
  addBatch(table: SegmentTable, frames: FrameColumns): void {
    const n = table.length;
    const status = table.status;
    const columns = columnsOf(table);
    for (let i = 0; i < n; i++) {
      if (status[i] !== 0) {
        this.stats.skipped++;
        continue;
      }
      this.#add(columns, frames, i);
    }
  }

  /** Ends every connection still tracked (reason 'flushed'), in index order. */
  finish(): void {
    const all: Flow[] = [];
    for (const list of [this.#open, this.#closing]) {
      for (let f = list.head; f; f = f.next) all.push(f);
    }
    all.sort((a, b) => a.info.index - b.info.index);
    for (const f of all) this.#end(f, 'flushed');
  }

  #add(t: Columns, frames: FrameColumns, i: number): void {
    this.stats.segments++;
    const data = frames.data;
    const base = frames.offsets[i]!;
    const now = frames.seconds[i]! + frames.nanoseconds[i]! / 1e9;
    if (now > this.#now) this.#now = now;
    if (this.#now >= this.#nextSweep) {
      this.#sweep();
      this.#nextSweep = this.#now + 1;
    }
    const v6 = t.ipVersion[i] === 6;
    const sa = base + t.srcAddressOffset[i]!;
    const da = base + t.dstAddressOffset[i]!;
    const s0 = word(data, sa);
    const d0 = word(data, da);
    let s1 = 0,
      s2 = 0,
      s3 = 0,
      d1 = 0,
      d2 = 0,
      d3 = 0;
    if (v6) {
      s1 = word(data, sa + 4);
      s2 = word(data, sa + 8);
      s3 = word(data, sa + 12);
      d1 = word(data, da + 4);
      d2 = word(data, da + 8);
      d3 = word(data, da + 12);
    }
    const sp = t.srcPort[i]!;
    const dp = t.dstPort[i]!;
    // Symmetric (both directions of a connection hash alike), and kept to 30 bits so V8 holds it
    // as a small integer: a Map keyed by heap numbers would allocate on every lookup.
    const hash = ((endpointHash(s0, s1, s2, s3, sp) + endpointHash(d0, d1, d2, d3, dp)) & 0x3ffffffe) | (v6 ? 1 : 0);
    const flags = t.flags[i]!;
    const seq = t.seq[i]!;
    const slots = this.#slots;
    let flow: Flow | undefined;
    let dir: 0 | 1 = 0;
    for (let j = slots.home(hash); (flow = slots.item(j)) !== undefined; j = slots.next(j)) {
      // The hash carries the IP version in its low bit, so equal hashes mean equal versions.
      if (slots.hashAt(j) !== hash) continue;
      if (
        flow.oPort === sp &&
        flow.o0 === s0 &&
        flow.o1 === s1 &&
        flow.o2 === s2 &&
        flow.o3 === s3 &&
        flow.rPort === dp &&
        flow.r0 === d0 &&
        flow.r1 === d1 &&
        flow.r2 === d2 &&
        flow.r3 === d3
      ) {
        dir = 0;
        break;
      }
      if (
        flow.oPort === dp &&
        flow.o0 === d0 &&
        flow.o1 === d1 &&
        flow.o2 === d2 &&
        flow.o3 === d3 &&
        flow.rPort === sp &&
        flow.r0 === s0 &&
        flow.r1 === s1 &&
        flow.r2 === s2 &&
        flow.r3 === s3
      ) {
        dir = 1;
        break;
      }
    }
    const frameNumber = frames.firstIndex + i;
    // A new SYN on a connection that has closed, with another ISN: the port was reused.
    if (flow && (flags & (SYN | ACK)) === SYN) {
      const side = dir === 0 ? flow.orig : flow.resp;
      if (flow.closing && side.isn !== seq) {
        this.#end(flow, 'reused');
        flow = undefined;
      }
    }
    if (!flow) {
      // The initiator: the SYN's sender; the receiver of a SYN-ACK (Zeek flips it, '^'); else the sender.
      const flipped = (flags & (SYN | ACK)) === (SYN | ACK);
      const info: FlowInfo = flipped
        ? {
            index: this.stats.flows,
            ipVersion: v6 ? 6 : 4,
            origAddress: addressText(v6 ? 6 : 4, d0, d1, d2, d3),
            origPort: dp,
            respAddress: addressText(v6 ? 6 : 4, s0, s1, s2, s3),
            respPort: sp,
          }
        : {
            index: this.stats.flows,
            ipVersion: v6 ? 6 : 4,
            origAddress: addressText(v6 ? 6 : 4, s0, s1, s2, s3),
            origPort: sp,
            respAddress: addressText(v6 ? 6 : 4, d0, d1, d2, d3),
            respPort: dp,
          };
      if (this.stats.active >= this.#maxFlows) this.#evictOne();
      flow = flipped
        ? new Flow(hash, info, d0, d1, d2, d3, dp, s0, s1, s2, s3, sp, frameNumber, now, this.#options)
        : new Flow(hash, info, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp, frameNumber, now, this.#options);
      if (flipped) flow.history.flipped();
      dir = flipped ? 1 : 0;
      this.#slots.add(flow);
      this.stats.flows++;
      if (++this.stats.active > this.stats.peakActive) this.stats.peakActive = this.stats.active;
      this.#open.push(flow);
    } else {
      // Most recently active last; a flow sending twice in a row is already there.
      const list = flow.closing ? this.#closing : this.#open;
      if (list.tail !== flow) {
        list.remove(flow);
        list.push(flow);
      }
    }
    this.#packetTime = now;
    this.#packet(flow, dir, t, i, flags, data, base);
    flow.lastFrame = frameNumber;
    flow.end = now;
  }

  /**
   * Reads what it needs from the columns itself, and the packet's time from #packetTime: a
   * sequence number or a time passed as an argument would be boxed (neither fits V8's small
   * integers), an allocation per segment.
   */
  #packet(flow: Flow, dir: 0 | 1, t: Columns, i: number, flags: number, data: Uint8Array, base: number): void {
    const seq = t.seq[i]!;
    const now = this.#packetTime;
    const side = dir === 0 ? flow.orig : flow.resp;
    const peer = dir === 0 ? flow.resp : flow.orig;
    const wireLength = t.payloadLength[i]!;
    side.packets++;
    side.payloadBytes += wireLength;
    // Wireshark's zero-window rule: window 0 on a segment that is not SYN, FIN or RST.
    if (t.window[i] === 0 && !(flags & (SYN | FIN | RST))) {
      side.zeroWindows++;
      flow.history.event(dir, 1);
    }
    const states = nextStates(side.state, peer.state, flags);
    side.state = (states & 15) as EndpointState;
    peer.state = (states >> 4) as EndpointState;
    if (flags & (SYN | FIN | RST)) flow.history.control(dir, flags, seq);
    flow.history.packet(dir, flags, wireLength);
    if (flags & SYN) {
      if (side.isn < 0) side.isn = seq;
      side.stream.start(seq);
      if (dir === 0 && !(flags & ACK) && flow.synTime < 0) flow.synTime = now;
      if (dir === 1 && flags & ACK) flow.synAckSeen = true;
    } else if (dir === 0 && flags & ACK && flow.synAckSeen && flow.synTime >= 0 && flow.handshakeRtt === null) {
      flow.handshakeRtt = now - flow.synTime;
    }
    // Payload of a SYN (TCP Fast Open) starts after the SYN's own sequence number.
    const dataSeq = flags & SYN ? seqAdd(seq, 1) : seq;
    const gapsBefore = side.stream.gaps;
    let verdict: SegmentVerdict;
    if (side.bytes) {
      const at = base + t.payloadOffset[i]!;
      const captured = t.capturedPayloadLength[i]!;
      verdict = side.stream.segment(dataSeq, captured, data.subarray(at, at + captured));
    } else {
      verdict = side.stream.segment(dataSeq, wireLength);
    }
    if (verdict === SegmentVerdict.RETRANSMISSION) {
      side.retransmissions++;
      flow.history.event(dir, 0);
    } else if (verdict === SegmentVerdict.OUT_OF_ORDER) {
      side.outOfOrder++;
    }
    if (side.stream.gaps !== gapsBefore) flow.history.event(dir, 2);
    if (flags & FIN) side.finSeq = seqAdd(dataSeq, wireLength);
    if (!flow.closing && (flags & RST || (side.finSeq >= 0 && peer.finSeq >= 0))) {
      this.#open.remove(flow);
      flow.closing = true;
      this.#closing.push(flow);
    }
  }

  /** Ends connections idle past their timeout (linger once closing). */
  #sweep(): void {
    const now = this.#now;
    while (this.#closing.head && now - this.#closing.head.end > this.#linger) this.#end(this.#closing.head, 'closed');
    while (this.#open.head && now - this.#open.head.end > this.#idle) this.#end(this.#open.head, 'idle');
  }

  /** Makes room for one flow: a closing one first, else the least recently active. */
  #evictOne(): void {
    const victim = this.#closing.head ?? this.#open.head;
    if (victim) this.#end(victim, victim.closing ? 'closed' : 'evicted');
  }

  #end(flow: Flow, reason: FlowEnd): void {
    (flow.closing ? this.#closing : this.#open).remove(flow);
    this.#slots.remove(flow);
    this.stats.active--;
    this.stats[reason]++;
    for (const [side, dir] of [
      [flow.orig, 0],
      [flow.resp, 1],
    ] as const) {
      const before = side.stream.gaps;
      side.stream.finish(side.finSeq >= 0 ? side.finSeq : undefined);
      if (side.stream.gaps !== before) flow.history.event(dir, 2);
    }
    if (!this.#options.onFlow) return;
    const anyPayload = flow.orig.stream.uniqueBytes > 0 || flow.resp.stream.uniqueBytes > 0;
    const history = flow.history.text;
    const info = flow.info;
    // Written out rather than spread from info: one literal, one hidden class for every record.
    this.#options.onFlow({
      index: info.index,
      ipVersion: info.ipVersion,
      origAddress: info.origAddress,
      origPort: info.origPort,
      respAddress: info.respAddress,
      respPort: info.respPort,
      firstFrame: flow.firstFrame,
      lastFrame: flow.lastFrame,
      start: flow.start,
      end: flow.end,
      duration: flow.end - flow.start,
      orig: flow.orig.summary(),
      resp: flow.resp.summary(),
      handshakeRtt: flow.handshakeRtt,
      connState: connState(flow.orig.state, flow.resp.state, anyPayload, history),
      history,
      reason,
    });
  }
}
