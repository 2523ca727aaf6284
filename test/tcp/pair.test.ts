// Two Connections back to back in virtual time over a seeded lossy, reordering, duplicating
// queue (no IP, no stack): 1 MB each way must arrive byte-exact, both ends must close cleanly.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  Connection,
  createTcpCounters,
  resolveTcpConfig,
  type TcpConfig,
  type TcpCounters,
  type TcpSegment,
} from '../../src/tcp/index.js';
import { Random } from '../helpers/random.js';

interface LinkOptions {
  loss: number;
  reorder: number;
  duplicate: number;
  delayMs: number;
  seed: number;
}

interface InFlight {
  at: number;
  order: number;
  to: 0 | 1;
  seg: TcpSegment;
}

/** A time-ordered queue of segments between the two ends with seeded impairments. */
class LossyWire {
  #queue: InFlight[] = [];
  #order = 0;
  readonly #random: Random;
  dropped = 0;
  readonly #o: LinkOptions;

  constructor(o: LinkOptions) {
    this.#o = o;
    this.#random = new Random(o.seed);
  }

  #chance(p: number): boolean {
    return p > 0 && this.#random.u32() / 0x100000000 < p;
  }

  send(seg: TcpSegment, to: 0 | 1, now: number): void {
    if (this.#chance(this.#o.loss)) {
      this.dropped++;
      return;
    }
    // The receiver may keep a view: hand over a private copy, as a real link would.
    const copy: TcpSegment = { ...seg, payload: seg.payload.slice() };
    let at = now + this.#o.delayMs;
    if (this.#chance(this.#o.reorder)) at += 1 + this.#random.below(this.#o.delayMs * 2 + 1);
    this.#push({ at, order: this.#order++, to, seg: copy });
    if (this.#chance(this.#o.duplicate)) this.#push({ at: at + 1, order: this.#order++, to, seg: { ...copy } });
  }

  #push(f: InFlight): void {
    const q = this.#queue;
    let i = q.length;
    while (i > 0 && (q[i - 1]!.at > f.at || (q[i - 1]!.at === f.at && q[i - 1]!.order > f.order))) i--;
    q.splice(i, 0, f);
  }

  get nextAt(): number {
    return this.#queue.length > 0 ? this.#queue[0]!.at : Infinity;
  }

  takeDue(now: number): InFlight | null {
    const head = this.#queue[0];
    if (head === undefined || head.at > now) return null;
    this.#queue.shift();
    return head;
  }
}

interface Side {
  conn: Connection;
  toSend: Uint8Array;
  written: number;
  received: ReturnType<typeof createHash>;
  receivedBytes: number;
  ended: boolean;
  closedEvent: boolean;
  errors: string[];
  closeCalled: boolean;
  nextReadAt: number;
}

const READ_INTERVAL = 2;

function runPair(link: LinkOptions, bytesEachWay: number, configPatch: Partial<TcpConfig> = {}, readChunk = Infinity) {
  const config = resolveTcpConfig({ timeWaitTime: 2000, ...configPatch });
  const counters: TcpCounters = createTcpCounters();
  const random = new Random(link.seed ^ 0x5eed);
  const dataA = random.bytes(bytesEachWay);
  const dataB = random.bytes(bytesEachWay);
  const wire = new LossyWire(link);
  let now = 0;
  const a = Connection.connect({ localPort: 40000, remotePort: 7, iss: 0xfffff000, config, counters }, now);
  const sides: Side[] = [
    {
      conn: a,
      toSend: dataA,
      written: 0,
      received: createHash('sha256'),
      receivedBytes: 0,
      ended: false,
      closedEvent: false,
      errors: [],
      closeCalled: false,
      nextReadAt: 0,
    },
  ];
  let b: Connection | null = null;

  const pump = () => {
    for (let i = 0; i < sides.length; i++) {
      const s = sides[i]!;
      if (s.written < s.toSend.length) {
        s.written += s.conn.write(s.toSend.subarray(s.written, Math.min(s.toSend.length, s.written + 65536)));
      }
      if (s.written === s.toSend.length && !s.closeCalled) {
        s.closeCalled = true;
        s.conn.close(now);
      }
      // A slow reader takes readChunk bytes every READ_INTERVAL ms, so receive windows close.
      if (readChunk === Infinity) {
        for (let chunk = s.conn.read(); chunk !== null; chunk = s.conn.read()) {
          s.received.update(chunk);
          s.receivedBytes += chunk.length;
        }
      } else if (now >= s.nextReadAt && s.conn.readable > 0) {
        const chunk = s.conn.read(readChunk)!;
        s.received.update(chunk);
        s.receivedBytes += chunk.length;
        s.nextReadAt = now + READ_INTERVAL;
      }
      for (let e = s.conn.pollEvent(); e !== null; e = s.conn.pollEvent()) {
        if (e.type === 'end') s.ended = true;
        else if (e.type === 'closed') s.closedEvent = true;
        else if (e.type === 'error') s.errors.push(e.code);
      }
      for (let seg = s.conn.pollTransmit(now); seg !== null; seg = s.conn.pollTransmit(now)) {
        wire.send(seg, i === 0 ? 1 : 0, now);
      }
    }
  };

  let steps = 0;
  for (;;) {
    pump();
    if (sides.length === 2 && sides.every((s) => s.closedEvent)) break;
    const next = Math.min(
      wire.nextAt,
      ...sides.map((s) => Math.min(s.conn.nextTimeout, s.conn.readable > 0 ? Math.max(s.nextReadAt, now) : Infinity)),
    );
    if (next === Infinity) break;
    now = Math.max(now, next);
    for (let f = wire.takeDue(now); f !== null; f = wire.takeDue(now)) {
      if (f.to === 1) {
        if (b === null) {
          if (f.seg.flags !== 0x02) continue; // only a SYN creates the passive end
          b = Connection.accept({ localPort: 7, remotePort: 40000, iss: 0x7ffffff0, config, counters }, f.seg, now);
          sides.push({
            conn: b,
            toSend: dataB,
            written: 0,
            received: createHash('sha256'),
            receivedBytes: 0,
            ended: false,
            closedEvent: false,
            errors: [],
            closeCalled: false,
            nextReadAt: 0,
          });
        } else {
          b.handleSegment(f.seg, now);
        }
      } else {
        a.handleSegment(f.seg, now);
      }
      pump();
    }
    for (const s of sides) if (s.conn.nextTimeout <= now) s.conn.handleTimeout(now);
    if (++steps > 2_000_000) throw new Error('no progress');
  }
  return { sides, now, counters, wire, dataA, dataB };
}

function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('tcp/pair: two Connections over a lossy queue', function () {
  this.timeout(120000);
  const cases: [string, LinkOptions, Partial<TcpConfig>, number?][] = [
    ['clean', { loss: 0, reorder: 0, duplicate: 0, delayMs: 5, seed: 1 }, {}],
    ['2% loss, reordering, duplication', { loss: 0.02, reorder: 0.02, duplicate: 0.01, delayMs: 5, seed: 2 }, {}],
    [
      '5% loss without SACK/timestamps/window scaling',
      { loss: 0.05, reorder: 0.03, duplicate: 0.01, delayMs: 3, seed: 3 },
      { sack: false, timestamps: false, windowScaling: false },
    ],
    ['10% loss with SACK recovery', { loss: 0.1, reorder: 0.02, duplicate: 0.01, delayMs: 5, seed: 4 }, {}],
    [
      'slow reader, 4 KiB receive buffers (zero windows, persist, window updates)',
      { loss: 0.01, reorder: 0, duplicate: 0, delayMs: 2, seed: 5 },
      { receiveBufferSize: 4096 },
      300,
    ],
  ];
  for (const [name, link, config, readChunk] of cases) {
    it(`moves 1 MB each way byte-exact and closes cleanly: ${name}`, () => {
      const { sides, now, counters, wire, dataA, dataB } = runPair(link, 1 << 20, config, readChunk);
      if (process.env.PAIR_DEBUG) console.log(name, now, JSON.stringify(counters), wire.dropped);
      expect(sides).to.have.length(2);
      const [a, b] = sides as [Side, Side];
      expect(b.receivedBytes).to.equal(dataA.length);
      expect(a.receivedBytes).to.equal(dataB.length);
      expect(b.received.digest('hex')).to.equal(sha(dataA));
      expect(a.received.digest('hex')).to.equal(sha(dataB));
      expect(a.errors).to.deep.equal([]);
      expect(b.errors).to.deep.equal([]);
      expect(a.ended && b.ended).to.equal(true);
      expect(a.conn.state).to.equal('CLOSED');
      expect(b.conn.state).to.equal('CLOSED');
      // Virtual time stays bounded: a few minutes at most for 2 MB at these loss rates.
      expect(now).to.be.below(link.loss >= 0.1 ? 300000 : 60000);
      if (readChunk !== undefined) expect(counters.zeroWindowsSent, 'zero windows advertised').to.be.greaterThan(0);
      if (link.loss > 0) {
        expect(wire.dropped).to.be.greaterThan(0);
        expect(counters.retransmissions).to.be.greaterThan(0);
      } else {
        expect(counters.retransmissions).to.equal(0);
      }
    });
  }
});
