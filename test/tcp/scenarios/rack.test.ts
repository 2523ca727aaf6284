// RACK (RFC 8985 §6): losses detected by time rather than by counting duplicate ACKs. Each
// scenario runs in virtual time with a 100 ms round trip (the SYN at t = 0, its SYN-ACK at
// t = 100), so min_rtt = 100 ms and the reordering window reo_wnd = min_rtt / 4 = 25 ms.

import { expect } from 'chai';
import { ACK } from '../../../src/tcp/index.js';
import type { LossDetection } from '../../../src/tcp/config.js';
import { type Harness, pattern } from '../harness.js';
import { dataSeqs, sackEstablished } from '../rack-harness.js';

/** Four segments 1001 .. 5001 sent at t = 100. */
function fourInFlight(lossDetection: LossDetection = 'rack'): Harness {
  const h = sackEstablished(100, lossDetection);
  h.conn.write(pattern(4000));
  expect(h.collect().map((s) => s.seq)).to.deep.equal([1001, 2001, 3001, 4001]);
  return h;
}

describe('tcp scenarios: RACK loss detection (RFC 8985)', () => {
  it('a hole is lost RACK.rtt + reo_wnd after it was sent, on one SACK, not three duplicate ACKs', () => {
    const h = fourInFlight();
    // 1001 is lost; the peer reports 2001 (sent with it) at t = 200: RACK.rtt = 100 ms.
    h.advanceTo(200);
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 3001] });
    h.expectNothing(); // not yet: it might be reordered within reo_wnd
    h.advanceTo(224);
    h.expectNothing();
    h.advanceTo(225); // 100 (sent) + 100 (RACK.rtt) + 25 (reo_wnd): the reordering timer
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.fastRetransmits).to.equal(1);
    expect(h.counters.timeouts).to.equal(0);
  });

  it('the DupAck detector waits for the retransmission timer in the same case', () => {
    const h = fourInFlight('dupack');
    h.advanceTo(200);
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 3001] });
    h.advanceTo(225);
    h.expectNothing();
    expect(h.counters.fastRetransmits).to.equal(0);
  });

  it('three segments SACKed above a hole mark it lost at once when no reordering was seen', () => {
    const h = fourInFlight();
    h.advanceTo(200);
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 3001] });
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 4001] });
    h.expectNothing();
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 5001] });
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
  });

  it('a retransmission lost again is resent by time, without waiting for the RTO', () => {
    const h = fourInFlight();
    h.advanceTo(200);
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 3001] });
    h.advanceTo(225);
    expect(dataSeqs(h)).to.deep.equal([1001]); // retransmitted at 225, and lost again
    // New data sent after the retransmission is delivered: 1001 (sent at 225) is older than
    // RACK.xmit_ts and, in recovery (reo_wnd 0), lost RACK.rtt after its retransmission.
    h.advanceTo(250);
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 5001] });
    h.conn.write(pattern(1000, 1));
    expect(dataSeqs(h)).to.deep.equal([5001]);
    h.advanceTo(350); // the RTO would fire at 400
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 6001] });
    expect(dataSeqs(h)).to.deep.equal([1001]);
    expect(h.counters.timeouts).to.equal(0);
    expect(h.counters.retransmissions).to.equal(2);
  });

  it('reordering within reo_wnd causes no spurious retransmission, where the DupAck rule resends', () => {
    for (const detector of ['rack', 'dupack'] as const) {
      const h = fourInFlight(detector);
      // Episode 1: 1001 arrives after 2001 (reordering, nothing lost).
      h.advanceTo(200);
      h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 3001] });
      h.advanceTo(205);
      h.send({ flags: ACK, seq: 5001, ack: 3001 });
      h.send({ flags: ACK, seq: 5001, ack: 5001 });
      h.conn.write(pattern(5000, 2));
      expect(dataSeqs(h)).to.have.length.of.at.least(4); // 5001 .. sent at 205
      // Episode 2: 5001 is overtaken by three segments, then arrives 10 ms later.
      h.advanceTo(305);
      h.send({ flags: ACK, seq: 5001, ack: 5001, sack: [6001, 7001] });
      h.send({ flags: ACK, seq: 5001, ack: 5001, sack: [6001, 8001] });
      h.send({ flags: ACK, seq: 5001, ack: 5001, sack: [6001, 9001] });
      const resent = dataSeqs(h);
      h.advanceTo(315);
      h.send({ flags: ACK, seq: 5001, ack: 9001 });
      h.advanceTo(400);
      h.collect();
      if (detector === 'rack') {
        // RACK saw reordering in episode 1: reo_wnd stays open although 3 segments are SACKed.
        expect(resent).to.deep.equal([]);
        expect(h.counters.retransmissions).to.equal(0);
      } else {
        expect(resent).to.include(5001); // the spurious fast retransmit RACK avoids
      }
    }
  });

  it('a D-SACK for a needless retransmission widens reo_wnd (min_rtt / 4 per step)', () => {
    const h = fourInFlight();
    h.advanceTo(200);
    h.send({ flags: ACK, seq: 5001, ack: 1001, sack: [2001, 3001] });
    h.advanceTo(225);
    expect(dataSeqs(h)).to.deep.equal([1001]); // needless: 1001 was only late
    h.advanceTo(230);
    h.send({ flags: ACK, seq: 5001, ack: 5001 });
    // The peer got 1001 twice and says so (RFC 2883): reo_wnd_mult 1 -> 2, reo_wnd 50 ms.
    h.advanceTo(325);
    h.send({ flags: ACK, seq: 5001, ack: 5001, sack: [1001, 2001] });
    h.conn.write(pattern(2000, 3));
    expect(dataSeqs(h)).to.deep.equal([5001, 6001]);
    h.advanceTo(425);
    h.send({ flags: ACK, seq: 5001, ack: 5001, sack: [6001, 7001] });
    h.advanceTo(450); // where reo_wnd = 25 ms would have resent it
    h.expectNothing();
    h.advanceTo(474);
    h.expectNothing();
    h.advanceTo(475); // 325 + 100 + 50
    expect(dataSeqs(h)).to.deep.equal([5001]);
  });
});
