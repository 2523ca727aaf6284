// Sequence numbers and timestamps across 2^32 (all arithmetic goes through seq.ts).

import { expect } from 'chai';
import { ACK, FIN, PSH, RST, SYN } from '../../../src/tcp/index.js';
import { Harness, bytes, pattern } from '../harness.js';

const ISS = 0xfffffff0; // SND.NXT 0xfffffff1 after the SYN; 15 bytes to the wrap
const PEER_ISS = 0xfffffffa; // RCV.NXT 0xfffffffb; 5 bytes to the wrap

function wrapped(): Harness {
  const h = Harness.connect({ iss: ISS });
  h.expect({ flags: SYN, seq: ISS, window: 16384, mss: 1460 });
  h.send({ flags: SYN | ACK, seq: PEER_ISS, ack: 0xfffffff1, mss: 1000 });
  h.expect({ flags: ACK, seq: 0xfffffff1, ack: 0xfffffffb, window: 16384 });
  expect(h.conn.state).to.equal('ESTABLISHED');
  h.events();
  return h;
}

describe('tcp scenarios: wrap-around', () => {
  it('handshake, data both ways and the FIN across 2^32', () => {
    const h = wrapped();
    h.conn.setNoDelay(true);
    h.conn.write(pattern(1100));
    h.expect(
      { flags: ACK, seq: 0xfffffff1, ack: 0xfffffffb, window: 16384, payload: 1000 },
      { flags: ACK | PSH, seq: 0x3d9, ack: 0xfffffffb, window: 16384, payload: 100 },
    );
    h.send({ flags: ACK, seq: PEER_ISS + 1, ack: 0x3d9 });
    expect(h.conn.bufferedSend).to.equal(100);
    h.send({ flags: ACK | PSH, seq: 0xfffffffb, ack: 0x43d, payload: pattern(50) });
    expect(h.conn.bufferedSend).to.equal(0);
    expect(h.conn.nextTimeout).to.equal(40); // only the delayed ACK
    h.advance(40);
    h.expect({ flags: ACK, seq: 0x43d, ack: 0x2d, window: 16334 });
    expect(Array.from(h.conn.read()!)).to.deep.equal(Array.from(pattern(50)));
    h.conn.close(h.now);
    h.expect({ flags: FIN | ACK, seq: 0x43d, ack: 0x2d, window: 16384 - 50 });
    h.send({ flags: FIN | ACK, seq: 0x2d, ack: 0x43e });
    expect(h.conn.state).to.equal('TIME-WAIT');
    h.expect({ flags: ACK, seq: 0x43e, ack: 0x2e, window: 16333 });
  });

  it('out-of-order data straddling the wrap is reassembled', () => {
    const h = wrapped();
    h.send({ flags: ACK, seq: 0x5, ack: 0xfffffff1, payload: pattern(10, 10) }); // after the wrap
    h.expect({ flags: ACK, seq: 0xfffffff1, ack: 0xfffffffb, window: 16384 });
    h.send({ flags: ACK, seq: 0xfffffffb, ack: 0xfffffff1, payload: pattern(10, 0) }); // 5 before, 5 after
    h.expect({ flags: ACK, seq: 0xfffffff1, ack: 0xf, window: 16364 });
    const got = h.conn.read()!;
    expect(got.length).to.equal(20);
    expect(Array.from(got.subarray(10))).to.deep.equal(Array.from(pattern(10, 10)));
  });

  it('RST exactly at RCV.NXT past the wrap resets; one off gets a challenge ACK', () => {
    const h = wrapped();
    h.send({ flags: ACK, seq: 0xfffffffb, ack: 0xfffffff1, payload: pattern(10) });
    h.advance(40);
    h.collect();
    h.send({ flags: RST, seq: 0x6 });
    h.expect({ flags: ACK, seq: 0xfffffff1, ack: 0x5, window: 16374 });
    h.send({ flags: RST, seq: 0x5 });
    expect(h.eventTypes()).to.deep.equal(['readable', 'error:ECONNRESET', 'closed']);
  });

  it('fast retransmit with SND.UNA just below 2^32', () => {
    const h = wrapped();
    h.conn.setNoDelay(true);
    h.conn.write(pattern(4000));
    expect(h.collect()).to.have.length(4);
    for (let i = 0; i < 3; i++) h.send({ flags: ACK, seq: 0xfffffffb, ack: 0xfffffff1, window: 16384 });
    h.expect({ flags: ACK, seq: 0xfffffff1, ack: 0xfffffffb, window: 16384, payload: 1000 });
    h.send({ flags: ACK, seq: 0xfffffffb, ack: 0xf91, window: 16384 });
    expect(h.conn.bufferedSend).to.equal(0);
  });

  it('timestamps: our TSval and the peer TSval wrap without PAWS false positives', () => {
    const h = Harness.connect({ iss: 0xffffff00, config: { timestamps: true } });
    h.expect({ flags: SYN, seq: 0xffffff00, window: 16384, mss: 1460, tsVal: 0xffffff00, tsEcr: 0 });
    h.send({ flags: SYN | ACK, seq: 5000, ack: 0xffffff01, mss: 1460, tsVal: 0xfffffff0, tsEcr: 0xffffff00 });
    h.collect();
    h.now = 0x200;
    h.send({ flags: ACK, seq: 5001, ack: 0xffffff01, tsVal: 0x10, tsEcr: 0xffffff00, payload: bytes('after wrap') });
    expect(h.conn.readable).to.equal(10);
    h.advance(40);
    // TSval = now (0x200 + 40 ms) + offset 0xffffff00, modulo 2^32
    h.expect({ flags: ACK, seq: 0xffffff01, ack: 5011, window: 16374, tsVal: 0x228 - 0x100, tsEcr: 0x10 });
    // Older than TS.Recent across the wrap: dropped by PAWS.
    h.send({ flags: ACK, seq: 5011, ack: 0xffffff01, tsVal: 0xffffffe0, tsEcr: 0, payload: bytes('stale') });
    h.expect({ flags: ACK, seq: 0xffffff01, ack: 5011, window: 16374, tsVal: 0x128, tsEcr: 0x10 });
    expect(h.counters.dropped.paws).to.equal(1);
    expect(h.conn.readable).to.equal(10);
  });
  it('fast retransmit still starts after more than 2^31 bytes were sent (RFC 6582 recover kept current)', function () {
    this.timeout(60000);
    // recover starts at ISS; compared mod 2^32 it must not end up "ahead" of SND.UNA once more
    // than half the sequence space has been acknowledged without a loss.
    const big = 65495;
    const h = Harness.established(
      { mss: big, config: { mss: big, congestionControl: 'none', windowScaling: true, sendBufferSize: 4 << 20 } },
      { mss: big, windowScale: 7, window: 65535 },
    );
    h.conn.setNoDelay(true);
    h.send({ flags: ACK, seq: 5001, ack: 1001, window: 65535 }); // the scaled window: 8 MiB
    const chunk = new Uint8Array(4 << 20);
    let una = 1001;
    let sent = 0;
    while (sent <= 0x80000000 + (8 << 20)) {
      expect(h.conn.write(chunk)).to.equal(chunk.length);
      const segs = h.collect();
      const bytesOut = segs.reduce((n, s) => n + s.payload.length, 0);
      expect(bytesOut).to.equal(chunk.length);
      una = (una + bytesOut) >>> 0;
      sent += bytesOut;
      h.send({ flags: ACK, seq: 5001, ack: una, window: 65535 });
    }
    expect(h.conn.bufferedSend).to.equal(0);
    // Four segments out, the first lost: three duplicate ACKs must retransmit it.
    h.conn.write(pattern(4 * big));
    expect(h.collect()).to.have.length(4);
    for (let i = 0; i < 3; i++) h.send({ flags: ACK, seq: 5001, ack: una, window: 65535 });
    const rexmit = h.collect();
    expect(rexmit.map((s) => [s.seq, s.payload.length])).to.deep.equal([[una, big]]);
    expect(h.counters.fastRetransmits).to.equal(1);
  });
});
