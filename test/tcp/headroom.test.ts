import { expect } from 'chai';
import { ACK, FIN, PSH, SEGMENT_HEADROOM } from '../../src/tcp/index.js';
import { Harness, pattern } from './harness.js';

// The engine's half of the headroom contract (TcpSegment.headroom): every data segment it emits
// declares SEGMENT_HEADROOM bytes before its payload that belong to that segment alone.
describe('Connection: payload headroom', () => {
  it('declares SEGMENT_HEADROOM on data segments, first sends and retransmissions', () => {
    const h = Harness.established();
    h.conn.write(pattern(5000));
    const sent = h.collect();
    expect(sent.length).to.be.greaterThan(1);
    // A retransmission timeout resends the first segment: a fresh copy with room of its own.
    h.fireNext();
    const resent = h.collect();
    expect(resent.length).to.be.at.least(1);
    for (const seg of [...sent, ...resent]) {
      expect(seg.payload.length).to.be.greaterThan(0);
      expect(seg.headroom).to.equal(SEGMENT_HEADROOM);
      expect(seg.payload.byteOffset).to.be.at.least(SEGMENT_HEADROOM);
    }
    expect(resent[0]!.seq).to.equal(sent[0]!.seq);
    expect(
      resent[0]!.payload.buffer === sent[0]!.payload.buffer &&
        resent[0]!.payload.byteOffset === sent[0]!.payload.byteOffset,
      'a retransmission reuses the first copy',
    ).to.equal(false);

    // Rooms of different segments never overlap: fill each one's headroom, then check its payload.
    const expected = [...sent, ...resent].map((s) => Uint8Array.from(s.payload));
    for (const seg of [...sent, ...resent])
      new Uint8Array(seg.payload.buffer, seg.payload.byteOffset - SEGMENT_HEADROOM, SEGMENT_HEADROOM).fill(0xee);
    [...sent, ...resent].forEach((seg, i) =>
      expect(Buffer.from(seg.payload).equals(Buffer.from(expected[i]!)), `segment ${i}`).to.equal(true),
    );
  });

  it('a bare ACK carries no headroom (its empty payload has nothing before it that is ours)', () => {
    const h = Harness.established();
    // Out-of-order data is acknowledged at once (RFC 9293 §3.10.7.4): a duplicate ACK.
    h.send({ flags: ACK | PSH, seq: 5011, ack: 1001, payload: pattern(10) });
    const [ack] = h.expect({ flags: ACK, seq: 1001, ack: 5001 });
    expect(ack!.headroom ?? 0).to.equal(0);
  });

  it('a FIN without data carries no headroom', () => {
    const h = Harness.established();
    h.conn.close(h.now);
    const [fin] = h.collect();
    expect(fin!.flags & FIN).to.equal(FIN);
    expect(fin!.payload.length).to.equal(0);
    expect(fin!.headroom ?? 0).to.equal(0);
  });
});
