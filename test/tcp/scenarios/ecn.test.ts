// ECN (RFC 3168 §6.1): negotiation on the handshake, ECT(0) on new data only, the receiver's
// ECE echo until CWR, and the sender's once-per-window reduction with CWR on its next data.
// MSS 1000 so windows are round numbers; NewReno so the halving is easy to follow (CUBIC's
// β cut for ECE is in test/tcp/cubic.test.ts).

import { expect } from 'chai';
import { ACK, CE, CWR, ECE, ECT0, PSH, SYN } from '../../../src/tcp/index.js';
import { Harness, LOCAL_ISS, REMOTE_ISS, pattern } from '../harness.js';

/** ESTABLISHED with ECN agreed (we asked; the peer's SYN-ACK says ECE). */
function ecnEstablished(congestionControl = 'newreno'): Harness {
  const h = Harness.connect({ config: { ecn: 'on', congestionControl } });
  h.expect({ flags: SYN | ECE | CWR, seq: LOCAL_ISS, window: 16384, mss: 1460 });
  h.send({ flags: SYN | ACK | ECE, seq: REMOTE_ISS, ack: LOCAL_ISS + 1, window: 16384, mss: 1000 });
  h.expect({ flags: ACK, seq: LOCAL_ISS + 1, ack: REMOTE_ISS + 1, window: 16384 });
  h.events();
  h.conn.setNoDelay(true);
  return h;
}

describe('tcp scenarios: ECN (RFC 3168)', () => {
  it("the default is 'passive', as Linux: our SYN does not ask, an ECN-setup SYN is agreed to; 'off' ignores it", () => {
    Harness.connect().expect({ flags: SYN, seq: LOCAL_ISS, window: 16384, mss: 1460 });
    Harness.accept({ flags: SYN | ECE | CWR }).expect({
      flags: SYN | ACK | ECE,
      seq: LOCAL_ISS,
      ack: REMOTE_ISS + 1,
      window: 16384,
      mss: 1460,
    });
    const off = Harness.accept({ flags: SYN | ECE | CWR }, { config: { ecn: 'off' } });
    off.expect({ flags: SYN | ACK, seq: LOCAL_ISS, ack: REMOTE_ISS + 1, window: 16384, mss: 1460 });
    off.send({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, window: 16384 });
    off.conn.write(pattern(100));
    expect(off.collect().map((s) => s.ecn)).to.deep.equal([undefined]);
  });

  it('active: SYN with ECE+CWR; a SYN-ACK with ECE agrees, and new data is ECT(0)', () => {
    const h = ecnEstablished();
    h.conn.write(pattern(2000));
    const segs = h.collect();
    expect(segs.map((s) => [s.seq, s.flags, s.ecn])).to.deep.equal([
      [LOCAL_ISS + 1, ACK, ECT0],
      [LOCAL_ISS + 1001, ACK | PSH, ECT0],
    ]);
  });

  it('active: a SYN-ACK without ECE, or with ECE+CWR (a reflected SYN), does not agree', () => {
    for (const flags of [SYN | ACK, SYN | ACK | ECE | CWR]) {
      const h = Harness.connect({ config: { ecn: 'on' } });
      h.collect();
      h.send({ flags, seq: REMOTE_ISS, ack: LOCAL_ISS + 1, window: 16384, mss: 1000 });
      h.collect();
      h.conn.write(pattern(500));
      const [seg] = h.collect();
      expect(seg!.ecn, `SYN-ACK flags ${flags}`).to.equal(undefined);
    }
  });

  it("passive (Linux's default behaviour): an ECN-setup SYN gets ECE on the SYN-ACK; a SYN with ECE alone does not", () => {
    const h = Harness.accept({ flags: SYN | ECE | CWR, mss: 1000 }, { config: { ecn: 'passive' } });
    h.expect({ flags: SYN | ACK | ECE, seq: LOCAL_ISS, ack: REMOTE_ISS + 1, window: 16384, mss: 1460 });
    h.send({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, window: 16384 });
    h.conn.write(pattern(100));
    expect(h.collect().map((s) => s.ecn)).to.deep.equal([ECT0]);
    const n = Harness.accept({ flags: SYN | ECE }, { config: { ecn: 'passive' } });
    n.expect({ flags: SYN | ACK, seq: LOCAL_ISS, ack: REMOTE_ISS + 1, window: 16384, mss: 1460 });
    // 'passive' never asks itself.
    Harness.connect({ config: { ecn: 'passive' } }).expect({ flags: SYN, seq: LOCAL_ISS, window: 16384, mss: 1460 });
  });

  it("receiver: a CE-marked segment is ACKed at once with ECE, and ECE stays on until the sender's CWR", () => {
    const h = ecnEstablished();
    h.send({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, payload: pattern(100), ecn: CE });
    h.expect({ flags: ACK | ECE, seq: LOCAL_ISS + 1, ack: REMOTE_ISS + 101, window: 16284 });
    // Unmarked data afterwards: still ECE (the ACK may have been lost, §6.1.3).
    h.send({ flags: ACK, seq: REMOTE_ISS + 101, ack: LOCAL_ISS + 1, payload: pattern(100), ecn: ECT0 });
    h.send({ flags: ACK, seq: REMOTE_ISS + 201, ack: LOCAL_ISS + 1, payload: pattern(100), ecn: ECT0 });
    h.advance(40); // small segments: the delayed ACK
    h.expect({ flags: ACK | ECE, seq: LOCAL_ISS + 1, ack: REMOTE_ISS + 301, window: 16084 });
    // CWR: the sender reacted; plain ACKs from here.
    h.send({ flags: ACK | CWR, seq: REMOTE_ISS + 301, ack: LOCAL_ISS + 1, payload: pattern(100), ecn: ECT0 });
    h.send({ flags: ACK, seq: REMOTE_ISS + 401, ack: LOCAL_ISS + 1, payload: pattern(100), ecn: ECT0 });
    h.advance(40);
    h.expect({ flags: ACK, seq: LOCAL_ISS + 1, ack: REMOTE_ISS + 501, window: 15884 });
  });

  it('without ECN agreed, CE marks are not echoed', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.send({ flags: ACK, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1, payload: pattern(100), ecn: CE });
    h.expectNothing(); // an ordinary delayed ACK
    h.advance(40);
    h.expect({ flags: ACK, seq: LOCAL_ISS + 1, ack: REMOTE_ISS + 101, window: 16284 });
  });

  it('sender: ECE cuts the window once per window of data, CWR rides on the next new segment, retransmissions are not ECT', () => {
    /** IW 10 segments out, then ACKs of two segments each: (which ACKs carry ECE) → what goes out after each. */
    const run = (ece: boolean[]) => {
      const h = ecnEstablished();
      h.conn.write(pattern(20000));
      expect(h.collect()).to.have.length(10); // 1001 .. 11001
      const out: number[][][] = [];
      ece.forEach((marked, i) => {
        h.send({
          flags: marked ? ACK | ECE : ACK,
          seq: REMOTE_ISS + 1,
          ack: LOCAL_ISS + 1 + 2000 * (i + 1),
          window: 16384,
        });
        out.push(h.collect().map((s) => [s.seq - LOCAL_ISS, s.flags, s.ecn ?? 0]));
      });
      return { h, out };
    };
    // Unmarked: slow start, each ACK of two segments releases four.
    const plain = run([false, false]).out;
    expect(plain[0]).to.deep.equal([
      [10001, ACK, ECT0],
      [11001, ACK, ECT0],
      [12001, ACK, ECT0],
      [13001, ACK, ECT0],
    ]);
    // ECE on the first ACK: FlightSize 9000 → cwnd = ssthresh = 4500; nothing goes until the
    // flight falls below it, and the first new segment then carries CWR.
    const once = run([true, false, false]);
    expect(once.out[0]).to.deep.equal([]);
    expect(once.out[1]).to.deep.equal([]);
    expect(once.out[2]![0]).to.deep.equal([10001, ACK | CWR, ECT0]);
    expect(once.out[2]!.slice(1).every(([, flags]) => flags === ACK)).to.equal(true);
    // ECE again within the same window: no second cut, the same segments go out.
    const twice = run([true, true, false]);
    expect(twice.out).to.deep.equal(once.out);
    // A retransmission (RTO) is not ECN-capable.
    once.h.fireNext();
    const [rexmit] = once.h.collect();
    expect([rexmit!.seq - LOCAL_ISS, rexmit!.ecn]).to.deep.equal([6001, undefined]);
  });
});
