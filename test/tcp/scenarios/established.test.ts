// ESTABLISHED (RFC 9293 §3.10.7.4): the acceptability test, RST / SYN / ACK checks with the
// RFC 5961 mitigations, text processing, delayed ACKs, sending.
//
// Harness.established(): local ISS 1000 (SND.NXT 1001), peer ISS 5000 (RCV.NXT 5001), our
// window 16384, the peer's 16384, MSS 1460, no options; the handshake's zero RTT makes RTO 200.

import { expect } from 'chai';
import { ACK, PSH, RST, SYN, URG } from '../../../src/tcp/index.js';
import { Harness, bytes, pattern } from '../harness.js';

describe('tcp scenarios: ESTABLISHED', () => {
  describe('receiving', () => {
    it('in-order data is readable; a lone segment is ACKed after delayedAckTime', () => {
      const h = Harness.established();
      h.send({ flags: ACK | PSH, seq: 5001, ack: 1001, payload: bytes('hello') });
      h.expectNothing();
      expect(h.eventTypes()).to.deep.equal(['readable']);
      expect(h.conn.nextTimeout).to.equal(40);
      h.advance(39);
      h.expectNothing();
      h.advance(1);
      h.expect({ flags: ACK, seq: 1001, ack: 5006, window: 16379 });
      expect(new TextDecoder().decode(h.conn.read()!)).to.equal('hello');
      expect(h.conn.nextTimeout).to.equal(Infinity);
    });

    it('every second full-sized segment is ACKed at once (RFC 5681 §4.2)', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(1460) });
      h.expectNothing();
      h.send({ flags: ACK, seq: 6461, ack: 1001, payload: pattern(1460) });
      h.expect({ flags: ACK, seq: 1001, ack: 7921, window: 16384 - 2920 });
      expect(h.conn.nextTimeout).to.equal(Infinity);
    });

    it('out-of-order data: duplicate ACK at once; the segment that fills the hole is ACKed at once', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5101, ack: 1001, payload: pattern(100, 100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.readable).to.equal(0);
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100, 0) });
      h.expect({ flags: ACK, seq: 1001, ack: 5201, window: 16184 });
      const got = h.conn.read()!;
      expect(Array.from(got.subarray(0, 100))).to.deep.equal(Array.from(pattern(100, 0)));
      expect(Array.from(got.subarray(100))).to.deep.equal(Array.from(pattern(100, 100)));
    });

    it('several out-of-order segments in one batch get one duplicate ACK each (the sender counts them)', () => {
      const h = Harness.established();
      for (let i = 1; i <= 3; i++) h.send({ flags: ACK, seq: 5001 + 100 * i, ack: 1001, payload: pattern(100) });
      const dup = { flags: ACK, seq: 1001, ack: 5001, window: 16384 };
      h.expect(dup, dup, dup);
      // Once the hole is filled, the new ACK is sent once, not repeated as false duplicates.
      for (let i = 4; i <= 5; i++) h.send({ flags: ACK, seq: 5001 + 100 * i, ack: 1001, payload: pattern(100) });
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5601, window: 16384 - 600 });
    });

    it('acceptability: a segment partly before RCV.NXT is trimmed to its new bytes', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('abcd') });
      h.send({ flags: ACK, seq: 5003, ack: 1001, payload: bytes('cdef') });
      expect(new TextDecoder().decode(h.conn.read()!)).to.equal('abcdef');
    });

    it('acceptability: wholly old data is answered with an ACK and dropped', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('abcd') });
      h.advance(40);
      h.collect();
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('abcd') });
      h.expect({ flags: ACK, seq: 1001, ack: 5005, window: 16380 });
      expect(h.conn.readable).to.equal(4);
      expect(h.counters.dropped.outOfWindow).to.equal(1);
    });

    it('acceptability: a segment beyond the window is answered with an ACK and dropped', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001 + 16384, ack: 1001, payload: bytes('x') });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      h.send({ flags: ACK, seq: 5001 + 16384, ack: 1001 }); // zero length, one past the window
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.counters.dropped.outOfWindow).to.equal(2);
    });

    it('replies to unacceptable pure ACKs are limited to one per 500 ms (no ACK storm); data is always answered', () => {
      const h = Harness.established();
      const reply = { flags: ACK, seq: 1001, ack: 5001, window: 16384 };
      h.send({ flags: ACK, seq: 5001 + 20000, ack: 1001 });
      h.expect(reply);
      h.now += 499;
      h.send({ flags: ACK, seq: 5001 + 20000, ack: 1001 });
      h.send({ flags: ACK, seq: 4000, ack: 1001 }); // old, zero length
      h.expectNothing();
      expect(h.counters.outOfWindowAcksLimited).to.equal(2);
      // Old data means our ACK was lost: its sender needs the ACK, so it is never held back.
      h.send({ flags: ACK, seq: 4000, ack: 1001, payload: bytes('old') });
      h.expect(reply);
      h.now += 1;
      h.send({ flags: ACK, seq: 5001 + 20000, ack: 1001 });
      h.expect(reply);
      expect(h.counters.dropped.outOfWindow).to.equal(5);
    });

    it('acceptability with a zero window: only SEQ = RCV.NXT is acceptable; its ACK is used, its text is not', () => {
      const h = Harness.established({ config: { receiveBufferSize: 1000 } });
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(1000) });
      h.expect({ flags: ACK, seq: 1001, ack: 6001, window: 0 });
      // zero-length, not at RCV.NXT: unacceptable
      h.send({ flags: ACK, seq: 6002, ack: 1001 });
      h.expect({ flags: ACK, seq: 1001, ack: 6001, window: 0 });
      // data at RCV.NXT into the zero window: the ACK field counts, the byte does not
      h.conn.write(bytes('q'));
      h.collect();
      h.send({ flags: ACK, seq: 6001, ack: 1002, payload: bytes('z') });
      h.expect({ flags: ACK, seq: 1002, ack: 6001, window: 0 });
      expect(h.conn.bufferedSend).to.equal(0);
      expect(h.conn.readable).to.equal(1000);
    });

    it('URG is ignored safely: urgent data is delivered in line', () => {
      const h = Harness.established();
      h.send({ flags: ACK | URG, seq: 5001, ack: 1001, urgentPointer: 2, payload: bytes('abc') });
      expect(new TextDecoder().decode(h.conn.read()!)).to.equal('abc');
      h.send({ flags: ACK | URG, seq: 5004, ack: 1001, urgentPointer: 60000 });
      expect(h.conn.state).to.equal('ESTABLISHED');
    });

    it('a segment without ACK is dropped', () => {
      const h = Harness.established();
      h.send({ flags: PSH, seq: 5001, payload: bytes('x') });
      h.expectNothing();
      expect(h.conn.readable).to.equal(0);
      expect(h.counters.dropped.unexpected).to.equal(1);
    });
  });

  describe('RST and SYN (RFC 5961)', () => {
    it('RST with SEQ = RCV.NXT resets: ECONNRESET, CLOSED, nothing sent', () => {
      const h = Harness.established();
      h.conn.write(bytes('pending'));
      h.collect();
      h.send({ flags: RST, seq: 5001 });
      expect(h.conn.state).to.equal('CLOSED');
      expect(h.eventTypes()).to.deep.equal(['error:ECONNRESET', 'closed']);
      h.expectNothing();
      expect(h.conn.nextTimeout).to.equal(Infinity);
    });

    it('a write between the RST and the events (an echo reading the same batch) keeps ECONNRESET', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('hi') });
      h.send({ flags: RST, seq: 5003 });
      // The stack reports 'readable' first; an echo handler writes back before 'error' is polled.
      expect(h.conn.write(bytes('hi'))).to.equal(0);
      expect(h.eventTypes()).to.deep.equal(['readable', 'error:ECONNRESET', 'closed']);
    });

    it('RST in the window but not at RCV.NXT: challenge ACK, the connection stays', () => {
      const h = Harness.established();
      h.send({ flags: RST, seq: 5002 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.state).to.equal('ESTABLISHED');
      expect(h.counters.dropped.rstInvalid).to.equal(1);
    });

    it('RST outside the window is dropped silently', () => {
      const h = Harness.established();
      h.send({ flags: RST, seq: 5001 + 16384 });
      h.send({ flags: RST | ACK, seq: 4000, ack: 1001 });
      h.expectNothing();
      expect(h.conn.state).to.equal('ESTABLISHED');
    });

    it('SYN in a synchronized state: challenge ACK whatever its sequence number (RFC 5961 §4)', () => {
      const h = Harness.established();
      h.send({ flags: SYN, seq: 5100 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      h.now = 1000;
      h.send({ flags: SYN, seq: 9999999 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.state).to.equal('ESTABLISHED');
      expect(h.counters.dropped.synInvalid).to.equal(1);
      expect(h.counters.dropped.outOfWindow).to.equal(1);
    });

    it('a repeated SYN,ACK (our handshake ACK was lost) is ACKed again', () => {
      const h = Harness.established();
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.state).to.equal('ESTABLISHED');
    });

    it('challenge ACKs are rate-limited per connection (RFC 5961 §7)', () => {
      const h = Harness.established({ config: { challengeAckLimit: 2 } });
      const acks: number[] = [];
      for (let i = 0; i < 5; i++) {
        h.send({ flags: RST, seq: 5002 + i });
        acks.push(h.collect().length);
      }
      expect(acks).to.deep.equal([1, 1, 0, 0, 0]);
      expect(h.counters.challengeAcks).to.equal(2);
      expect(h.counters.challengeAcksLimited).to.equal(3);
      h.now = 1000; // a second later the budget is back
      h.send({ flags: SYN, seq: 5003 });
      expect(h.collect()).to.have.length(1);
    });
  });

  describe('ACK processing', () => {
    it('an ACK for data never sent: ACK and drop, text not taken', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001, ack: 1100, payload: bytes('x') });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.readable).to.equal(0);
      expect(h.counters.dropped.badAck).to.equal(1);
    });

    it('blind data injection: an ACK below SND.UNA - MAX.SND.WND is challenged and dropped (RFC 5961 §5)', () => {
      const h = Harness.established();
      h.send({ flags: ACK, seq: 5001, ack: 1001 - 16384 - 1, payload: bytes('evil') });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
      expect(h.conn.readable).to.equal(0);
      // An old ACK still within MAX.SND.WND is acceptable: the text is taken.
      h.send({ flags: ACK, seq: 5001, ack: 1001 - 16384, payload: bytes('good') });
      expect(h.conn.readable).to.equal(4);
    });

    it('an ACK of new data frees the send buffer and stops the retransmission timer', () => {
      const h = Harness.established();
      h.conn.write(bytes('abc'));
      h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') });
      expect(h.conn.bufferedSend).to.equal(3);
      expect(h.conn.nextTimeout).to.equal(200);
      h.now = 50;
      h.send({ flags: ACK, seq: 5001, ack: 1004 });
      expect(h.conn.bufferedSend).to.equal(0);
      expect(h.conn.nextTimeout).to.equal(Infinity);
      h.expectNothing();
    });

    it('window update: SND.WND comes only from segments newer by (SND.WL1, SND.WL2)', () => {
      const h = Harness.established();
      h.conn.setNoDelay(true);
      h.conn.write(pattern(100));
      h.collect();
      h.send({ flags: ACK, seq: 5001, ack: 1101, window: 0 }); // all acknowledged, window closed
      // A reordered older ACK (smaller SEG.ACK, same SEG.SEQ) must not reopen the window.
      h.send({ flags: ACK, seq: 5001, ack: 1051, window: 16384 });
      h.conn.write(bytes('more'));
      h.expectNothing();
      // A newer one does.
      h.send({ flags: ACK, seq: 5001, ack: 1101, window: 16384 });
      h.expect({ flags: ACK | PSH, seq: 1101, ack: 5001, window: 16384, payload: bytes('more') });
    });
  });

  describe('sending', () => {
    it('writes are cut into MSS-sized segments, PSH on the one that empties the buffer', () => {
      const h = Harness.established({}, { mss: 500 });
      h.conn.setNoDelay(true);
      h.conn.write(pattern(1200));
      const segs = h.expect(
        { flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 500 },
        { flags: ACK, seq: 1501, ack: 5001, window: 16384, payload: 500 },
        { flags: ACK | PSH, seq: 2001, ack: 5001, window: 16384, payload: 200 },
      );
      const joined = new Uint8Array(1200);
      let o = 0;
      for (const s of segs) {
        joined.set(s.payload, o);
        o += s.payload.length;
      }
      expect(Array.from(joined)).to.deep.equal(Array.from(pattern(1200)));
    });

    it('a full send buffer takes what fits; the ACK that frees room raises writable', () => {
      const h = Harness.established({ config: { sendBufferSize: 2000 } });
      expect(h.conn.write(pattern(3000))).to.equal(2000);
      expect(h.conn.sendBufferFree).to.equal(0);
      expect(h.conn.write(pattern(10))).to.equal(0);
      h.collect();
      h.send({ flags: ACK, seq: 5001, ack: 1001 + 1460 });
      expect(h.eventTypes()).to.deep.equal(['writable']);
      expect(h.conn.sendBufferFree).to.equal(1460);
    });

    it('abort sends <SEQ=SND.NXT><CTL=RST> and closes at once', () => {
      const h = Harness.established();
      h.conn.write(bytes('abc'));
      h.collect();
      h.conn.abort(h.now);
      h.expect({ flags: RST, seq: 1004 });
      expect(h.conn.state).to.equal('CLOSED');
      expect(h.eventTypes()).to.deep.equal(['closed']);
      expect(h.counters.resetsSent).to.equal(1);
    });
  });
});
