// RttEstimator against RFC 6298's formulas, worked by hand, plus clamping and backoff.

import { expect } from 'chai';
import { RttEstimator } from '../../src/tcp/rtt.js';

const defaults = { initialRto: 1000, minRto: 200, maxRto: 120000 };

describe('RttEstimator (RFC 6298)', function () {
  it('starts at the initial RTO with no estimate', function () {
    const r = new RttEstimator(defaults);
    expect([r.rto, r.srtt, r.rttvar]).to.deep.equal([1000, undefined, undefined]);
  });

  it('rejects invalid bounds', function () {
    expect(() => new RttEstimator({ initialRto: 1000, minRto: 500, maxRto: 400 })).to.throw(RangeError);
    expect(() => new RttEstimator({ initialRto: 0, minRto: 200, maxRto: 400 })).to.throw(RangeError);
    expect(() => new RttEstimator({ initialRto: 1000, minRto: NaN, maxRto: 400 })).to.throw(RangeError);
  });

  it('clamps the initial RTO into [minRto, maxRto]', function () {
    expect(new RttEstimator({ initialRto: 1000, minRto: 10, maxRto: 500 }).rto).to.equal(500);
    expect(new RttEstimator({ initialRto: 5, minRto: 10, maxRto: 500 }).rto).to.equal(10);
  });

  it('first sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR) (§2.2)', function () {
    const r = new RttEstimator(defaults);
    r.sample(100);
    expect([r.srtt, r.rttvar, r.rto]).to.deep.equal([100, 50, 300]);
  });

  it('later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R (§2.3)', function () {
    const r = new RttEstimator(defaults);
    r.sample(100);
    r.sample(200);
    // RTTVAR = 37.5 + 25 (uses the old SRTT 100); SRTT = 87.5 + 25.
    expect([r.rttvar, r.srtt, r.rto]).to.deep.equal([62.5, 112.5, 362.5]);
    r.sample(112.5); // no deviation: RTTVAR decays by 3/4, SRTT stays
    expect([r.rttvar, r.srtt]).to.deep.equal([46.875, 112.5]);
    expect(r.rto).to.equal(112.5 + 187.5);
  });

  it('converges to a steady RTT', function () {
    const r = new RttEstimator({ initialRto: 1000, minRto: 1, maxRto: 60000 });
    for (let i = 0; i < 200; i++) r.sample(50);
    expect(r.srtt).to.be.closeTo(50, 1e-6);
    expect(r.rttvar).to.be.below(1e-6);
    expect(r.rto).to.be.closeTo(51, 1e-6); // SRTT + G when the variance vanishes
  });

  it('applies the minimum and maximum RTO', function () {
    const r = new RttEstimator(defaults);
    r.sample(1);
    expect(r.rto).to.equal(200);
    const s = new RttEstimator({ initialRto: 1000, minRto: 200, maxRto: 3000 });
    s.sample(2000);
    expect(s.rto).to.equal(3000);
  });

  it('doubles on backoff up to maxRto (§5.5)', function () {
    const r = new RttEstimator({ initialRto: 1000, minRto: 200, maxRto: 5000 });
    r.backoff();
    expect(r.rto).to.equal(2000);
    r.backoff();
    expect(r.rto).to.equal(4000);
    r.backoff();
    expect(r.rto).to.equal(5000);
    r.backoff();
    expect(r.rto).to.equal(5000);
  });

  it('a new sample ends the backoff', function () {
    const r = new RttEstimator(defaults);
    r.sample(100);
    r.backoff();
    r.backoff();
    expect(r.rto).to.equal(1200);
    r.sample(100);
    // RTTVAR = 37.5 + 0, SRTT = 100: RTO = 100 + 150.
    expect(r.rto).to.equal(250);
  });

  it('ignores nonsense samples', function () {
    const r = new RttEstimator(defaults);
    r.sample(-5);
    r.sample(NaN);
    r.sample(Infinity);
    expect([r.srtt, r.rto]).to.deep.equal([undefined, 1000]);
    r.sample(0); // a zero RTT is possible in virtual time
    expect([r.srtt, r.rttvar, r.rto]).to.deep.equal([0, 0, 200]);
  });
});
