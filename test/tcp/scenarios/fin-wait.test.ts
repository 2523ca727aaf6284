// FIN-WAIT-1 and FIN-WAIT-2: our close, half-close, the peer's FIN.

import { expect } from 'chai';
import { ACK, FIN, PSH, RST } from '../../../src/tcp/index.js';
import { Harness, bytes } from '../harness.js';

function closing(): Harness {
  const h = Harness.established({ config: { timeWaitTime: 60000 } });
  h.conn.write(bytes('abc'));
  h.conn.close(h.now);
  return h;
}

describe('tcp scenarios: FIN-WAIT-1 / FIN-WAIT-2', () => {
  it('close sends the FIN after queued data, on the same segment; FIN-WAIT-1', () => {
    const h = closing();
    expect(h.conn.state).to.equal('FIN-WAIT-1');
    h.expect({ flags: FIN | PSH | ACK, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') });
    h.expectNothing();
  });

  it('FIN-WAIT-1: the ACK of our FIN → FIN-WAIT-2', () => {
    const h = closing();
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1004 }); // data acknowledged, FIN not yet
    expect(h.conn.state).to.equal('FIN-WAIT-1');
    h.send({ flags: ACK, seq: 5001, ack: 1005 });
    expect(h.conn.state).to.equal('FIN-WAIT-2');
    h.expectNothing();
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });

  it('FIN-WAIT-2: half-close, the peer still sends; its FIN → TIME-WAIT with an immediate ACK', () => {
    const h = closing();
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1005 });
    h.send({ flags: ACK | PSH, seq: 5001, ack: 1005, payload: bytes('reply') });
    expect(h.eventTypes()).to.deep.equal(['readable']);
    h.send({ flags: FIN | ACK, seq: 5006, ack: 1005 });
    expect(h.conn.state).to.equal('TIME-WAIT');
    // 16384 - 5 bytes unread - 1 for the FIN: the right edge does not move for the FIN.
    h.expect({ flags: ACK, seq: 1005, ack: 5007, window: 16378 });
    expect(h.eventTypes()).to.deep.equal(['end']);
    expect(new TextDecoder().decode(h.conn.read()!)).to.equal('reply');
    expect(h.conn.nextTimeout).to.equal(h.now + 60000);
  });

  it('FIN-WAIT-1: a FIN that also acknowledges ours → TIME-WAIT', () => {
    const h = closing();
    h.collect();
    h.send({ flags: FIN | ACK, seq: 5001, ack: 1005 });
    expect(h.conn.state).to.equal('TIME-WAIT');
    h.expect({ flags: ACK, seq: 1005, ack: 5002, window: 16383 });
  });

  it('FIN-WAIT-1: the FIN is retransmitted with its data on RTO', () => {
    const h = closing();
    h.collect();
    expect(h.fireNext()).to.equal(200);
    h.expect({ flags: FIN | PSH | ACK, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') });
    expect(h.conn.nextTimeout).to.equal(600);
  });

  it('a FIN that arrives before missing data is held until the data arrives', () => {
    const h = closing();
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1005 });
    h.send({ flags: FIN | ACK, seq: 5003, ack: 1005, payload: bytes('cd') });
    expect(h.conn.state).to.equal('FIN-WAIT-2');
    h.expect({ flags: ACK, seq: 1005, ack: 5001, window: 16384 });
    h.send({ flags: ACK, seq: 5001, ack: 1005, payload: bytes('ab') });
    expect(h.conn.state).to.equal('TIME-WAIT');
    h.expect({ flags: ACK, seq: 1005, ack: 5006, window: 16379 });
    expect(new TextDecoder().decode(h.conn.read()!)).to.equal('abcd');
  });

  it('writing after close gives EPIPE', () => {
    const h = closing();
    expect(h.conn.write(bytes('late'))).to.equal(0);
    expect(h.eventTypes()).to.deep.equal(['error:EPIPE']);
    expect(h.conn.state).to.equal('FIN-WAIT-1');
  });

  it('RST at RCV.NXT in FIN-WAIT-1 → ECONNRESET', () => {
    const h = closing();
    h.collect();
    h.send({ flags: RST, seq: 5001 });
    expect(h.eventTypes()).to.deep.equal(['error:ECONNRESET', 'closed']);
  });

  it('RST at RCV.NXT in FIN-WAIT-2 → ECONNRESET', () => {
    const h = closing();
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1005 });
    h.send({ flags: RST, seq: 5001 });
    expect(h.eventTypes()).to.deep.equal(['error:ECONNRESET', 'closed']);
  });
});
