// Fast retransmit and NewReno fast recovery (RFC 5681 §3.2, RFC 6582), through the default
// congestion control (CUBIC, whose recovery is the same but cuts to β = 0.7) or NewReno where a
// test's numbers are NewReno's. MSS 1000 so windows are round numbers; initial cwnd 10 MSS (RFC 6928).

import { expect } from 'chai';
import { ACK, PSH, SYN } from '../../../src/tcp/index.js';
import { Harness, pattern } from '../harness.js';

function fiveInFlight(congestionControl = 'cubic'): Harness {
  const h = Harness.established({ config: { congestionControl } }, { mss: 1000 });
  h.conn.setNoDelay(true);
  h.conn.write(pattern(5000));
  expect(h.collect()).to.have.length(5); // 1001 .. 6001
  return h;
}

const DUP = { flags: ACK, seq: 5001, ack: 1001, window: 16384 };

describe('tcp scenarios: congestion control', () => {
  it('the third duplicate ACK retransmits SND.UNA at once (fast retransmit)', () => {
    const h = fiveInFlight();
    h.send(DUP);
    h.send(DUP);
    h.expectNothing();
    h.send(DUP);
    const [seg] = h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    expect(Array.from(seg!.payload)).to.deep.equal(Array.from(pattern(5000).subarray(0, 1000)));
    expect(h.counters.fastRetransmits).to.equal(1);
    expect(h.counters.retransmissions).to.equal(1);
    h.send(DUP); // fourth: inflates cwnd, no second retransmission
    h.expectNothing();
  });

  it('ACKs that change the window or carry data are not duplicates (RFC 5681 §2)', () => {
    const h = fiveInFlight();
    h.send({ ...DUP, window: 16000 }); // window changed
    h.send({ ...DUP, window: 16000, payload: pattern(1) }); // carries data
    h.send({ ...DUP, seq: 5002, window: 16000 }); // duplicate 1
    h.send({ ...DUP, seq: 5002, window: 16000 }); // duplicate 2
    expect(h.counters.fastRetransmits).to.equal(0);
    h.expectNothing(); // the byte's ACK is delayed
    h.send({ ...DUP, seq: 5002, window: 16000 }); // duplicate 3
    h.expect({ flags: ACK, seq: 1001, ack: 5002, window: 16383, payload: 1000 });
    expect(h.counters.fastRetransmits).to.equal(1);
  });

  it('with nothing outstanding, repeated ACKs are not duplicates', () => {
    const h = Harness.established({}, { mss: 1000 });
    for (let i = 0; i < 4; i++) h.send(DUP);
    h.expectNothing();
    expect(h.counters.fastRetransmits).to.equal(0);
  });

  it('NewReno: a partial ACK retransmits the next hole; the full ACK ends recovery with cwnd = ssthresh-based', () => {
    const h = fiveInFlight('newreno');
    h.send(DUP);
    h.send(DUP);
    h.send(DUP);
    h.collect(); // retransmission of 1001
    // Partial ACK: 1001..3001 acknowledged, recover is 6001 → 3001 is lost too.
    h.send({ flags: ACK, seq: 5001, ack: 3001, window: 16384 });
    h.expect({ flags: ACK, seq: 3001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.fastRetransmits).to.equal(1);
    expect(h.counters.retransmissions).to.equal(2);
    // Full ACK: recovery over. ssthresh = max(5000/2, 2 MSS) = 2500;
    // cwnd = min(ssthresh, max(FlightSize 0, MSS) + MSS) = 2000: two new segments may go.
    h.send({ flags: ACK, seq: 5001, ack: 6001, window: 16384 });
    h.expectNothing();
    h.conn.write(pattern(5000));
    h.expect(
      { flags: ACK, seq: 6001, ack: 5001, window: 16384, payload: 1000 },
      { flags: ACK, seq: 7001, ack: 5001, window: 16384, payload: 1000 },
    );
  });

  it('duplicate ACKs after a timeout for data sent before it do not start another recovery (RFC 6582 §4.1)', () => {
    const h = fiveInFlight();
    h.fireNext(); // RTO: recover = 6001, go back to 1001
    h.collect();
    h.send(DUP);
    h.send(DUP);
    h.send(DUP);
    expect(h.counters.fastRetransmits).to.equal(0);
  });

  for (const [cc, ssthresh, firstNew] of [
    ['newreno', 6000, 7],
    ['cubic', 8400, 5],
  ] as const) {
    it(`${cc}: fast recovery cuts to ${cc === 'cubic' ? 'β = 0.7' : 'half'} of the flight (ssthresh ${ssthresh} of 12000); inflation releases new data from the ${firstNew}th duplicate ACK`, () => {
      const h = Harness.established({ config: { congestionControl: cc } }, { mss: 1000 });
      h.conn.setNoDelay(true);
      h.conn.write(pattern(10000));
      expect(h.collect()).to.have.length(10);
      h.conn.write(pattern(6000));
      // Duplicates 1 and 2: limited transmit (RFC 3042); the third: fast retransmit with
      // FlightSize 12000 → ssthresh (6000 or 8400), cwnd = ssthresh + 3 MSS; each further duplicate
      // adds one MSS, and new data goes once cwnd exceeds the 12000 bytes in flight.
      const sent: number[][] = [];
      for (let i = 1; i <= 8; i++) {
        h.send(DUP);
        sent.push(h.collect().map((seg) => seg.seq));
      }
      const news = [13001, 14001, 15001, 16001];
      const expected = [
        [11001],
        [12001],
        [1001],
        ...Array.from({ length: 5 }, (_, i) => {
          const dup = i + 4;
          return dup >= firstNew ? [news[dup - firstNew]!] : [];
        }),
      ];
      expect(sent).to.deep.equal(expected);
    });
  }

  it('slow start: each ACK grows cwnd, releasing more segments than it acknowledges', () => {
    const h = Harness.established({ config: { sendBufferSize: 65536 } }, { mss: 1000, window: 60000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(30000));
    expect(h.collect()).to.have.length(10); // IW = 10 MSS
    h.send({ flags: ACK, seq: 5001, ack: 3001, window: 60000 });
    // 2 MSS acknowledged → cwnd 12000 (byte counting: within NewReno's L = 2 MSS and HyStart++'s
    // L = 8 alike), flight 8000 → 4 new segments.
    const segs = h.collect();
    expect(segs.map((s) => s.seq)).to.deep.equal([11001, 12001, 13001, 14001]);
    expect(segs.every((s) => (s.flags & PSH) === 0)).to.equal(true);
  });
});

describe('tcp scenarios: loss recovery with few duplicate ACKs and with SACK', () => {
  it('RFC 3042 limited transmit: the first two duplicate ACKs each release one new segment', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(12000));
    expect(h.collect()).to.have.length(10); // cwnd 10 MSS; 2000 bytes wait
    h.send(DUP);
    h.expect({ flags: ACK, seq: 11001, ack: 5001, window: 16384, payload: 1000 });
    h.send(DUP);
    h.expect({ flags: ACK | PSH, seq: 12001, ack: 5001, window: 16384, payload: 1000 });
    h.send(DUP);
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.fastRetransmits).to.equal(1);
  });

  it('RFC 5827 early retransmit: with two segments outstanding and nothing more to send, one duplicate ACK suffices', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(2000));
    h.collect();
    h.send(DUP);
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.fastRetransmits).to.equal(1);
  });

  it('RFC 5827 early retransmit also applies when the peer window admits nothing new', () => {
    const h = Harness.established({}, { mss: 1000, window: 2000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(5000));
    expect(h.collect()).to.have.length(2); // window-limited: 3000 bytes wait
    h.send({ ...DUP, window: 2000 });
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
  });

  it('SACK recovery resends each reported hole on the next duplicate ACK, never SACKed data', () => {
    // The DupAck rule with SACK (RFC 6675); RACK's recovery is in rack.test.ts.
    const h = Harness.connect({ config: { sack: true, lossDetection: 'dupack' } });
    h.collect();
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, sackPermitted: true });
    h.collect();
    h.conn.setNoDelay(true);
    h.conn.write(pattern(8000));
    expect(h.collect()).to.have.length(8); // 1001 .. 9001; 1001 and 3001 are lost
    h.send({ ...DUP, sack: [2001, 3001] });
    h.send({ ...DUP, sack: [4001, 5001, 2001, 3001] });
    h.expectNothing();
    h.send({ ...DUP, sack: [4001, 6001, 2001, 3001] });
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    // 3001 has 3 segments SACKed above it: lost; it goes now, not a round trip later.
    h.send({ ...DUP, sack: [4001, 7001, 2001, 3001] });
    h.expect({ flags: ACK, seq: 3001, ack: 5001, window: 16384, payload: 1000 });
    h.send({ ...DUP, sack: [4001, 8001, 2001, 3001] });
    h.expectNothing(); // no other hole, no new data
    // The partial ACK for the first hole does not resend 3001 a second time.
    h.send({ flags: ACK, seq: 5001, ack: 3001, window: 16384, sack: [4001, 9001] });
    h.expectNothing();
    h.send({ flags: ACK, seq: 5001, ack: 9001, window: 16384 });
    expect(h.conn.bufferedSend).to.equal(0);
    expect(h.counters.retransmissions).to.equal(2);
    expect(h.counters.fastRetransmits).to.equal(1);
  });

  it('SACK blocks outside (SND.UNA, SND.MAX] are ignored', () => {
    const h = Harness.connect({ config: { sack: true } });
    h.collect();
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, sackPermitted: true });
    h.collect();
    h.conn.setNoDelay(true);
    h.conn.write(pattern(5000));
    h.collect();
    // Bogus blocks (beyond what was sent, reversed, below SND.UNA) must not make us skip data.
    for (let i = 0; i < 3; i++) h.send({ ...DUP, sack: [7001, 9001, 3001, 2001, 1, 1001] });
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
  });
});
