import { expect } from 'chai';
import { Rack, type RackAckInfo } from '../../src/tcp/rack.js';

const info = (o: Partial<RackAckInfo>): RackAckInfo => ({
  sndUna: 0,
  sndMax: 0,
  sackBlocks: undefined,
  dsack: false,
  echoedSendTime: undefined,
  sackedBytes: 0,
  mss: 1000,
  inRecovery: false,
  srtt: 100,
  ...o,
});

describe('tcp/rack: the RACK record (RFC 8985)', () => {
  it('a SACK block cutting a super-segment marks only the part it covers', () => {
    const r = new Rack();
    r.onSend(1000, 5000, 0, false); // one 4-MSS segment (offload)
    r.onRttSample(100);
    r.onAck(info({ sndUna: 1000, sndMax: 5000, sackBlocks: [3000, 4000] }), 100);
    expect(r.recordCount).to.equal(3);
    // [1000, 3000) was sent with the SACKed part: lost once RACK.rtt + reo_wnd has passed.
    expect(r.detectLoss(125, false, 1000, 1000, 100)).to.equal(2000);
    expect(r.firstLost(1000)).to.deep.equal([1000, 3000]);
    expect(r.pipe(5000)).to.equal(1000); // [4000, 5000) only
  });

  it('SACK blocks beyond SND.MAX, reversed or below SND.UNA mark nothing', () => {
    const r = new Rack();
    r.onSend(1000, 2000, 0, false);
    r.onSend(2000, 3000, 0, false);
    r.onAck(info({ sndUna: 1000, sndMax: 3000, sackBlocks: [2000, 4000, 3000, 2000, 0, 1000] }), 10);
    expect(r.pipe(3000)).to.equal(2000);
    expect(r.recordCount).to.equal(2);
  });

  it('a peer SACKing every other byte cannot grow the record past its bound', () => {
    const r = new Rack();
    const size = 20000;
    r.onSend(0, size, 0, false);
    for (let seq = 1; seq + 1 < size; seq += 8) {
      r.onAck(
        info({
          sndUna: 0,
          sndMax: size,
          sackBlocks: [seq, seq + 1, seq + 2, seq + 3, seq + 4, seq + 5, seq + 6, seq + 7],
        }),
        1,
      );
    }
    expect(r.recordCount).to.be.at.most(4096);
    expect(r.recordCount).to.be.greaterThan(1000); // the split did happen up to the bound
  });

  it('a retransmission SACKed by an ACK echoing the original TSval says nothing (§6.2 step 2)', () => {
    const lostAfter = (echoedSendTime: number): number => {
      const r = new Rack();
      r.onRttSample(1);
      r.onSend(1000, 2000, 0, false);
      r.onSend(2000, 3000, 0, false);
      r.onSend(2000, 3000, 300, true);
      return r.onAck(info({ sndUna: 1000, sndMax: 3000, sackBlocks: [2000, 3000], echoedSendTime }), 305);
    };
    // The echo is of the original (sent at 0): the ACK may be for it, RACK.xmit_ts stays.
    expect(lostAfter(0)).to.equal(0);
    // The echo is of the retransmission: [1000, 2000) was sent before it and is lost.
    expect(lostAfter(300)).to.equal(1000);
  });

  it('the cumulative ACK forgets what it covers', () => {
    const r = new Rack();
    for (let i = 0; i < 10; i++) r.onSend(i * 1000, (i + 1) * 1000, i, false);
    r.onAck(info({ sndUna: 5500, sndMax: 10000 }), 20);
    expect(r.recordCount).to.equal(5);
    expect(r.pipe(10000)).to.equal(4500);
  });
});
