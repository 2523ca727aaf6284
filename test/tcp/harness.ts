// Scripted-scenario harness for the sans-IO Connection: one connection under test, a peer that is
// just us typing segments, virtual time, exact matching of what the connection sends.
//
//   const h = Harness.established();            // local ISS 1000, peer ISS 5000, handshake done
//   h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('hi') });
//   h.expect({ flags: ACK, seq: 1001, ack: 5003, window: 16382 });
//
// expect() is exact: flags, seq, ack, window and every option must match, and an option the spec
// does not name must be absent, so a stray option or a changed window fails the test.

import { expect as chaiExpect } from 'chai';
import {
  ACK,
  Connection,
  createTcpCounters,
  resolveTcpConfig,
  SYN,
  type ConnectionEvent,
  type TcpConfig,
  type TcpCounters,
  type TcpSegment,
  type WindowLimit,
} from '../../src/tcp/index.js';

export const LOCAL_PORT = 49152;
export const REMOTE_PORT = 80;
export const LOCAL_ISS = 1000;
export const REMOTE_ISS = 5000;

/**
 * Scenario defaults: options off and a 16 KiB receive buffer, so segments carry only what a
 * scenario turns on and windows are small round numbers.
 */
export const SCENARIO_CONFIG: Partial<TcpConfig> = {
  timestamps: false,
  sack: false,
  windowScaling: false,
  receiveBufferSize: 16384,
  sendBufferSize: 65536,
};

export interface HarnessOptions {
  config?: Partial<TcpConfig>;
  iss?: number;
  /** MSS the path lets us advertise (ConnectionInit.mss). */
  mss?: number;
  /** ConnectionInit.defaultPeerMss */
  defaultPeerMss?: number;
  /** ConnectionInit.maxSegmentBurst (segmentation offload) */
  maxSegmentBurst?: number;
  /** ConnectionInit.challengeAckGlobal (a limit shared with other connections) */
  challengeAckGlobal?: WindowLimit;
  now?: number;
}

/** What a test expects of one sent segment; options not named must be absent. */
export interface SegmentSpec {
  flags: number;
  seq: number;
  ack?: number;
  window?: number;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  tsVal?: number;
  tsEcr?: number;
  sack?: number[];
  /** Exact payload bytes; a number means "this many bytes" (content checked elsewhere). */
  payload?: Uint8Array | number;
}

/** A peer segment: only flags and seq are required. */
export type PeerSegment = Partial<TcpSegment> & { flags: number; seq: number };

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic bytes (i * 7 + seed) & 0xff. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

export class Harness {
  now: number;
  readonly counters: TcpCounters;
  readonly config: TcpConfig;
  conn!: Connection;

  private constructor(o: HarnessOptions) {
    this.now = o.now ?? 0;
    this.counters = createTcpCounters();
    this.config = resolveTcpConfig({ ...SCENARIO_CONFIG, ...o.config });
  }

  #init(o: HarnessOptions) {
    return {
      localPort: LOCAL_PORT,
      remotePort: REMOTE_PORT,
      iss: o.iss ?? LOCAL_ISS,
      config: this.config,
      counters: this.counters,
      ...(o.mss !== undefined ? { mss: o.mss } : {}),
      ...(o.defaultPeerMss !== undefined ? { defaultPeerMss: o.defaultPeerMss } : {}),
      ...(o.maxSegmentBurst !== undefined ? { maxSegmentBurst: o.maxSegmentBurst } : {}),
      ...(o.challengeAckGlobal !== undefined ? { challengeAckGlobal: o.challengeAckGlobal } : {}),
    };
  }

  /** Active open: the connection is in SYN-SENT and its SYN has not been collected yet. */
  static connect(o: HarnessOptions = {}): Harness {
    const h = new Harness(o);
    h.conn = Connection.connect(h.#init(o), h.now);
    return h;
  }

  /** Passive open from the peer SYN described by `syn` (SYN-RECEIVED, SYN-ACK not collected). */
  static accept(syn: Partial<TcpSegment> = {}, o: HarnessOptions = {}): Harness {
    const h = new Harness(o);
    h.conn = Connection.accept(h.#init(o), h.segment({ flags: SYN, seq: REMOTE_ISS, ...syn }), h.now);
    return h;
  }

  /**
   * ESTABLISHED through an active open with a plain SYN-ACK (peer ISS 5000, window 16384, MSS
   * 1460 unless `synAck` says otherwise); the handshake's segments and events are consumed.
   */
  static established(o: HarnessOptions = {}, synAck: Partial<TcpSegment> = {}): Harness {
    const h = Harness.connect(o);
    h.collect();
    const iss = o.iss ?? LOCAL_ISS;
    h.send({ flags: SYN | ACK, seq: REMOTE_ISS, ack: (iss + 1) >>> 0, window: 16384, mss: 1460, ...synAck });
    h.collect();
    h.events();
    return h;
  }

  /** A peer → local segment with defaults filled in. */
  segment(p: PeerSegment): TcpSegment {
    const seg: TcpSegment = {
      srcPort: REMOTE_PORT,
      dstPort: LOCAL_PORT,
      seq: p.seq >>> 0,
      ack: (p.ack ?? 0) >>> 0,
      flags: p.flags,
      window: p.window ?? 16384,
      urgentPointer: p.urgentPointer ?? 0,
      payload: p.payload ?? new Uint8Array(0),
    };
    if (p.mss !== undefined) seg.mss = p.mss;
    if (p.windowScale !== undefined) seg.windowScale = p.windowScale;
    if (p.sackPermitted !== undefined) seg.sackPermitted = p.sackPermitted;
    if (p.tsVal !== undefined) {
      seg.tsVal = p.tsVal;
      seg.tsEcr = p.tsEcr ?? 0;
    }
    if (p.sack !== undefined) seg.sack = p.sack;
    if (p.ecn !== undefined) seg.ecn = p.ecn;
    return seg;
  }

  /** Deliver a peer segment at the current time. */
  send(p: PeerSegment): void {
    this.conn.handleSegment(this.segment(p), this.now);
  }

  /** Everything the connection wants to send now. */
  collect(): TcpSegment[] {
    const out: TcpSegment[] = [];
    for (let seg = this.conn.pollTransmit(this.now); seg !== null; seg = this.conn.pollTransmit(this.now)) {
      out.push(seg);
      if (out.length > 10000) throw new Error('pollTransmit does not terminate');
    }
    return out;
  }

  /** Assert the connection sends exactly these segments now, in this order. */
  expect(...specs: SegmentSpec[]): TcpSegment[] {
    const got = this.collect();
    chaiExpect(got.map(describe), 'segments sent').to.deep.equal(specs.map((s, i) => describeSpec(s, got[i])));
    return got;
  }

  /** Assert nothing is sent now. */
  expectNothing(): void {
    const got = this.collect();
    chaiExpect(got.map(describe), 'segments sent').to.deep.equal([]);
  }

  /** All pending events (drained). */
  events(): ConnectionEvent[] {
    const out: ConnectionEvent[] = [];
    for (let e = this.conn.pollEvent(); e !== null; e = this.conn.pollEvent()) out.push(e);
    return out;
  }

  eventTypes(): string[] {
    return this.events().map((e) => (e.type === 'error' ? `error:${e.code}` : e.type));
  }

  /** Move the clock to `t` and fire the timers that are due (one deadline at a time). */
  advanceTo(t: number): void {
    for (;;) {
      const next = this.conn.nextTimeout;
      if (next > t) break;
      this.now = Math.max(this.now, next);
      this.conn.handleTimeout(this.now);
      if (this.conn.nextTimeout === next) throw new Error(`timer at ${next} did not advance`);
    }
    this.now = t;
  }

  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  /** Run to the next deadline, returning its time (Infinity if none). */
  fireNext(): number {
    const next = this.conn.nextTimeout;
    if (next === Infinity) return next;
    this.now = Math.max(this.now, next);
    this.conn.handleTimeout(this.now);
    return next;
  }
}

type Described = Record<string, unknown>;

const OPTION_KEYS = ['mss', 'windowScale', 'sackPermitted', 'tsVal', 'tsEcr', 'sack'] as const;

function describe(seg: TcpSegment): Described {
  const d: Described = {
    flags: flagNames(seg.flags),
    seq: seg.seq,
    ack: seg.flags & ACK ? seg.ack : undefined,
    window: seg.window,
  };
  for (const k of OPTION_KEYS) if (seg[k] !== undefined) d[k] = seg[k];
  d.payload = Array.from(seg.payload);
  return d;
}

function describeSpec(spec: SegmentSpec, actual: TcpSegment | undefined): Described {
  const d: Described = {
    flags: flagNames(spec.flags),
    seq: spec.seq >>> 0,
    ack: spec.flags & ACK ? (spec.ack ?? actual?.ack) : undefined,
    window: spec.window ?? actual?.window,
  };
  if (spec.ack !== undefined) d.ack = spec.ack >>> 0;
  for (const k of OPTION_KEYS) if (spec[k] !== undefined) d[k] = spec[k];
  if (spec.payload === undefined) d.payload = [];
  else if (typeof spec.payload === 'number') {
    d.payload =
      actual !== undefined && actual.payload.length === spec.payload
        ? Array.from(actual.payload)
        : `${spec.payload} bytes`;
  } else d.payload = Array.from(spec.payload);
  return d;
}

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

export function flagNames(flags: number): string {
  const names: string[] = [];
  for (let i = 0; i < FLAG_NAMES.length; i++) if (flags & (1 << i)) names.push(FLAG_NAMES[i]!);
  return names.join('|') || 'none';
}
