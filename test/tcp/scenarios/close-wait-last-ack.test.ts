// CLOSE-WAIT and LAST-ACK: the peer closes first (passive close).

import { expect } from 'chai';
import { ACK, FIN, PSH, RST } from '../../../src/tcp/index.js';
import { Harness, bytes } from '../harness.js';

function peerClosed(): Harness {
  const h = Harness.established();
  h.send({ flags: ACK | PSH | FIN, seq: 5001, ack: 1001, payload: bytes('bye') });
  return h;
}

describe('tcp scenarios: CLOSE-WAIT / LAST-ACK', () => {
  it('the peer FIN → CLOSE-WAIT, ACKed at once; end follows the data', () => {
    const h = peerClosed();
    expect(h.conn.state).to.equal('CLOSE-WAIT');
    // 16384 - 3 unread - 1: the FIN's sequence number does not move the right edge.
    h.expect({ flags: ACK, seq: 1001, ack: 5005, window: 16380 });
    expect(h.eventTypes()).to.deep.equal(['readable', 'end']);
    expect(new TextDecoder().decode(h.conn.read()!)).to.equal('bye');
  });

  it('CLOSE-WAIT: we can still send; close → LAST-ACK with FIN; its ACK → CLOSED', () => {
    const h = peerClosed();
    h.collect();
    h.events();
    h.conn.write(bytes('ok'));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5005, window: 16380, payload: bytes('ok') });
    h.conn.close(h.now);
    expect(h.conn.state).to.equal('LAST-ACK');
    h.expect({ flags: FIN | ACK, seq: 1003, ack: 5005, window: 16380 });
    h.send({ flags: ACK, seq: 5005, ack: 1003 });
    expect(h.conn.state).to.equal('LAST-ACK');
    h.send({ flags: ACK, seq: 5005, ack: 1004 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['closed']);
    h.expectNothing();
  });

  it('LAST-ACK: the FIN is retransmitted on RTO until acknowledged', () => {
    const h = peerClosed();
    h.collect();
    h.conn.close(h.now);
    h.collect();
    expect(h.fireNext()).to.equal(200);
    h.expect({ flags: FIN | ACK, seq: 1001, ack: 5005, window: 16380 });
  });

  it('LAST-ACK: an exact RST closes without an error', () => {
    const h = peerClosed();
    h.collect();
    h.conn.close(h.now);
    h.collect();
    h.events();
    h.send({ flags: RST, seq: 5005 });
    expect(h.conn.state).to.equal('CLOSED');
    expect(h.eventTypes()).to.deep.equal(['closed']);
  });

  it('CLOSE-WAIT: a retransmitted FIN is ACKed again and changes nothing', () => {
    const h = peerClosed();
    h.collect();
    h.events();
    h.send({ flags: ACK | PSH | FIN, seq: 5001, ack: 1001, payload: bytes('bye') });
    h.expect({ flags: ACK, seq: 1001, ack: 5005, window: 16380 });
    expect(h.conn.state).to.equal('CLOSE-WAIT');
    expect(h.eventTypes()).to.deep.equal([]);
  });

  it('CLOSE-WAIT: text after the peer FIN is ignored (RFC 9293 §3.10.7.4 seventh)', () => {
    const h = peerClosed();
    h.collect();
    h.events();
    h.conn.read();
    h.send({ flags: ACK, seq: 5005, ack: 1001, payload: bytes('ghost') });
    expect(h.conn.readable).to.equal(0);
    expect(h.eventTypes()).to.deep.equal([]);
    expect(h.counters.dropped.unexpected).to.equal(1);
  });

  it('CLOSE-WAIT: RST at RCV.NXT → ECONNRESET', () => {
    const h = peerClosed();
    h.collect();
    h.events();
    h.send({ flags: RST, seq: 5005 });
    expect(h.eventTypes()).to.deep.equal(['error:ECONNRESET', 'closed']);
  });
});
