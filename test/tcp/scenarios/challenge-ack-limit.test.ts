// RFC 5961 §7 challenge ACK limits: per connection exact over any one-second window,
// configurable (0 = off), and a limit shared by every connection of a stack that also covers
// SYNs outside the window (RFC 5961 §4.2 answers every SYN in a synchronized state).

import { expect } from 'chai';
import { ACK, RST, SYN, WindowLimit } from '../../../src/tcp/index.js';
import { Harness } from '../harness.js';

/** Times at which `h` answered a bad RST sent every `stepMs` from 0 to `untilMs`. */
function answeredRsts(h: Harness, stepMs: number, untilMs: number): number[] {
  const at: number[] = [];
  for (let t = 0; t < untilMs; t += stepMs) {
    h.now = t;
    h.send({ flags: RST, seq: 5002 }); // in the window, not at RCV.NXT
    for (const seg of h.collect()) {
      expect(seg.flags).to.equal(ACK);
      at.push(t);
    }
  }
  return at;
}

describe('tcp scenarios: challenge ACK limits (RFC 5961 §7)', () => {
  it('at most challengeAckLimit (10) in any one-second window, exactly', () => {
    const h = Harness.established();
    const at = answeredRsts(h, 10, 2500);
    for (let i = 0; i < at.length; i++) {
      expect(at.filter((t) => t >= at[i]! && t < at[i]! + 1000).length, `window from ${at[i]}`).to.be.at.most(10);
    }
    expect(at).to.have.length(30);
    expect(at.slice(0, 11)).to.deep.equal([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]);
    expect(h.counters.challengeAcks).to.equal(30);
    expect(h.counters.challengeAcksLimited).to.equal(250 - 30);
  });

  it('challengeAckLimit 0 turns the per-connection limit off', () => {
    const h = Harness.established({ config: { challengeAckLimit: 0 } });
    expect(answeredRsts(h, 1, 50)).to.have.length(50);
    expect(h.counters.challengeAcksLimited).to.equal(0);
  });

  it('a limit shared by connections caps their challenge ACKs together', () => {
    const shared = new WindowLimit(3, 1000);
    const a = Harness.established({ challengeAckGlobal: shared });
    const b = Harness.established({ challengeAckGlobal: shared });
    let sent = 0;
    for (const [h, seq] of [
      [a, 5002],
      [b, 5002],
      [a, 5003],
      [b, 5003],
    ] as const) {
      h.send({ flags: RST, seq });
      sent += h.collect().length;
    }
    expect(sent).to.equal(3);
    expect(a.counters.challengeAcksLimited + b.counters.challengeAcksLimited).to.equal(1);
    a.now = 1000;
    a.send({ flags: RST, seq: 5002 });
    a.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
  });

  it('a SYN outside the window gets a challenge ACK that counts against the limits', () => {
    const h = Harness.established({ config: { challengeAckLimit: 2 } });
    h.send({ flags: SYN, seq: 900000 });
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
    h.send({ flags: SYN, seq: 5002 }); // in the window
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
    h.send({ flags: SYN, seq: 900000 });
    h.expectNothing();
    expect(h.counters.challengeAcks).to.equal(2);
    expect(h.counters.challengeAcksLimited).to.equal(1);
  });
});
