// Retransmission timer (RFC 6298): exact deadlines, exponential backoff, Karn's algorithm,
// bounded retries then ETIMEDOUT, go-back-N in slow start after a timeout.
//
// After Harness.established() the handshake's zero-RTT sample makes the RTO minRto (200 ms).

import { expect } from 'chai';
import { ACK, PSH } from '../../../src/tcp/index.js';
import { Harness, bytes, pattern } from '../harness.js';

describe('tcp scenarios: retransmission', () => {
  it('RTO retransmits at 200, 600, 1400 (doubling) and gives up with ETIMEDOUT after maxRetries', () => {
    const h = Harness.established({ config: { maxRetries: 3 } });
    h.conn.write(bytes('abc'));
    const seg = { flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') };
    h.expect(seg);
    const fired: number[] = [];
    for (let i = 0; i < 3; i++) {
      fired.push(h.fireNext());
      h.expect(seg);
    }
    expect(fired).to.deep.equal([200, 600, 1400]);
    expect(h.conn.nextTimeout).to.equal(3000);
    h.fireNext();
    expect(h.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
    expect(h.conn.state).to.equal('CLOSED');
    h.expectNothing();
    expect(h.counters.retransmissions).to.equal(3);
    expect(h.counters.timeouts).to.equal(4);
  });

  it('the backoff is capped at maxRto', () => {
    const h = Harness.established({ config: { initialRto: 500, maxRto: 500, maxRetries: 10 } });
    h.conn.write(bytes('abc'));
    h.collect();
    const fired: number[] = [];
    for (let i = 0; i < 4; i++) {
      fired.push(h.fireNext());
      h.collect();
    }
    expect(fired).to.deep.equal([200, 600, 1100, 1600]);
  });

  it('an ACK of new data restarts the timer; the last ACK stops it', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(2000));
    h.collect();
    expect(h.conn.nextTimeout).to.equal(200);
    h.now = 150;
    h.send({ flags: ACK, seq: 5001, ack: 2001 });
    // The RTT sample (150 ms) also updates the RTO: RTTVAR 0.75*0 + 0.25*150 = 37.5,
    // SRTT 0.875*0 + 0.125*150 = 18.75, RTO = max(200, 18.75 + 150) = 200.
    expect(h.conn.nextTimeout).to.equal(350);
    h.send({ flags: ACK, seq: 5001, ack: 3001 });
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });

  it('RTT from a timed segment without timestamps sets the RTO (SRTT + 4 RTTVAR)', () => {
    const h = Harness.established({ config: { minRto: 10 } });
    h.conn.write(bytes('a'));
    h.collect();
    h.now = 100;
    h.send({ flags: ACK, seq: 5001, ack: 1002 });
    // Samples 0 then 100: SRTT 12.5, RTTVAR 25, RTO 12.5 + 100 = 112.5.
    h.conn.write(bytes('b'));
    h.collect();
    expect(h.conn.nextTimeout).to.equal(212.5);
  });

  it('Karn: the ACK of a retransmitted segment gives no RTT sample; the backed-off RTO stays', () => {
    const h = Harness.established({ config: { minRto: 10 } });
    // handshake sample 0 → RTO = 0 + max(G=1, 0) → clamped to minRto 10
    h.conn.write(bytes('a'));
    h.collect();
    expect(h.fireNext()).to.equal(10);
    h.collect();
    h.now = 15;
    h.send({ flags: ACK, seq: 5001, ack: 1002 });
    h.conn.write(bytes('b'));
    h.collect();
    expect(h.conn.nextTimeout).to.equal(15 + 20); // still the doubled RTO, no sample of 15 ms
  });

  it('after a timeout only one segment goes out (cwnd = 1 MSS), then slow start resends the rest', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(3000));
    expect(h.collect()).to.have.length(3);
    h.fireNext();
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    h.send({ flags: ACK, seq: 5001, ack: 2001 });
    h.expect(
      { flags: ACK, seq: 2001, ack: 5001, window: 16384, payload: 1000 },
      { flags: ACK | PSH, seq: 3001, ack: 5001, window: 16384, payload: 1000 },
    );
    expect(h.counters.retransmissions).to.equal(3);
  });

  it('after a timeout rewinds SND.NXT, ACKs still carry the highest sequence number sent', () => {
    // The peer may hold everything we sent; an ACK numbered below its RCV.NXT would fail its
    // acceptability test and be ignored (two ends timing out together would then deadlock).
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(3000));
    h.collect();
    h.fireNext();
    h.collect(); // 1001..2001 again
    h.send({ flags: ACK, seq: 5101, ack: 1001, payload: pattern(10) }); // out of order: dup ACK now
    h.expect({ flags: ACK, seq: 4001, ack: 5001, window: 16384 });
    h.conn.abort(h.now);
    h.expect({ flags: 0x04, seq: 4001 });
  });

  it('an ACK beyond what was resent after a timeout (the receiver had it) skips ahead', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(3000));
    h.collect();
    h.fireNext();
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 4001 });
    expect(h.conn.bufferedSend).to.equal(0);
    h.expectNothing();
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });
  it('a retransmission stays within the peer window smaller than the MSS (RFC 9293 §3.8.6)', () => {
    // The peer offers 100 bytes: the first segment takes 100 of the 1000 queued. Its RTO
    // retransmission must resend those 100, not a full MSS of data the window never admitted
    // (a receiver can reject such a segment as a whole: it starts at RCV.NXT - k and ends past
    // its window, so neither end passes the acceptability test).
    const h = Harness.established({}, { window: 100 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(1000));
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: pattern(100) });
    expect(h.fireNext()).to.equal(200);
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: pattern(100) });
    // Fast retransmit likewise, into a window now 150 bytes past SND.UNA.
    const f = Harness.established({}, { window: 100 });
    f.conn.setNoDelay(true);
    f.conn.write(pattern(1000));
    f.collect();
    f.send({ flags: ACK, seq: 5001, ack: 1051, window: 150 });
    f.expect({ flags: ACK, seq: 1101, ack: 5001, window: 16384, payload: 100 });
    // 150 bytes outstanding are less than one MSS: no early retransmit (RFC 5827), three
    // duplicate ACKs (RFC 5681 §3.2).
    f.send({ flags: ACK, seq: 5001, ack: 1051, window: 150 });
    f.send({ flags: ACK, seq: 5001, ack: 1051, window: 150 });
    f.expectNothing();
    f.send({ flags: ACK, seq: 5001, ack: 1051, window: 150 });
    const [rexmit] = f.collect();
    expect([rexmit!.seq, rexmit!.payload.length]).to.deep.equal([1051, 150]);
  });
});
