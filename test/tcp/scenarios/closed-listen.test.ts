// CLOSED and LISTEN (RFC 9293 §3.10.7.1 - 3.10.7.2): what a port with no connection answers.
// The stack owns listeners; it calls resetFor for anything that is not a SYN on a LISTEN port
// and for every segment on a closed port, so these rules live in resetFor.

import { expect } from 'chai';
import { ACK, FIN, PSH, RST, SYN, resetFor, type TcpSegment } from '../../../src/tcp/index.js';
import { Harness, bytes, LOCAL_PORT, REMOTE_PORT } from '../harness.js';

function seg(p: Partial<TcpSegment> & { flags: number }): TcpSegment {
  return {
    srcPort: REMOTE_PORT,
    dstPort: LOCAL_PORT,
    seq: 7000,
    ack: 0,
    window: 1000,
    urgentPointer: 0,
    payload: new Uint8Array(0),
    ...p,
  };
}

describe('tcp scenarios: CLOSED and LISTEN', () => {
  it('CLOSED: a segment with ACK is answered <SEQ=SEG.ACK><CTL=RST>, ports swapped', () => {
    const r = resetFor(seg({ flags: ACK | PSH, seq: 7000, ack: 123456, payload: bytes('data') }));
    expect(r).to.deep.equal({
      srcPort: LOCAL_PORT,
      dstPort: REMOTE_PORT,
      seq: 123456,
      ack: 0,
      flags: RST,
      window: 0,
      urgentPointer: 0,
      payload: new Uint8Array(0),
    });
  });

  it('CLOSED: without ACK the answer is <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN counting', () => {
    const r1 = resetFor(seg({ flags: SYN, seq: 7000 }));
    expect([r1!.seq, r1!.ack, r1!.flags]).to.deep.equal([0, 7001, RST | ACK]);
    const r2 = resetFor(seg({ flags: SYN | FIN, seq: 7000, payload: bytes('12345') }));
    expect(r2!.ack).to.equal(7007);
    const r3 = resetFor(seg({ flags: 0, seq: 7000, payload: bytes('abc') }));
    expect(r3!.ack).to.equal(7003);
  });

  it('CLOSED: SEG.SEQ+SEG.LEN wraps modulo 2^32', () => {
    const r = resetFor(seg({ flags: SYN, seq: 0xffffffff, payload: bytes('ab') }));
    expect(r!.ack).to.equal(2);
  });

  it('CLOSED and LISTEN: an incoming RST is never answered', () => {
    expect(resetFor(seg({ flags: RST, seq: 1 }))).to.equal(null);
    expect(resetFor(seg({ flags: RST | ACK, seq: 1, ack: 5 }))).to.equal(null);
  });

  it('LISTEN: an ACK (no SYN) is answered with <SEQ=SEG.ACK><CTL=RST>', () => {
    const r = resetFor(seg({ flags: ACK, seq: 9, ack: 0xfffffffe }));
    expect([r!.seq, r!.flags]).to.deep.equal([0xfffffffe, RST]);
  });

  it('a Connection that reached CLOSED drops further segments, counts them and sends nothing', () => {
    const h = Harness.established();
    h.send({ flags: RST, seq: 5001 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['error:ECONNRESET', 'closed']);
    const before = h.counters.dropped.unexpected;
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('late') });
    h.expectNothing();
    expect(h.counters.dropped.unexpected).to.equal(before + 1);
    expect(h.conn.readable).to.equal(0);
    expect(h.eventTypes()).to.deep.equal([]);
  });

  it('CLOSED: writing gives EPIPE and takes nothing', () => {
    const h = Harness.established();
    h.conn.abort(h.now);
    h.events();
    expect(h.conn.write(bytes('x'))).to.equal(0);
    expect(h.eventTypes()).to.deep.equal(['error:EPIPE']);
  });
});
