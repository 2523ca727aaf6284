// Deviations from RFC 9293 / 5961 / 7323 / 5681 found by a segment-by-segment review (issue 11),
// one scenario each, grouped by the state they happen in. Every one of these failed before its fix.

import { expect } from 'chai';
import { ACK, FIN, PSH, SYN } from '../../../src/tcp/index.js';
import { Harness, bytes, pattern } from '../harness.js';

describe('tcp scenarios: RFC conformance (issue 11)', () => {
  describe('ESTABLISHED', () => {
    it('TS.Recent is not taken from a segment dropped for its ACK (RFC 7323 §4.3, RFC 5961 §5.2)', () => {
      const h = Harness.connect({ config: { timestamps: true } });
      h.collect();
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460, tsVal: 5555, tsEcr: 1000 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, tsVal: 1000, tsEcr: 5555 });
      // In window, a TSval far in the future, and an ACK for data never sent: dropped with a
      // challenge ACK that still echoes the old TS.Recent.
      h.send({ flags: ACK, seq: 5001, ack: 9999, tsVal: 0x70000000, tsEcr: 1000 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, tsVal: 1000, tsEcr: 5555 });
      expect(h.counters.dropped.badAck).to.equal(1);
      // The peer's real next segment passes PAWS: the connection is not wedged.
      h.send({ flags: ACK | PSH, seq: 5001, ack: 1001, tsVal: 5600, tsEcr: 1000, payload: bytes('ab') });
      expect(h.conn.readable).to.equal(2);
      expect(h.counters.dropped.paws).to.equal(0);
    });

    it('an out-of-order FIN (data missing before it) gets an immediate duplicate ACK (RFC 5681 §4.2)', () => {
      const h = Harness.established();
      h.send({ flags: FIN | ACK, seq: 5101, ack: 1001 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.state).to.equal('ESTABLISHED');
      // The missing 100 bytes arrive: the FIN is consumed with them.
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5102 });
      expect(h.conn.state).to.equal('CLOSE-WAIT');
    });

    it('a read that cannot change the capped window sends no update: no identical duplicate ACK (RFC 5681 §2)', () => {
      // No window scaling: the field is capped at 65535 while the buffer is 256 KiB.
      const h = Harness.established({ config: { receiveBufferSize: 262144 } });
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(1460) });
      h.send({ flags: ACK, seq: 6461, ack: 1001, payload: pattern(1460) });
      h.expect({ flags: ACK, seq: 1001, ack: 7921, window: 65535 });
      expect(h.conn.read()?.length).to.equal(2920);
      h.expectNothing();
      h.advance(1000);
      h.expectNothing();
    });

    it('a read that opens the window by the SWS amount still announces it (RFC 9293 §3.8.6.2.2)', () => {
      const h = Harness.established();
      h.conn.setNoDelay(true);
      for (let seq = 5001; seq < 5001 + 8 * 1460; seq += 1460) {
        h.send({ flags: ACK, seq, ack: 1001, payload: pattern(1460) });
      }
      h.collect();
      expect(h.conn.read()?.length).to.equal(8 * 1460);
      h.expect({ flags: ACK, seq: 1001, ack: 5001 + 8 * 1460, window: 16384 });
    });

    it('one duplicate ACK with one data segment outstanding does not retransmit; three do (RFC 5681 §3.2, RFC 5827)', () => {
      const h = Harness.established();
      h.conn.setNoDelay(true);
      h.conn.write(pattern(500));
      h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 500 });
      h.send({ flags: ACK, seq: 5001, ack: 1001 });
      h.expectNothing();
      h.send({ flags: ACK, seq: 5001, ack: 1001 });
      h.expectNothing();
      h.send({ flags: ACK, seq: 5001, ack: 1001 });
      h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 500 });
      expect(h.counters.fastRetransmits).to.equal(1);
    });

    it('a full-sized segment carrying the FIN is one segment: one duplicate ACK does not retransmit it', () => {
      const h = Harness.established({}, { mss: 1000 });
      h.conn.write(pattern(1000));
      h.conn.close(h.now);
      h.expect({ flags: ACK | PSH | FIN, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
      h.send({ flags: ACK, seq: 5001, ack: 1001 });
      h.expectNothing();
      expect(h.counters.fastRetransmits).to.equal(0);
    });
  });

  describe('FIN-WAIT-1 / CLOSING', () => {
    it('FIN-WAIT-1: one duplicate ACK with only our FIN outstanding does not retransmit it', () => {
      const h = Harness.established();
      h.conn.close(h.now);
      h.expect({ flags: FIN | ACK, seq: 1001, ack: 5001, window: 16384 });
      h.send({ flags: ACK, seq: 5001, ack: 1001 });
      h.expectNothing();
      expect(h.counters.retransmissions).to.equal(0);
      expect(h.conn.state).to.equal('FIN-WAIT-1');
    });

    it("CLOSING: the peer's retransmitted FIN that acknowledges ours → TIME-WAIT, and our ACK again", () => {
      const h = Harness.established({ config: { timeWaitTime: 60000 } });
      h.conn.close(h.now);
      h.collect();
      h.send({ flags: FIN | ACK, seq: 5001, ack: 1001 });
      expect(h.conn.state).to.equal('CLOSING');
      h.expect({ flags: ACK, seq: 1002, ack: 5002, window: 16383 }); // lost on the way
      h.now = 100;
      // The peer (now in LAST-ACK) resends its FIN, acknowledging our FIN this time.
      h.send({ flags: FIN | ACK, seq: 5001, ack: 1002 });
      expect(h.conn.state).to.equal('TIME-WAIT');
      h.expect({ flags: ACK, seq: 1002, ack: 5002, window: 16383 });
      expect(h.conn.nextTimeout).to.equal(100 + 60000);
      expect(h.counters.retransmissions).to.equal(0);
    });
  });

  describe('SYN-SENT / SYN-RECEIVED', () => {
    it('SYN retransmission goes on for at least 3 minutes by default (RFC 9293 MUST-23)', () => {
      const h = Harness.connect({ config: { synRetries: undefined } });
      let syns = 0;
      let failedAt = -1;
      for (let i = 0; i < 20 && failedAt < 0; i++) {
        syns += h.collect().filter((s) => s.flags === SYN).length;
        const at = h.fireNext();
        if (h.eventTypes().includes('error:ETIMEDOUT')) failedAt = at;
      }
      expect(failedAt).to.be.at.least(180000);
      // SYNs at 0, 1, 3, 7, 15, 31, 63 and 127 s; the last wait is capped at maxRto (120 s).
      expect(failedAt).to.equal(247000);
      expect(syns).to.equal(8);
    });

    it('passive SYN-RECEIVED: a new SYN in the window drops the embryonic connection quietly (§3.10.7.4)', () => {
      const h = Harness.accept({ mss: 1460 });
      h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
      h.send({ flags: SYN, seq: 5100, mss: 1460 });
      h.expectNothing();
      expect(h.conn.state).to.equal('CLOSED');
      expect(h.eventTypes()).to.deep.equal(['closed']);
      // The retransmitted original SYN still gets the SYN,ACK again (our SYN,ACK was lost).
      const r = Harness.accept({ mss: 1460 });
      r.collect();
      r.send({ flags: SYN, seq: 5000, mss: 1460 });
      r.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
    });
  });
});
