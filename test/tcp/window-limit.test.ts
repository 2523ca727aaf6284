// WindowLimit: at most N events in any window of W ms, exactly; odd clocks; bad input.

import { expect } from 'chai';
import { WindowLimit } from '../../src/tcp/window-limit.js';

describe('WindowLimit', function () {
  it('allows N at once, then nothing until the first of them is W ms old', function () {
    const w = new WindowLimit(3, 1000);
    expect([w.allow(0), w.allow(0), w.allow(500), w.allow(500), w.allow(999)]).to.deep.equal([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(w.allow(1000)).to.equal(true); // the first two leave the window at 1000
    expect(w.allow(1000)).to.equal(true);
    expect(w.allow(1000)).to.equal(false);
    expect(w.allow(1499)).to.equal(false);
    expect(w.allow(1500)).to.equal(true);
  });

  it('never lets more than N into any W-ms window under steady pressure', function () {
    const w = new WindowLimit(10, 1000);
    const at: number[] = [];
    for (let t = 0; t <= 60000; t += 7) if (w.allow(t)) at.push(t);
    for (let i = 0; i < at.length; i++) {
      let n = 0;
      for (let j = i; j < at.length && at[j]! < at[i]! + 1000; j++) n++;
      expect(n).to.be.at.most(10);
    }
    expect(at.length).to.be.within(600, 611);
  });

  it('a clock that steps backwards counts as standing still', function () {
    const w = new WindowLimit(1, 1000);
    expect(w.allow(5000)).to.equal(true);
    expect(w.allow(100)).to.equal(false);
    expect(w.allow(5999)).to.equal(false);
    expect(w.allow(6000)).to.equal(true);
  });

  it('rejects a limit or window that is not a positive integer', function () {
    expect(() => new WindowLimit(0, 1000)).to.throw(RangeError);
    expect(() => new WindowLimit(1.5, 1000)).to.throw(RangeError);
    expect(() => new WindowLimit(1, 0)).to.throw(RangeError);
  });
});
