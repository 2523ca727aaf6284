// SYN-SENT (RFC 9293 §3.10.7.3) and the active / simultaneous open.

import { expect } from 'chai';
import { ACK, FIN, PSH, RST, SYN } from '../../../src/tcp/index.js';
import { Harness, bytes } from '../harness.js';

describe('tcp scenarios: SYN-SENT', () => {
  it('connect sends SYN <SEQ=ISS> with MSS and the configured options', () => {
    const h = Harness.connect({
      config: { timestamps: true, sack: true, windowScaling: true, receiveBufferSize: 262144 },
    });
    expect(h.conn.state).to.equal('SYN-SENT');
    // TSval = clock (0 ms) + per-connection offset (the ISS); TSecr 0 in a SYN.
    h.expect({
      flags: SYN,
      seq: 1000,
      window: 65535,
      mss: 1460,
      windowScale: 3,
      sackPermitted: true,
      tsVal: 1000,
      tsEcr: 0,
    });
    h.expectNothing();
  });

  it('SYN,ACK acknowledging the SYN → ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, established event', () => {
    const h = Harness.connect();
    h.collect();
    h.now = 30;
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, window: 8000, mss: 1400 });
    expect(h.conn.state).to.equal('ESTABLISHED');
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
    expect(h.eventTypes()).to.deep.equal(['established']);
    expect(h.conn.mssSend).to.equal(1400);
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });

  it('an ACK outside (ISS, SND.NXT] is answered <SEQ=SEG.ACK><CTL=RST> and dropped', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1000 });
    h.expect({ flags: RST, seq: 1000 });
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1002 });
    h.expect({ flags: RST, seq: 1002 });
    expect(h.conn.state).to.equal('SYN-SENT');
    expect(h.counters.dropped.badAck).to.equal(2);
  });

  it('a RST whose ACK is unacceptable is dropped without a reply', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: RST | ACK, seq: 0, ack: 999 });
    h.expectNothing();
    expect(h.conn.state).to.equal('SYN-SENT');
  });

  it('RST with an acceptable ACK: connection refused (ECONNREFUSED, CLOSED)', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: RST | ACK, seq: 0, ack: 1001 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['error:ECONNREFUSED', 'closed']);
    h.expectNothing();
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });

  it('a RST without ACK is dropped (it cannot be tied to our SYN)', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: RST, seq: 5000 });
    expect(h.conn.state).to.equal('SYN-SENT');
    expect(h.counters.dropped.rstInvalid).to.equal(1);
    expect(h.eventTypes()).to.deep.equal([]);
  });

  it('a FIN in SYN-SENT is dropped (RFC 9293 §3.10.7.4 eighth: RCV.NXT is unknown)', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: FIN, seq: 5000 });
    h.expectNothing();
    expect(h.conn.state).to.equal('SYN-SENT');
    expect(h.eventTypes()).to.deep.equal([]);
  });

  it('a segment with neither SYN nor RST is dropped', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: ACK, seq: 5000, ack: 1001, payload: bytes('x') });
    h.expectNothing();
    expect(h.conn.state).to.equal('SYN-SENT');
    expect(h.conn.readable).to.equal(0);
  });

  it('simultaneous open: a SYN → SYN-RECEIVED answered <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; the crossing SYN,ACK completes it', () => {
    const h = Harness.connect();
    h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1460 });
    h.send({ flags: SYN, seq: 5000, window: 16384, mss: 1460 });
    expect(h.conn.state).to.equal('SYN-RECEIVED');
    h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
    // The peer's SYN,ACK (its answer to our SYN) crosses ours: its SYN is the one we know.
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001 });
    expect(h.conn.state).to.equal('ESTABLISHED');
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
    expect(h.eventTypes()).to.deep.equal(['established']);
  });

  it('simultaneous open completed by a plain ACK', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: SYN, seq: 5000, mss: 1460 });
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1001 });
    expect(h.conn.state).to.equal('ESTABLISHED');
    expect(h.eventTypes()).to.deep.equal(['established']);
  });

  it('SYN retransmission: RTO 1 s doubling at exact deadlines, ETIMEDOUT after synRetries', () => {
    const h = Harness.connect({ config: { synRetries: 3 } });
    h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1460 });
    const deadlines: number[] = [];
    for (let i = 0; i < 3; i++) {
      deadlines.push(h.fireNext());
      h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1460 });
    }
    expect(deadlines).to.deep.equal([1000, 3000, 7000]);
    expect(h.conn.nextTimeout).to.equal(15000);
    h.fireNext();
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
    h.expectNothing();
    expect(h.counters.timeouts).to.equal(4);
    expect(h.counters.retransmissions).to.equal(3);
  });

  it('close() in SYN-SENT → CLOSED without a segment', () => {
    const h = Harness.connect();
    h.collect();
    h.conn.close(h.now);
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['closed']);
    h.expectNothing();
  });

  it('data and FIN on the SYN,ACK are taken after the SYN: CLOSE-WAIT, readable, end', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: SYN | ACK | PSH | FIN, seq: 5000, ack: 1001, mss: 1460, payload: bytes('hi') });
    expect(h.conn.state).to.equal('CLOSE-WAIT');
    // The right edge stays where the SYN put it (5001 + 16384): the FIN's one byte of sequence
    // space is not worth moving it for (receiver SWS avoidance), so 21385 - 5004 = 16381.
    h.expect({ flags: ACK, seq: 1001, ack: 5004, window: 16381 });
    expect(h.eventTypes()).to.deep.equal(['established', 'readable', 'end']);
    expect(new TextDecoder().decode(h.conn.read()!)).to.equal('hi');
  });

  it('RFC 6298 §5.7: when the SYN was retransmitted and no RTT was measured, data uses a 3 s RTO', () => {
    const h = Harness.connect();
    h.collect();
    h.fireNext(); // 1000: SYN again
    h.collect();
    h.now = 1100;
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460 });
    h.collect();
    h.conn.write(bytes('abc'));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') });
    expect(h.conn.nextTimeout).to.equal(1100 + 3000);
  });
});
