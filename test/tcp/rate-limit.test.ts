// RateLimiter: burst size, refill rate, cap on saved-up tokens, odd clocks, bad input.

import { expect } from 'chai';
import { RateLimiter } from '../../src/tcp/rate-limit.js';

function countAllowed(r: RateLimiter, now: number, tries: number): number {
  let n = 0;
  for (let i = 0; i < tries; i++) if (r.allow(now)) n++;
  return n;
}

describe('RateLimiter', function () {
  it('allows a burst of perSecond events at once, then refuses', function () {
    const r = new RateLimiter(10);
    expect(countAllowed(r, 5000, 50)).to.equal(10);
    expect(r.allow(5000)).to.equal(false);
  });

  it('refills at perSecond per second', function () {
    const r = new RateLimiter(10);
    countAllowed(r, 0, 10);
    expect(r.allow(99)).to.equal(false); // 0.99 of a token
    expect(r.allow(100)).to.equal(true);
    expect(r.allow(100)).to.equal(false);
    expect(countAllowed(r, 600, 20)).to.equal(5);
  });

  it('holds the long-run rate to perSecond under constant pressure', function () {
    const r = new RateLimiter(10);
    let allowed = 0;
    for (let t = 0; t <= 60000; t += 7) if (r.allow(t)) allowed++;
    // 10 in the initial burst plus 10 per second for 60 s.
    expect(allowed).to.be.within(609, 610);
  });

  it('saves up at most one burst while idle', function () {
    const r = new RateLimiter(10);
    countAllowed(r, 0, 10);
    expect(countAllowed(r, 3_600_000, 100)).to.equal(10);
  });

  it('gives nothing for a clock that steps backwards', function () {
    const r = new RateLimiter(10);
    countAllowed(r, 1000, 10);
    expect(r.allow(500)).to.equal(false);
    expect(r.allow(1000)).to.equal(false);
    expect(r.allow(1100)).to.equal(true);
    expect(r.allow(1100)).to.equal(false);
  });

  it('with a rate of 0 never allows anything', function () {
    const r = new RateLimiter(0);
    expect(r.allow(0)).to.equal(false);
    expect(r.allow(1e9)).to.equal(false);
  });

  it('supports fractional rates', function () {
    const r = new RateLimiter(0.5); // one every 2 s; the burst is still one event
    expect(r.allow(0)).to.equal(true);
    expect(r.allow(1999)).to.equal(false);
    expect(r.allow(2000)).to.equal(true);
    expect(countAllowed(r, 100000, 5)).to.equal(1);
    const s = new RateLimiter(2);
    countAllowed(s, 0, 2);
    expect(s.allow(499)).to.equal(false);
    expect(s.allow(500)).to.equal(true);
  });

  it('rejects negative and non-finite rates', function () {
    expect(() => new RateLimiter(-1)).to.throw(RangeError);
    expect(() => new RateLimiter(NaN)).to.throw(RangeError);
    expect(() => new RateLimiter(Infinity)).to.throw(RangeError);
  });
});
