// D-SACK (RFC 2883): data that arrives twice is reported in the next ACK as a first SACK block
// below the ACK number, so that the sender learns its retransmission was needless (Linux undoes
// the reduction that came with it).

import { ACK, PSH, SYN } from '../../../src/tcp/index.js';
import { Harness, pattern } from '../harness.js';

function sackEstablished(): Harness {
  const h = Harness.connect({ config: { sack: true } });
  h.collect();
  h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460, sackPermitted: true });
  h.collect();
  return h;
}

describe('tcp scenarios: D-SACK (RFC 2883)', () => {
  it('a segment received twice is reported as a D-SACK block in the ACK it draws', () => {
    const h = sackEstablished();
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.advance(40);
    h.expect({ flags: ACK, seq: 1001, ack: 5101, window: 16284 });
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.expect({ flags: ACK, seq: 1001, ack: 5101, window: 16284, sack: [5001, 5101] });
    // Reported once: the next ACK carries no D-SACK.
    h.send({ flags: ACK, seq: 5101, ack: 1001, payload: pattern(1460) });
    h.send({ flags: ACK, seq: 6561, ack: 1001, payload: pattern(1460) });
    h.expect({ flags: ACK, seq: 1001, ack: 8021 });
  });

  it('the D-SACK block comes first, then the blocks of what is held out of order', () => {
    const h = sackEstablished();
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.advance(40);
    h.collect();
    h.send({ flags: ACK, seq: 5201, ack: 1001, payload: pattern(100) });
    h.expect({ flags: ACK, seq: 1001, ack: 5101, window: 16284, sack: [5201, 5301] });
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(50) });
    h.expect({ flags: ACK, seq: 1001, ack: 5101, window: 16284, sack: [5001, 5051, 5201, 5301] });
  });

  it('a data segment that carries the ACK ends the D-SACK: it is never reported late', () => {
    const h = sackEstablished();
    h.conn.setNoDelay(true);
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.advance(40);
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.conn.write(pattern(10));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5101, window: 16284, payload: 10 });
    h.send({ flags: ACK, seq: 5101, ack: 1011, payload: pattern(1460) });
    h.send({ flags: ACK, seq: 6561, ack: 1011, payload: pattern(1460) });
    h.expect({ flags: ACK, seq: 1011, ack: 8021 });
  });

  it('without SACK negotiated there is no D-SACK', () => {
    const h = Harness.established();
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.advance(40);
    h.collect();
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
    h.expect({ flags: ACK, seq: 1001, ack: 5101, window: 16284 });
  });
});
