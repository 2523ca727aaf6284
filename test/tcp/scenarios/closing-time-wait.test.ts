// CLOSING and TIME-WAIT: simultaneous close and the 2MSL wait (RFC 9293 §3.6, §3.10.7.4).

import { expect } from 'chai';
import { ACK, FIN, RST, SYN } from '../../../src/tcp/index.js';
import { Harness } from '../harness.js';

function timeWait(): Harness {
  const h = Harness.established({ config: { timeWaitTime: 60000 } });
  h.conn.close(h.now);
  h.collect();
  h.send({ flags: FIN | ACK, seq: 5001, ack: 1002 });
  h.collect();
  h.events();
  return h;
}

describe('tcp scenarios: CLOSING / TIME-WAIT', () => {
  it('simultaneous close: FINs cross → CLOSING; the ACK of our FIN → TIME-WAIT; CLOSED after 2MSL', () => {
    const h = Harness.established({ config: { timeWaitTime: 60000 } });
    h.conn.close(h.now);
    h.expect({ flags: FIN | ACK, seq: 1001, ack: 5001, window: 16384 });
    h.now = 10;
    h.send({ flags: FIN | ACK, seq: 5001, ack: 1001 }); // the peer's FIN, not acknowledging ours
    expect(h.conn.state).to.equal('CLOSING');
    h.expect({ flags: ACK, seq: 1002, ack: 5002, window: 16383 });
    h.now = 20;
    h.send({ flags: ACK, seq: 5002, ack: 1002 });
    expect(h.conn.state).to.equal('TIME-WAIT');
    expect(h.conn.nextTimeout).to.equal(20 + 60000);
    h.advanceTo(60019);
    expect(h.conn.state).to.equal('TIME-WAIT');
    h.advanceTo(60020);
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['end', 'closed']);
  });

  it('CLOSING: our FIN is retransmitted on RTO', () => {
    const h = Harness.established();
    h.conn.close(h.now);
    h.collect();
    h.send({ flags: FIN | ACK, seq: 5001, ack: 1001 });
    h.collect();
    expect(h.fireNext()).to.equal(200);
    h.expect({ flags: FIN | ACK, seq: 1001, ack: 5002, window: 16383 });
  });

  it('CLOSING: an exact RST → CLOSED without an error', () => {
    const h = Harness.established();
    h.conn.close(h.now);
    h.collect();
    h.send({ flags: FIN | ACK, seq: 5001, ack: 1001 });
    h.events();
    h.send({ flags: RST, seq: 5002 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['closed']);
  });

  it('TIME-WAIT: a retransmitted FIN is ACKed again and restarts the 2MSL timer', () => {
    const h = timeWait();
    expect(h.conn.state).to.equal('TIME-WAIT');
    h.advanceTo(30000);
    h.send({ flags: FIN | ACK, seq: 5001, ack: 1002 });
    h.expect({ flags: ACK, seq: 1002, ack: 5002, window: 16383 });
    expect(h.conn.nextTimeout).to.equal(30000 + 60000);
    h.advanceTo(60000);
    expect(h.conn.state).to.equal('TIME-WAIT');
  });

  it('TIME-WAIT: an exact RST → CLOSED, no error', () => {
    const h = timeWait();
    h.send({ flags: RST, seq: 5002 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['closed']);
  });

  it('TIME-WAIT: a RST not at RCV.NXT is challenged, the wait goes on', () => {
    const h = timeWait();
    h.send({ flags: RST, seq: 5003 });
    h.expect({ flags: ACK, seq: 1002, ack: 5002, window: 16383 });
    expect(h.conn.state).to.equal('TIME-WAIT');
  });

  it('TIME-WAIT: a SYN gets a challenge ACK (RFC 5961 §4)', () => {
    const h = timeWait();
    h.send({ flags: SYN, seq: 9000 });
    h.expect({ flags: ACK, seq: 1002, ack: 5002, window: 16383 });
    expect(h.conn.state).to.equal('TIME-WAIT');
  });

  it('TIME-WAIT: a plain duplicate ACK changes nothing', () => {
    const h = timeWait();
    h.send({ flags: ACK, seq: 5002, ack: 1002 });
    h.expectNothing();
    expect(h.conn.state).to.equal('TIME-WAIT');
  });

  it('TIME-WAIT: a new SYN may reuse the 4-tuple when its sequence number is beyond RCV.NXT (RFC 1122 §4.2.2.13)', () => {
    const h = timeWait();
    const syn = (seq: number) => h.segment({ flags: SYN, seq });
    expect(h.conn.canReuseForSyn(syn(5002 + 100000))).to.equal(true);
    expect(h.conn.canReuseForSyn(syn(5001))).to.equal(false);
    expect(h.conn.canReuseForSyn(h.segment({ flags: SYN | ACK, seq: 900000, ack: 1 }))).to.equal(false);
  });

  it('TIME-WAIT with timestamps: reuse needs a newer TSval (RFC 6191)', () => {
    const h = Harness.connect({ config: { timestamps: true } });
    h.collect();
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460, tsVal: 100, tsEcr: 1000 });
    h.conn.close(h.now);
    h.collect();
    h.send({ flags: FIN | ACK, seq: 5001, ack: 1002, tsVal: 200, tsEcr: 1000 });
    expect(h.conn.state).to.equal('TIME-WAIT');
    expect(h.conn.canReuseForSyn(h.segment({ flags: SYN, seq: 1, tsVal: 201 }))).to.equal(true);
    expect(h.conn.canReuseForSyn(h.segment({ flags: SYN, seq: 9999999, tsVal: 150 }))).to.equal(false);
  });

  it('canReuseForSyn is false outside TIME-WAIT', () => {
    const h = Harness.established();
    expect(h.conn.canReuseForSyn(h.segment({ flags: SYN, seq: 9999999 }))).to.equal(false);
  });
});
