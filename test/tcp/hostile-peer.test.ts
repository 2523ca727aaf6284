// A seeded hostile peer: random flags, sequence and acknowledgment numbers near and far from
// the real ones, random options and payloads, thrown at connections in every state. Nothing may
// throw, output must terminate and stay well-formed, and the receive side may never hold more
// than its buffer.

import { expect } from 'chai';
import { ACK, FIN, RST, SYN, URG, type TcpSegment } from '../../src/tcp/index.js';
import { Random } from '../helpers/random.js';
import { Harness, REMOTE_ISS, LOCAL_ISS } from './harness.js';

const STATES = ['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSE-WAIT', 'TIME-WAIT'] as const;

function start(kind: (typeof STATES)[number], r: Random): Harness {
  const config = {
    timestamps: r.below(2) === 1,
    sack: r.below(2) === 1,
    windowScaling: r.below(2) === 1,
    receiveBufferSize: 4096,
  };
  switch (kind) {
    case 'SYN-SENT': {
      const h = Harness.connect({ config });
      h.collect();
      return h;
    }
    case 'SYN-RECEIVED': {
      const h = Harness.accept({ mss: 1000, tsVal: 5, sackPermitted: true, windowScale: 3 }, { config });
      h.collect();
      return h;
    }
    default: {
      const h = Harness.established(
        { config },
        { mss: 1000, tsVal: 5, tsEcr: LOCAL_ISS, sackPermitted: true, windowScale: 2 },
      );
      h.conn.write(new Uint8Array(3000));
      h.collect();
      if (kind === 'FIN-WAIT-1') {
        h.conn.close(h.now);
        h.collect();
      }
      if (kind === 'CLOSE-WAIT') {
        h.send({ flags: FIN | ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, tsVal: 6 });
        h.collect();
      }
      if (kind === 'TIME-WAIT') {
        h.send({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 3001, tsVal: 6 });
        h.conn.close(h.now);
        h.collect();
        h.send({ flags: FIN | ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 3002, tsVal: 7 });
        h.collect();
      }
      expect(h.conn.state).to.equal(kind);
      return h;
    }
  }
}

function near(r: Random, base: number): number {
  switch (r.below(4)) {
    case 0:
      return r.u32();
    case 1:
      return (base + r.below(64) - 32) >>> 0;
    default:
      return (base + r.below(20000) - 10000) >>> 0;
  }
}

function hostile(r: Random, h: Harness): TcpSegment {
  const flagsPool = [ACK, ACK, ACK, ACK | FIN, RST, RST | ACK, SYN, SYN | ACK, FIN, URG | ACK, 0, r.below(64)];
  const p: Partial<TcpSegment> & { flags: number; seq: number } = {
    flags: flagsPool[r.below(flagsPool.length)]!,
    seq: near(r, REMOTE_ISS + 1),
    ack: near(r, LOCAL_ISS + 1),
    window: r.below(65536),
    urgentPointer: r.below(65536),
    payload: r.bytes(r.below(3) === 0 ? r.below(3000) : 0),
  };
  if (r.below(3) === 0) {
    p.tsVal = r.below(2) ? r.u32() : 6 + r.below(100);
    p.tsEcr = r.u32();
  }
  if (r.below(4) === 0)
    p.sack = [near(r, LOCAL_ISS + 1000), near(r, LOCAL_ISS + 2000), near(r, LOCAL_ISS + 1), r.u32()];
  if (r.below(8) === 0) {
    p.mss = r.below(70000);
    p.windowScale = r.below(256);
  }
  return h.segment(p);
}

describe('tcp: a hostile peer cannot break a connection', function () {
  this.timeout(60000);
  for (const kind of STATES) {
    it(`${kind}: 100 runs of 60 random segments, no throw, bounded well-formed output`, () => {
      const r = new Random(0xbad + kind.length * 977);
      for (let run = 0; run < 100; run++) {
        const h = start(kind, r);
        for (let i = 0; i < 60; i++) {
          h.conn.handleSegment(hostile(r, h), h.now);
          const out = h.collect();
          expect(out.length).to.be.below(64);
          for (const s of out) {
            expect(s.seq >>> 0).to.equal(s.seq);
            expect(s.ack >>> 0).to.equal(s.ack);
            expect(s.window).to.be.within(0, 0xffff);
            expect(s.payload.length).to.be.at.most(Math.max(h.conn.mssSend, 0));
          }
          h.events();
          expect(h.conn.readable).to.be.at.most(4096);
          const next = h.conn.nextTimeout;
          expect(Number.isNaN(next)).to.equal(false);
          if (r.below(4) === 0 && next !== Infinity) h.advanceTo(Math.max(h.now, next));
          else h.now += r.below(50);
          if (r.below(5) === 0) h.conn.read(r.below(2000));
        }
      }
    });
  }
});
