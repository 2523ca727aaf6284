// Tail loss probe (RFC 8985 §7): with RACK, a flight whose last segments are lost draws no ACK
// to detect them by; 2·SRTT after the last send (plus 2 ms slack, as Linux) one probe goes out
// instead of waiting for the retransmission timer. Virtual time, a 10 ms round trip (the SYN at
// t = 0, its SYN-ACK at t = 10): SRTT 10 ms, so the PTO is 22 ms and the RTO its 200 ms floor.

import { expect } from 'chai';
import { ACK, PSH } from '../../../src/tcp/index.js';
import { pattern } from '../harness.js';
import { dataSeqs, sackEstablished } from '../rack-harness.js';

describe('tcp scenarios: tail loss probe (RFC 8985 §7)', () => {
  it('the last two segments lost: the last one is probed at 2·SRTT and RACK resends the other, no RTO', () => {
    const h = sackEstablished(10);
    h.conn.write(pattern(4000));
    expect(dataSeqs(h)).to.deep.equal([1001, 2001, 3001, 4001]);
    h.advanceTo(20);
    h.send({ flags: ACK, seq: 5001, ack: 3001 }); // 3001 and 4001 are lost
    h.advanceTo(41);
    h.expectNothing();
    h.advanceTo(42); // the ACK at 20 + 2·10 + 2: nothing new to send, so the last segment again
    h.expect({ flags: ACK | PSH, seq: 4001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.tailLossProbes).to.equal(1);
    // Its ACK SACKs it: 3001, sent before it, is lost by RACK and goes at once.
    h.advanceTo(52);
    h.send({ flags: ACK, seq: 5001, ack: 3001, sack: [4001, 5001] });
    h.expect({ flags: ACK, seq: 3001, ack: 5001, window: 16384, payload: 1000 });
    h.advanceTo(62);
    h.send({ flags: ACK, seq: 5001, ack: 5001 });
    h.advanceTo(1000);
    h.expectNothing();
    expect(h.conn.bufferedSend).to.equal(0);
    expect(h.counters.timeouts).to.equal(0);
    expect(h.counters.retransmissions).to.equal(2);
  });

  it('without it (the DupAck detector) the same tail waits for the RTO', () => {
    const h = sackEstablished(10, 'dupack');
    h.conn.write(pattern(4000));
    h.collect();
    h.advanceTo(20);
    h.send({ flags: ACK, seq: 5001, ack: 3001 });
    h.advanceTo(219);
    h.expectNothing();
    h.advanceTo(220);
    expect(dataSeqs(h)).to.deep.equal([3001]);
    expect(h.counters.timeouts).to.equal(1);
  });

  it('the probe is new data when some waits and the peer window admits it; one probe per episode', () => {
    const h = sackEstablished(10);
    h.conn.write(pattern(12000));
    expect(dataSeqs(h)).to.have.length(10); // the initial window; 2000 bytes wait for cwnd
    h.advanceTo(31);
    h.expectNothing();
    h.advanceTo(32); // nothing acknowledged 2·SRTT + 2 after the last send
    h.expect({ flags: ACK, seq: 11001, ack: 5001, window: 16384, payload: 1000 });
    // No second probe: the RTO, re-armed by the probe, is what comes next.
    h.advanceTo(231);
    h.expectNothing();
    h.advanceTo(232);
    expect(dataSeqs(h)).to.deep.equal([1001]);
    expect(h.counters.tailLossProbes).to.equal(1);
    expect(h.counters.timeouts).to.equal(1);
  });

  it("no probe into a closed window: that is the persist timer's job", () => {
    const h = sackEstablished(10);
    h.conn.write(pattern(4000));
    h.collect();
    h.advanceTo(20);
    h.send({ flags: ACK, seq: 5001, ack: 3001, window: 0 });
    h.advanceTo(100);
    h.expectNothing();
    expect(h.counters.tailLossProbes).to.equal(0);
  });
});
