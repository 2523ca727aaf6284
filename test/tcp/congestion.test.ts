// NewReno (RFC 5681 + RFC 6582, RFC 3465 byte counting, RFC 6928 initial window) worked by
// hand, plus the registry of algorithms.

import { expect } from 'chai';
import {
  INITIAL_SSTHRESH,
  MAX_CWND,
  NewReno,
  createCongestionControl,
  hasCongestionControl,
  initialWindow,
  registerCongestionControl,
  type CongestionControl,
} from '../../src/tcp/congestion.js';

const MSS = 1460;

/** A NewReno in congestion avoidance with cwnd = ssthresh = `segments` MSS. */
function inCongestionAvoidance(segments: number): NewReno {
  const cc = new NewReno(MSS);
  cc.onEnterRecovery(2 * segments * MSS, MSS, 0);
  cc.onExitRecovery(10 * segments * MSS, MSS);
  expect([cc.cwnd, cc.ssthresh]).to.deep.equal([segments * MSS, segments * MSS]);
  return cc;
}

describe('congestion control', function () {
  describe('initial window (RFC 6928)', function () {
    it('is min(10*MSS, max(2*MSS, 14600))', function () {
      expect(initialWindow(1460)).to.equal(14600);
      expect(initialWindow(1220)).to.equal(12200);
      expect(initialWindow(536)).to.equal(5360);
      expect(initialWindow(9000)).to.equal(18000);
      expect(initialWindow(65495)).to.equal(130990);
    });

    it('is where NewReno starts, with an arbitrarily high ssthresh', function () {
      const cc = createCongestionControl('newreno', MSS);
      expect([cc.name, cc.cwnd, cc.ssthresh]).to.deep.equal(['newreno', 14600, INITIAL_SSTHRESH]);
    });

    it('rejects a bad MSS', function () {
      expect(() => new NewReno(0)).to.throw(RangeError);
      expect(() => createCongestionControl('none', -1)).to.throw(RangeError);
    });
  });

  describe('slow start', function () {
    it('grows by the bytes acknowledged, one MSS per full-sized ACK', function () {
      const cc = new NewReno(MSS);
      cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(14600 + 1460);
      cc.onAck(500, MSS, 0);
      expect(cc.cwnd).to.equal(14600 + 1960);
    });

    it('caps the per-ACK increase at L = 2*MSS (RFC 3465)', function () {
      const cc = new NewReno(MSS);
      cc.onAck(10 * MSS, MSS, 0);
      expect(cc.cwnd).to.equal(14600 + 2 * MSS);
    });

    it('doubles roughly every round trip when every segment is acknowledged', function () {
      const cc = new NewReno(MSS);
      const start = cc.cwnd;
      for (let i = 0; i < start / MSS; i++) cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(2 * start);
    });

    it('ignores empty or negative acknowledgements', function () {
      const cc = new NewReno(MSS);
      cc.onAck(0, MSS, 0);
      cc.onAck(-100, MSS, 0);
      cc.onAck(NaN, MSS, 0);
      expect(cc.cwnd).to.equal(14600);
    });

    it('stops at ssthresh and counts the rest toward congestion avoidance', function () {
      const cc = new NewReno(MSS);
      cc.onTimeout(8 * MSS, MSS); // ssthresh = 4 MSS, cwnd = 1 MSS
      expect([cc.cwnd, cc.ssthresh]).to.deep.equal([MSS, 4 * MSS]);
      cc.onAck(MSS, MSS, 0);
      cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(3 * MSS);
      cc.onAck(2 * MSS, MSS, 0); // 1 MSS reaches ssthresh, 1 MSS of byte count is left over
      expect(cc.cwnd).to.equal(4 * MSS);
      cc.onAck(2 * MSS, MSS, 0); // 3 MSS counted of the 4 needed
      expect(cc.cwnd).to.equal(4 * MSS);
      cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(5 * MSS);
    });
  });

  describe('congestion avoidance (byte counting)', function () {
    it('adds one MSS per cwnd of acknowledged bytes', function () {
      const cc = inCongestionAvoidance(20);
      for (let i = 0; i < 19; i++) cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(20 * MSS);
      cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(21 * MSS);
      // The next increase needs a full 21 MSS.
      for (let i = 0; i < 20; i++) cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(21 * MSS);
      cc.onAck(MSS, MSS, 0);
      expect(cc.cwnd).to.equal(22 * MSS);
    });

    it('counts partial-sized ACKs by bytes, not by ACK count', function () {
      const cc = inCongestionAvoidance(10);
      for (let i = 0; i < 100; i++) cc.onAck(100, MSS, 0); // 10,000 bytes < cwnd 14,600
      expect(cc.cwnd).to.equal(10 * MSS);
      for (let i = 0; i < 46; i++) cc.onAck(100, MSS, 0);
      expect(cc.cwnd).to.equal(11 * MSS);
    });

    it('never grows past MAX_CWND', function () {
      const cc = new NewReno(65000);
      for (let i = 0; i < 100000; i++) cc.onAck(130000, 65000, 0);
      expect(cc.cwnd).to.equal(MAX_CWND);
    });
  });

  describe('fast retransmit and NewReno recovery', function () {
    it('enters recovery with ssthresh = F/2 and cwnd = ssthresh + 3 MSS (RFC 5681 §3.2)', function () {
      const cc = new NewReno(MSS);
      cc.onEnterRecovery(30 * MSS, MSS, 0);
      expect([cc.ssthresh, cc.cwnd]).to.deep.equal([15 * MSS, 18 * MSS]);
    });

    it('never sets ssthresh below 2 MSS', function () {
      const cc = new NewReno(MSS);
      cc.onEnterRecovery(MSS, MSS, 0);
      expect([cc.ssthresh, cc.cwnd]).to.deep.equal([2 * MSS, 5 * MSS]);
    });

    it('inflates by one MSS per further duplicate ACK', function () {
      const cc = new NewReno(MSS);
      cc.onEnterRecovery(20 * MSS, MSS, 0);
      cc.onDupAckInRecovery(MSS);
      cc.onDupAckInRecovery(MSS);
      expect(cc.cwnd).to.equal(15 * MSS);
    });

    it('deflates on a partial ACK and adds back one MSS when it covers at least one (RFC 6582 §3.2)', function () {
      const cc = new NewReno(MSS);
      cc.onEnterRecovery(20 * MSS, MSS, 0); // cwnd 13 MSS
      cc.onPartialAck(3 * MSS, MSS);
      expect(cc.cwnd).to.equal(11 * MSS);
      cc.onPartialAck(1000, MSS); // less than one MSS: no add-back
      expect(cc.cwnd).to.equal(11 * MSS - 1000);
      cc.onPartialAck(100 * MSS, MSS);
      expect(cc.cwnd).to.equal(MSS); // never below one segment
    });

    it('exits with cwnd = min(ssthresh, max(FlightSize, MSS) + MSS)', function () {
      const a = new NewReno(MSS);
      a.onEnterRecovery(20 * MSS, MSS, 0);
      a.onExitRecovery(30 * MSS, MSS);
      expect(a.cwnd).to.equal(10 * MSS);
      const b = new NewReno(MSS);
      b.onEnterRecovery(20 * MSS, MSS, 0);
      b.onExitRecovery(4 * MSS, MSS);
      expect(b.cwnd).to.equal(5 * MSS);
      const c = new NewReno(MSS);
      c.onEnterRecovery(20 * MSS, MSS, 0);
      c.onExitRecovery(0, MSS);
      expect(c.cwnd).to.equal(2 * MSS);
    });

    it('resumes congestion avoidance after recovery, with a fresh byte count', function () {
      const cc = inCongestionAvoidance(10);
      for (let i = 0; i < 9; i++) cc.onAck(MSS, MSS, 0); // 9 of 10 MSS counted
      cc.onEnterRecovery(20 * MSS, MSS, 0);
      cc.onExitRecovery(20 * MSS, MSS);
      expect(cc.cwnd).to.equal(10 * MSS);
      cc.onAck(MSS, MSS, 0); // would have completed the old count
      expect(cc.cwnd).to.equal(10 * MSS);
    });
  });

  describe('timeout and idle restart', function () {
    it('collapses to a loss window of one MSS with ssthresh = max(F/2, 2 MSS) (RFC 5681 §3.1)', function () {
      const cc = new NewReno(MSS);
      for (let i = 0; i < 30; i++) cc.onAck(MSS, MSS, 0);
      cc.onTimeout(40 * MSS, MSS);
      expect([cc.cwnd, cc.ssthresh]).to.deep.equal([MSS, 20 * MSS]);
      cc.onTimeout(MSS, MSS);
      expect([cc.cwnd, cc.ssthresh]).to.deep.equal([MSS, 2 * MSS]);
    });

    it('restarts an idle connection at min(IW, cwnd) (RFC 5681 §4.1)', function () {
      const big = new NewReno(MSS);
      for (let i = 0; i < 30; i++) big.onAck(MSS, MSS, 0);
      big.onIdleRestart(MSS);
      expect(big.cwnd).to.equal(14600);
      const small = new NewReno(MSS);
      small.onTimeout(10 * MSS, MSS);
      small.onIdleRestart(MSS);
      expect(small.cwnd).to.equal(MSS);
    });
  });

  describe('registry', function () {
    it('knows newreno and none, and rejects unknown names', function () {
      expect(hasCongestionControl('newreno')).to.equal(true);
      expect(hasCongestionControl('none')).to.equal(true);
      expect(hasCongestionControl('cubic-from-mars')).to.equal(false);
      expect(() => createCongestionControl('cubic-from-mars', MSS)).to.throw(RangeError, /unknown congestion control/);
    });

    it("'none' never limits sending, whatever happens", function () {
      const cc = createCongestionControl('none', MSS);
      cc.onTimeout(100 * MSS, MSS);
      cc.onEnterRecovery(100 * MSS, MSS, 0);
      expect([cc.name, cc.cwnd]).to.deep.equal(['none', MAX_CWND]);
    });

    it('hands out independent instances', function () {
      const a = createCongestionControl('newreno', MSS);
      const b = createCongestionControl('newreno', MSS);
      a.onTimeout(20 * MSS, MSS);
      expect(b.cwnd).to.equal(14600);
    });

    it('accepts a registered algorithm by name', function () {
      class Fixed implements CongestionControl {
        readonly name = 'fixed-test';
        readonly ssthresh = INITIAL_SSTHRESH;
        constructor(readonly cwnd: number) {}
        onAck(): void {}
        onEnterRecovery(): void {}
        onDupAckInRecovery(): void {}
        onPartialAck(): void {}
        onExitRecovery(): void {}
        onTimeout(): void {}
      }
      registerCongestionControl('fixed-test', (mss) => new Fixed(4 * mss));
      const cc = createCongestionControl('fixed-test', 1000);
      expect([cc.name, cc.cwnd]).to.deep.equal(['fixed-test', 4000]);
      expect(() => registerCongestionControl('', (mss) => new Fixed(mss))).to.throw(RangeError);
    });
  });
});
