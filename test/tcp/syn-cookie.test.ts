// SYN cookie encoding (src/tcp/syn-cookie.ts): MSS index in the ISS, options in the TSval's low
// bits, a one-minute clock with a bounded lifetime, keyed by the secret and the 4-tuple.

import { expect } from 'chai';
import { seqAdd } from '../../src/tcp/seq.js';
import {
  COOKIE_MSS,
  COOKIE_PERIOD,
  SynCookies,
  cookieSynAck,
  cookieTimestamp,
  synFromCookie,
} from '../../src/tcp/syn-cookie.js';
import { ACK, EMPTY_PAYLOAD, SYN, type TcpSegment } from '../../src/wire/segment.js';
import { Random } from '../helpers/random.js';

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
const LOCAL = Uint8Array.of(198, 51, 100, 2);
const REMOTE = Uint8Array.of(203, 0, 113, 9);

function ackFor(iss: number, peerIsn: number, tsEcr?: number): TcpSegment {
  const seg: TcpSegment = {
    srcPort: 5555,
    dstPort: 80,
    seq: seqAdd(peerIsn, 1),
    ack: seqAdd(iss, 1),
    flags: ACK,
    window: 500,
    urgentPointer: 0,
    payload: EMPTY_PAYLOAD,
  };
  if (tsEcr !== undefined) {
    seg.tsVal = 42;
    seg.tsEcr = tsEcr;
  }
  return seg;
}

describe('tcp/syn-cookie', () => {
  it("round-trips every MSS of the table (the largest entry not above the peer's MSS) at any peer ISN", () => {
    const cookies = new SynCookies(SECRET);
    const rng = new Random(12);
    for (let i = 0; i < 2000; i++) {
      const peerIsn = rng.u32();
      const peerMss = 200 + (rng.u32() % 66000);
      const now = rng.u32() % 1e9;
      const iss = cookies.encode(LOCAL, 80, REMOTE, 5555, peerIsn, peerMss, now);
      const got = cookies.decode(LOCAL, 80, REMOTE, 5555, ackFor(iss, peerIsn), now + 5000);
      const expected = COOKIE_MSS.filter((m) => m <= peerMss).at(-1) ?? COOKIE_MSS[0];
      expect(got).to.deep.include({ mss: expected, timestamps: false, sackPermitted: false });
    }
  });

  it('lives one to two minutes: valid in its minute and the next, expired after', () => {
    const cookies = new SynCookies(SECRET);
    const made = 10 * COOKIE_PERIOD + 59_000;
    const iss = cookies.encode(LOCAL, 80, REMOTE, 5555, 1234, 1460, made);
    const at = (t: number) => cookies.decode(LOCAL, 80, REMOTE, 5555, ackFor(iss, 1234), t);
    expect(at(made)).to.include({ mss: 1460 });
    expect(at(12 * COOKIE_PERIOD - 1)).to.include({ mss: 1460 });
    expect(at(12 * COOKIE_PERIOD)).to.equal('expired');
    expect(at(200 * COOKIE_PERIOD)).to.equal('expired');
  });

  it('is bound to the secret, the 4-tuple and the peer ISN', () => {
    const cookies = new SynCookies(SECRET);
    const iss = cookies.encode(LOCAL, 80, REMOTE, 5555, 1234, 1460, 0);
    const ack = ackFor(iss, 1234);
    const other = Uint8Array.of(203, 0, 113, 10);
    expect(cookies.decode(LOCAL, 80, REMOTE, 5555, ack, 0)).to.include({ mss: 1460 });
    expect(new SynCookies(SECRET.map((b) => b ^ 1)).decode(LOCAL, 80, REMOTE, 5555, ack, 0)).to.be.a('string');
    expect(cookies.decode(LOCAL, 80, other, 5555, ack, 0)).to.be.a('string');
    expect(cookies.decode(LOCAL, 80, REMOTE, 5556, ack, 0)).to.be.a('string');
    expect(cookies.decode(LOCAL, 81, REMOTE, 5555, ack, 0)).to.be.a('string');
    expect(cookies.decode(LOCAL, 80, REMOTE, 5555, ackFor(iss, 1234 + 1000), 0)).to.be.a('string');
  });

  it('random ACKs almost never pass: none of 100,000 seeded guesses', () => {
    const cookies = new SynCookies(SECRET);
    const rng = new Random(99);
    let passed = 0;
    for (let i = 0; i < 100_000; i++) {
      const ack = ackFor(rng.u32(), rng.u32());
      if (typeof cookies.decode(LOCAL, 80, REMOTE, 5555, ack, 0) !== 'string') passed++;
    }
    expect(passed).to.equal(0);
  });

  it("carries window scale, SACK-permitted and ECN in the TSval's low 6 bits, never ahead of the clock", () => {
    for (const [scale, sack, ecn] of [
      [7, true, false],
      [undefined, true, true],
      [14, false, false],
      [0, false, true],
    ] as const) {
      for (const tsNow of [0, 63, 64, 1_000_000_007, 0xffffffff]) {
        const ts = cookieTimestamp(tsNow, scale, sack, ecn);
        expect(ts >>> 0).to.equal(ts);
        const behind = (tsNow - ts) >>> 0;
        expect(behind).to.be.below(64);
        const cookies = new SynCookies(SECRET);
        const iss = cookies.encode(LOCAL, 80, REMOTE, 5555, 9, 1460, 0);
        const got = cookies.decode(LOCAL, 80, REMOTE, 5555, ackFor(iss, 9, ts), 0);
        expect(got).to.deep.equal({
          mss: 1460,
          timestamps: true,
          sackPermitted: sack,
          ecn,
          ...(scale === undefined ? {} : { windowScale: scale }),
        });
      }
    }
  });

  it('the SYN-ACK offers window scale and SACK only with timestamps to carry them back; synFromCookie restores the SYN', () => {
    const syn: TcpSegment = {
      srcPort: 5555,
      dstPort: 80,
      seq: 77,
      ack: 0,
      flags: SYN,
      window: 64240,
      urgentPointer: 0,
      payload: EMPTY_PAYLOAD,
      mss: 1460,
      windowScale: 9,
      sackPermitted: true,
      tsVal: 1000,
      tsEcr: 0,
    };
    const base = {
      iss: 5000,
      mss: 1460,
      window: 262144,
      windowScale: 3,
      tsNow: 70_000,
      sack: true,
      windowScaling: true,
    };
    const withTs = cookieSynAck({ syn, ...base });
    expect(withTs).to.deep.include({
      srcPort: 80,
      dstPort: 5555,
      seq: 5000,
      ack: 78,
      flags: SYN | ACK,
      window: 65535,
      mss: 1460,
      windowScale: 3,
      sackPermitted: true,
      tsEcr: 1000,
    });
    expect(withTs.tsVal! & 0x3f).to.equal(9 | 0x10);
    const { tsVal: _v, tsEcr: _e, ...noTsSyn } = syn;
    const without = cookieSynAck({ syn: noTsSyn, ...base });
    expect(without.windowScale).to.equal(undefined);
    expect(without.sackPermitted).to.equal(undefined);
    expect(without.tsVal).to.equal(undefined);
    const ack = ackFor(5000, 77, withTs.tsVal);
    const restored = synFromCookie(ack, {
      mss: 1440,
      windowScale: 9,
      sackPermitted: true,
      ecn: false,
      timestamps: true,
    });
    expect(restored).to.deep.include({
      seq: 77,
      flags: SYN,
      mss: 1440,
      windowScale: 9,
      sackPermitted: true,
      tsVal: 42,
    });
  });
});
