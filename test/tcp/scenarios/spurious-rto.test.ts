// Spurious retransmission timeouts (issue 11 item 10): the RTO fired, yet the ACK that follows
// answers the original transmission. With timestamps the Eifel algorithm (RFC 3522 detection:
// TSecr older than the retransmission's TSval; RFC 4015 response) tells, and the timeout is
// undone: cwnd and ssthresh as before it, and sending resumes with new data at SND.MAX instead of
// going back to SND.UNA.

import { expect } from 'chai';
import { ACK, PSH, SYN } from '../../../src/tcp/index.js';
import { Harness, pattern } from '../harness.js';

const TS = { timestamps: true, sendBufferSize: 262144 };

/** Timestamps on (TSval = now + 1000), MSS 1000 → 988 bytes per segment; RTT 0 → RTO 200. */
function tsEstablished(): Harness {
  const h = Harness.connect({ config: TS });
  h.collect();
  h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, tsVal: 7000, tsEcr: 1000, window: 65535 });
  h.collect();
  h.conn.setNoDelay(true);
  return h;
}

describe('tcp scenarios: spurious RTO undo (Eifel, RFC 3522 / 4015)', () => {
  it('an ACK echoing the original TSval after an RTO undoes it: no go-back-N, cwnd restored', () => {
    const h = tsEstablished();
    h.conn.write(pattern(20 * 988));
    expect(h.collect()).to.have.length(10); // the initial window: 1001 .. 10881
    expect(h.fireNext()).to.equal(200);
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, tsVal: 1200, tsEcr: 7000, payload: 988 });
    expect(h.counters.timeouts).to.equal(1);
    h.now = 210;
    // The ACK of the first five originals (sent at 0: TSecr 1000 < 1200), delayed by a stall.
    h.send({ flags: ACK, seq: 5001, ack: 1001 + 5 * 988, tsVal: 7001, tsEcr: 1000, window: 65535 });
    expect(h.counters.spuriousTimeoutsUndone).to.equal(1);
    // New data from SND.MAX (10881), not 5941 again: five still in flight, cwnd back to 10 MSS
    // plus this ACK's slow-start growth (2 MSS): seven new segments.
    const out = h.collect();
    expect(out.map((s) => s.seq)).to.deep.equal([0, 1, 2, 3, 4, 5, 6].map((i) => 1001 + (10 + i) * 988));
    expect(out.every((s) => s.tsEcr === 7001 && s.payload.length === 988)).to.equal(true);
    expect(h.counters.retransmissions).to.equal(1);
  });

  it('an ACK echoing the retransmission (a real loss) undoes nothing: slow start from 1 MSS', () => {
    const h = tsEstablished();
    h.conn.write(pattern(20 * 988));
    h.collect();
    h.fireNext();
    h.collect();
    h.now = 210;
    h.send({ flags: ACK, seq: 5001, ack: 1001 + 988, tsVal: 7001, tsEcr: 1200, window: 65535 });
    expect(h.counters.spuriousTimeoutsUndone).to.equal(0);
    // cwnd 1 MSS + 1 MSS acked: the next two from SND.UNA (go-back-N).
    h.expect(
      { flags: ACK, seq: 1001 + 988, ack: 5001, window: 16384, tsVal: 1210, tsEcr: 7001, payload: 988 },
      { flags: ACK, seq: 1001 + 2 * 988, ack: 5001, window: 16384, tsVal: 1210, tsEcr: 7001, payload: 988 },
    );
  });

  it('undone, but a hole the SACK blocks report above the new SND.UNA is resent at once', () => {
    // The original at SND.UNA arrived and only its ACKs were lost (the timeout was spurious),
    // but the segment after it was really lost.
    // The DupAck detector: with RACK a tail loss probe would go 2 ms (2·SRTT 0 + slack) after
    // the send, and the RTO this is about would not come (tlp.test.ts covers that).
    const h = Harness.connect({ config: { ...TS, sack: true, lossDetection: 'dupack' } });
    h.collect();
    h.send({
      flags: SYN | ACK,
      seq: 5000,
      ack: 1001,
      mss: 1000,
      tsVal: 7000,
      tsEcr: 1000,
      window: 65535,
      sackPermitted: true,
    });
    h.collect();
    h.conn.setNoDelay(true);
    h.conn.write(pattern(3 * 988));
    expect(h.collect()).to.have.length(3);
    expect(h.fireNext()).to.equal(200);
    h.collect();
    h.now = 210;
    h.send({
      flags: ACK,
      seq: 5001,
      ack: 1001 + 988,
      tsVal: 7001,
      tsEcr: 1000,
      window: 65535,
      sack: [1001 + 2 * 988, 1001 + 3 * 988],
    });
    expect(h.counters.spuriousTimeoutsUndone).to.equal(1);
    h.expect({ flags: ACK, seq: 1001 + 988, ack: 5001, window: 16384, tsVal: 1210, tsEcr: 7001, payload: 988 });
    expect(h.counters.retransmissions).to.equal(2);
  });

  it('after two backed-off RTOs the first ACK for an original still undoes both to the state before the first', () => {
    const h = tsEstablished();
    h.conn.write(pattern(4 * 988));
    h.collect();
    expect(h.fireNext()).to.equal(200);
    h.collect();
    expect(h.fireNext()).to.equal(600);
    h.collect();
    h.now = 650;
    h.send({ flags: ACK, seq: 5001, ack: 1001 + 4 * 988, tsVal: 7001, tsEcr: 1000, window: 65535 });
    expect(h.counters.spuriousTimeoutsUndone).to.equal(1);
    expect(h.conn.nextTimeout).to.equal(Infinity);
    // cwnd is back to 10 MSS (+ growth): a burst of ten goes at once.
    h.conn.write(pattern(10 * 988));
    const out = h.collect();
    expect(out).to.have.length(10);
    expect(out[9]!.flags).to.equal(ACK | PSH);
  });
});
