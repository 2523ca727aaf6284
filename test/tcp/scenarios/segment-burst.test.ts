// Segmentation offload in the engine (ConnectionInit.maxSegmentBurst): a segment of new data
// may carry several MSS worth, for a device that cuts it into MSS-sized wire segments. MSS 1000
// (the SYN-ACK's), peer window 16384, initial cwnd 10 MSS, so the limits are round numbers.

import { expect } from 'chai';
import { ACK, FIN, PSH, SYN } from '../../../src/tcp/index.js';
import { Connection, resolveTcpConfig } from '../../../src/tcp/index.js';
import { Harness, pattern, SCENARIO_CONFIG } from '../harness.js';

function offloading(maxSegmentBurst: number, noDelay = true, synAck = {}): Harness {
  const h = Harness.established({ maxSegmentBurst }, { mss: 1000, ...synAck });
  h.conn.setNoDelay(noDelay);
  return h;
}

describe('tcp scenarios: segmentation offload (maxSegmentBurst)', () => {
  it('off by default: one MSS per segment', () => {
    const h = Harness.established({}, { mss: 1000 });
    h.conn.setNoDelay(true);
    h.conn.write(pattern(3000));
    expect(h.collect().map((s) => s.payload.length)).to.deep.equal([1000, 1000, 1000]);
  });

  it('new data goes in whole multiples of the MSS up to the burst, PSH only on the last', () => {
    const h = offloading(4500); // 4 MSS
    const data = pattern(10000);
    h.conn.write(data);
    const segs = h.expect(
      { flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 4000 },
      { flags: ACK, seq: 5001, ack: 5001, window: 16384, payload: 4000 },
      { flags: ACK | PSH, seq: 9001, ack: 5001, window: 16384, payload: 2000 },
    );
    const sent = new Uint8Array(10000);
    let at = 0;
    for (const s of segs) {
      sent.set(s.payload, at);
      at += s.payload.length;
    }
    expect(Buffer.from(sent).equals(Buffer.from(data))).to.equal(true);
  });

  it('a burst below two MSS changes nothing', () => {
    const h = offloading(1999);
    h.conn.write(pattern(3000));
    expect(h.collect().map((s) => s.payload.length)).to.deep.equal([1000, 1000, 1000]);
  });

  it('bounded by half the peer window, then by cwnd: a large burst still respects both', () => {
    const h = offloading(60000); // half of 16384 → 8 MSS; cwnd 10 MSS
    h.conn.write(pattern(20000));
    h.expect(
      { flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 8000 },
      { flags: ACK, seq: 9001, ack: 5001, window: 16384, payload: 2000 },
    );
    // cwnd full: nothing more until an ACK; 4 MSS acknowledged grow cwnd (slow start) too.
    h.expectNothing();
    h.send({ flags: ACK, seq: 5001, ack: 5001, window: 16384 });
    const next = h.collect();
    expect(next[0]!.seq).to.equal(11001);
    for (const s of next) {
      expect(s.payload.length % 1000).to.equal(0);
      expect(s.payload.length).to.be.at.most(8000);
    }
    const inFlight = next.reduce((n, s) => n + s.payload.length, 0) + 6000;
    expect(inFlight).to.be.at.most(16384);
  });

  it('a small peer window keeps segments to one MSS (half of it is below two MSS)', () => {
    const h = offloading(60000, true, { window: 3000 });
    h.conn.write(pattern(3000));
    expect(h.collect().map((s) => s.payload.length)).to.deep.equal([1000, 1000, 1000]);
  });

  it('a window-limited super-segment stops at a whole MSS; the remainder waits as without offload', () => {
    const h = offloading(60000);
    h.conn.write(pattern(20000));
    h.collect(); // 10000 in flight (cwnd)
    // The peer acknowledges everything but shrinks its window to 2500 bytes.
    h.send({ flags: ACK, seq: 5001, ack: 11001, window: 2500 });
    h.expect({ flags: ACK, seq: 11001, ack: 5001, window: 16384, payload: 2000 });
    // 500 usable bytes are less than half the largest window: sender SWS avoidance holds them.
    h.expectNothing();
  });

  it('with Nagle (Minshall), the sub-MSS tail rides along when no earlier small segment is unacknowledged', () => {
    const h = offloading(8000, false);
    h.conn.write(pattern(4500));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 4500 });
  });

  it('with Nagle, the sub-MSS tail stays behind while an earlier small segment is unacknowledged', () => {
    const h = offloading(8000, false);
    h.conn.write(pattern(10));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 10 });
    h.conn.write(pattern(4500));
    h.expect({ flags: ACK, seq: 1011, ack: 5001, window: 16384, payload: 4000 });
    h.expectNothing();
    h.send({ flags: ACK, seq: 5001, ack: 1011, window: 16384 });
    h.expect({ flags: ACK | PSH, seq: 5011, ack: 5001, window: 16384, payload: 500 });
  });

  it('without Nagle, the tail rides at the end of the super-segment', () => {
    const h = offloading(8000, true);
    h.conn.write(pattern(4500));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 4500 });
  });

  it('a queued FIN goes on the last super-segment with the tail', () => {
    const h = offloading(8000, false);
    h.conn.write(pattern(4500));
    h.conn.close(h.now);
    h.expect({ flags: ACK | PSH | FIN, seq: 1001, ack: 5001, window: 16384, payload: 4500 });
  });

  it('a retransmission after a timeout is one MSS', () => {
    const h = offloading(8000);
    h.conn.write(pattern(8000));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 8000 });
    h.fireNext();
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.retransmissions).to.equal(1);
  });

  it('go-back-N after a timeout resends one MSS per segment as slow start reopens cwnd', () => {
    // RFC 5681 §3.1/RFC 9293 §3.8.1: after an RTO, data between SND.UNA and SND.MAX is
    // retransmitted; retransmissions stay within one MSS (ConnectionInit.maxSegmentBurst).
    const h = offloading(8000);
    h.conn.write(pattern(8000));
    h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: 8000 });
    h.fireNext();
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    h.send({ flags: ACK, seq: 5001, ack: 2001, window: 16384 });
    const resent = h.collect();
    expect(resent.length).to.be.greaterThan(0);
    for (const s of resent) expect(s.payload.length).to.be.at.most(1000);
    expect(resent[0]!.seq).to.equal(2001);
  });

  it('fast retransmit resends one MSS of a super-segment', () => {
    const h = offloading(4000);
    h.conn.write(pattern(8000));
    expect(h.collect().map((s) => s.payload.length)).to.deep.equal([4000, 4000]);
    const dup = { flags: ACK, seq: 5001, ack: 1001, window: 16384 };
    h.send(dup);
    h.send(dup);
    h.send(dup);
    h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 });
    expect(h.counters.fastRetransmits).to.equal(1);
  });

  it('segments carrying SACK blocks stay within one MSS less the option space', () => {
    const h = Harness.connect({ config: { sack: true }, maxSegmentBurst: 8000 });
    h.collect();
    h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, sackPermitted: true });
    h.collect();
    h.conn.setNoDelay(true);
    // Out-of-order data from the peer: our segments now report it in a SACK block (12 bytes).
    h.send({ flags: ACK, seq: 5101, ack: 1001, window: 16384, payload: pattern(100) });
    h.collect(); // the duplicate ACK with the block
    h.conn.write(pattern(3000));
    const segs = h.collect();
    expect(segs.length).to.be.greaterThan(1);
    for (const s of segs) {
      expect(s.sack).to.deep.equal([5101, 5201]);
      expect(s.payload.length).to.be.at.most(1000 - 12);
    }
    // Once the hole is filled the blocks go, and super-segments come back.
    h.send({ flags: ACK, seq: 5001, ack: 1001, window: 16384, payload: pattern(100, 1) });
    h.collect();
    h.send({ flags: ACK, seq: 5201, ack: 4001, window: 16384 });
    h.conn.write(pattern(5000));
    const after = h.collect().filter((s) => s.payload.length > 0);
    expect(after[0]!.sack).to.equal(undefined);
    expect(after[0]!.payload.length).to.be.greaterThan(1000);
  });

  it('rejects a negative or fractional maxSegmentBurst', () => {
    const config = resolveTcpConfig(SCENARIO_CONFIG);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new Connection({ localPort: 1, remotePort: 2, iss: 0, config, maxSegmentBurst: bad })).to.throw(
        RangeError,
        /maxSegmentBurst/,
      );
    }
  });
});
