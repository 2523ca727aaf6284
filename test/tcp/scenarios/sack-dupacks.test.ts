// RFC 6675 §2: with SACK, an ACK that reports octets not SACKed before is a duplicate ACK even if
// it carries data or changes the window (unlike RFC 5681's definition). A peer that is sending
// too — an echo, any two-way transfer — reports our losses on its data segments; without this
// every such loss waited for the retransmission timer. Found by the kernel interop tests (20 MB
// echo with 2% loss: most of our retransmissions were RTO expiries).

import { expect } from 'chai';
import { ACK, SYN } from '../../../src/tcp/index.js';
import { Harness, pattern } from '../harness.js';

function eightInFlightWithSack(): Harness {
  const h = Harness.connect({ config: { sack: true } });
  h.collect();
  h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, sackPermitted: true });
  h.collect();
  h.conn.setNoDelay(true);
  h.conn.write(pattern(8000));
  expect(h.collect()).to.have.length(8); // 1001 .. 9001; 1001 is lost
  return h;
}

describe('tcp scenarios: SACK duplicate ACKs (RFC 6675)', () => {
  it('data segments from the peer that report new SACK blocks count as duplicate ACKs', () => {
    const h = eightInFlightWithSack();
    // The peer is sending too: each of its segments carries data, a growing window and the
    // SACK block for what it got past the hole.
    h.send({ flags: ACK, seq: 5001, ack: 1001, window: 16000, payload: pattern(100, 1), sack: [2001, 3001] });
    h.send({ flags: ACK, seq: 5101, ack: 1001, window: 16100, payload: pattern(100, 2), sack: [2001, 4001] });
    expect(h.counters.fastRetransmits).to.equal(0);
    h.send({ flags: ACK, seq: 5201, ack: 1001, window: 16200, payload: pattern(100, 3), sack: [2001, 5001] });
    const sent = h.collect().filter((s) => s.payload.length > 0);
    expect(sent.map((s) => s.seq)).to.deep.equal([1001]);
    expect(h.counters.fastRetransmits).to.equal(1);
    expect(h.counters.timeouts).to.equal(0);
  });

  it('a data segment repeating known SACK blocks is not a duplicate ACK', () => {
    const h = eightInFlightWithSack();
    for (let i = 0; i < 4; i++) {
      h.send({
        flags: ACK,
        seq: 5001 + 100 * i,
        ack: 1001,
        window: 16000 + i,
        payload: pattern(100, i),
        sack: [2001, 3001],
      });
    }
    // One report of new octets only (the first); the rest tell nothing new.
    expect(h.counters.fastRetransmits).to.equal(0);
    expect(h.collect().filter((s) => s.payload.length > 0)).to.deep.equal([]);
  });
});
