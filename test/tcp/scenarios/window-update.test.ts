// The send window taken from a segment that acknowledges new data even when its sequence number
// is old (a retransmission): the window is relative to that ACK, so keeping the previous window
// would move the right edge right by the bytes acknowledged, and we would send past what the peer
// offered. Found by the kernel interop tests (an echo over a lossy path: the peer's data
// retransmissions carried its newer ACKs; our segments beyond its window were dropped, our later
// pure ACKs were then out of its zero window, and the connection crawled from RTO to RTO).

import { expect } from 'chai';
import { ACK } from '../../../src/tcp/index.js';
import { Harness, pattern } from '../harness.js';

describe('tcp scenarios: window updates', () => {
  it('an old-sequence segment that acknowledges new data updates the window (as Linux does)', () => {
    // Windows in whole segments (MSS 1460), so silly-window avoidance holds nothing back.
    const h = Harness.established({}, { window: 8760 });
    // The peer's first data segment is lost; its second arrives out of order and moves SND.WL1
    // to 5101.
    h.send({ flags: ACK, seq: 5101, ack: 1001, window: 8760, payload: pattern(100, 1) });
    h.conn.write(pattern(30_000, 2));
    const first = h.collect().filter((s) => s.payload.length > 0);
    const sentEnd = Math.max(...first.map((s) => s.seq + s.payload.length));
    expect(sentEnd).to.equal(1001 + 8760); // exactly the offered window
    // The peer retransmits its first segment (SEQ older than SND.WL1, but at RCV.NXT) with an ACK
    // of three segments and the window that keeps its right edge where it was: 5381 + 4380 = 9761.
    h.send({ flags: ACK, seq: 5001, ack: 5381, window: 4380, payload: pattern(100) });
    const after = h.collect().filter((s) => s.payload.length > 0);
    const beyond = after.filter((s) => s.seq + s.payload.length > 9761);
    expect(
      beyond.map((s) => [s.seq, s.payload.length]),
      "segments past the peer's right edge",
    ).to.deep.equal([]);
    // A later in-order segment opening the window lets the rest go.
    h.send({ flags: ACK, seq: 5201, ack: 5381, window: 8760 }); // 5001..5201 is all in now
    const more = h.collect().filter((s) => s.payload.length > 0);
    expect(Math.max(...more.map((s) => s.seq + s.payload.length))).to.equal(5381 + 8760);
  });
});
