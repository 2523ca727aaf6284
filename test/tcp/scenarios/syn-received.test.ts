// SYN-RECEIVED (RFC 9293 §3.10.7.4 for a passive open) through Connection.accept.

import { expect } from 'chai';
import { ACK, FIN, RST, SYN } from '../../../src/tcp/index.js';
import { Harness, bytes } from '../harness.js';

const ALL_OPTIONS = { timestamps: true, sack: true, windowScaling: true, receiveBufferSize: 262144 };

describe('tcp scenarios: SYN-RECEIVED', () => {
  it('accept answers <SEQ=ISS><ACK=SEG.SEQ+1><CTL=SYN,ACK>, mirroring the options the SYN offered', () => {
    const h = Harness.accept(
      { mss: 1200, windowScale: 7, sackPermitted: true, tsVal: 777, tsEcr: 0 },
      { config: ALL_OPTIONS },
    );
    expect(h.conn.state).to.equal('SYN-RECEIVED');
    h.expect({
      flags: SYN | ACK,
      seq: 1000,
      ack: 5001,
      window: 65535,
      mss: 1460,
      windowScale: 3,
      sackPermitted: true,
      tsVal: 1000,
      tsEcr: 777,
    });
    // The send MSS is the peer's 1200 less the 12 bytes every timestamped segment carries.
    expect(h.conn.mssSend).to.equal(1188);
  });

  it('options the SYN did not offer are not offered back; no MSS option means 536', () => {
    const h = Harness.accept({}, { config: ALL_OPTIONS });
    h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 65535, mss: 1460 });
    expect(h.conn.mssSend).to.equal(536);
  });

  it('the ACK of our SYN → ESTABLISHED with an established event', () => {
    const h = Harness.accept({ mss: 1460 });
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1001 });
    expect(h.conn.state).to.equal('ESTABLISHED');
    expect(h.eventTypes()).to.deep.equal(['established']);
    h.expectNothing();
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });

  it('an unacceptable ACK is answered <SEQ=SEG.ACK><CTL=RST>; the connection stays', () => {
    const h = Harness.accept();
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1005 });
    h.expect({ flags: RST, seq: 1005 });
    expect(h.conn.state).to.equal('SYN-RECEIVED');
    expect(h.counters.dropped.badAck).to.equal(1);
  });

  it('a segment without ACK is dropped', () => {
    const h = Harness.accept();
    h.collect();
    h.send({ flags: 0, seq: 5001, payload: bytes('x') });
    h.expectNothing();
    expect(h.conn.state).to.equal('SYN-RECEIVED');
    expect(h.conn.readable).to.equal(0);
  });

  it('an exact RST on a passive open closes quietly (back to LISTEN: no error for the user)', () => {
    const h = Harness.accept();
    h.collect();
    h.send({ flags: RST, seq: 5001 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['closed']);
  });

  it('an exact RST after a simultaneous open refuses the connection', () => {
    const h = Harness.connect();
    h.collect();
    h.send({ flags: SYN, seq: 5000 });
    h.collect();
    h.send({ flags: RST, seq: 5001 });
    expect(h.eventTypes()).to.deep.equal(['error:ECONNREFUSED', 'closed']);
  });

  it('a RST in the window but not at RCV.NXT gets a challenge ACK (RFC 5961 §3)', () => {
    const h = Harness.accept();
    h.collect();
    h.send({ flags: RST, seq: 5005 });
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
    expect(h.conn.state).to.equal('SYN-RECEIVED');
    expect(h.counters.challengeAcks).to.equal(1);
  });

  it('a retransmitted SYN gets the SYN,ACK again', () => {
    const h = Harness.accept({ mss: 1460 });
    h.collect();
    h.send({ flags: SYN, seq: 5000, mss: 1460 });
    h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
  });

  it('the SYN,ACK is retransmitted on RTO (1 s, 3 s) and the open fails after synAckRetries', () => {
    const h = Harness.accept({}, { config: { synAckRetries: 2, synRetries: 9 } });
    h.collect();
    expect(h.fireNext()).to.equal(1000);
    h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
    expect(h.fireNext()).to.equal(3000);
    h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
    expect(h.fireNext()).to.equal(7000);
    expect(h.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
  });

  it('by default 5 SYN,ACK retransmissions (Linux tcp_synack_retries), then the open fails at 63 s', () => {
    const h = Harness.accept();
    h.collect();
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      at.push(h.fireNext());
      h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 16384, mss: 1460 });
    }
    expect(at).to.deep.equal([1000, 3000, 7000, 15000, 31000]);
    expect(h.fireNext()).to.equal(63000);
    h.expectNothing();
    expect(h.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
  });

  it('close() in SYN-RECEIVED: the FIN follows once the handshake completes', () => {
    const h = Harness.accept({ mss: 1460 });
    h.collect();
    h.conn.close(h.now);
    h.expectNothing();
    h.send({ flags: ACK, seq: 5001, ack: 1001 });
    expect(h.conn.state).to.equal('FIN-WAIT-1');
    h.expect({ flags: FIN | ACK, seq: 1001, ack: 5001, window: 16384 });
  });

  it('data on the ACK that completes the handshake is delivered', () => {
    const h = Harness.accept({ mss: 1460 });
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('GET /') });
    expect(h.conn.state).to.equal('ESTABLISHED');
    expect(h.eventTypes()).to.deep.equal(['established', 'readable']);
    expect(new TextDecoder().decode(h.conn.read()!)).to.equal('GET /');
  });
});
