// Sequence arithmetic mod 2^32: ordinary cases, wrap-around at 2^32, the 2^31 boundary, and a
// seeded comparison against a BigInt reference.

import { expect } from 'chai';
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax, seqMin } from '../../src/tcp/seq.js';
import { Random } from '../helpers/random.js';

const MAX = 0xffffffff;

describe('seq', function () {
  describe('seqAdd', function () {
    it('adds without wrapping', function () {
      expect(seqAdd(1000, 460)).to.equal(1460);
    });
    it('wraps past 2^32', function () {
      expect(seqAdd(MAX, 1)).to.equal(0);
      expect(seqAdd(MAX - 9, 20)).to.equal(10);
      expect(seqAdd(0x80000000, 0x80000000)).to.equal(0);
    });
    it('accepts a negative increment and wraps below zero', function () {
      expect(seqAdd(0, -1)).to.equal(MAX);
      expect(seqAdd(5, -10)).to.equal(MAX - 4);
      expect(seqAdd(100, -1)).to.equal(99);
    });
    it('always returns a uint32', function () {
      for (const v of [seqAdd(MAX, MAX), seqAdd(0, -0x80000000), seqAdd(0x7fffffff, 1)]) {
        expect(v).to.be.at.least(0);
        expect(v).to.be.at.most(MAX);
        expect(Number.isInteger(v)).to.equal(true);
      }
    });
  });

  describe('seqDiff', function () {
    it('is the plain difference for nearby numbers', function () {
      expect(seqDiff(1500, 1000)).to.equal(500);
      expect(seqDiff(1000, 1500)).to.equal(-500);
      expect(seqDiff(7, 7)).to.equal(0);
    });
    it('measures across the wrap', function () {
      expect(seqDiff(5, MAX - 4)).to.equal(10);
      expect(seqDiff(MAX - 4, 5)).to.equal(-10);
      expect(seqDiff(0, MAX)).to.equal(1);
    });
    it('keeps results in (-2^31, 2^31]', function () {
      expect(seqDiff(0x80000000, 0)).to.equal(0x80000000);
      expect(seqDiff(0, 0x80000000)).to.equal(0x80000000);
      expect(seqDiff(0x7fffffff, 0)).to.equal(0x7fffffff);
      expect(seqDiff(0, 0x7fffffff)).to.equal(-0x7fffffff);
      expect(seqDiff(0x80000001, 0)).to.equal(-0x7fffffff);
    });
  });

  describe('comparisons', function () {
    it('orders ordinary numbers', function () {
      expect(seqLt(1, 2)).to.equal(true);
      expect(seqLt(2, 1)).to.equal(false);
      expect(seqLt(2, 2)).to.equal(false);
      expect(seqLe(2, 2)).to.equal(true);
      expect(seqGt(3, 2)).to.equal(true);
      expect(seqGt(2, 2)).to.equal(false);
      expect(seqGe(2, 2)).to.equal(true);
      expect(seqGe(1, 2)).to.equal(false);
    });
    it('treats a number just past the wrap as later', function () {
      expect(seqLt(MAX, 0)).to.equal(true);
      expect(seqGt(0, MAX)).to.equal(true);
      expect(seqLt(MAX - 100, 100)).to.equal(true);
      expect(seqGe(100, MAX - 100)).to.equal(true);
      expect(seqLe(100, MAX - 100)).to.equal(false);
    });
    it('flips at half the space', function () {
      expect(seqLt(0, 0x7fffffff)).to.equal(true);
      expect(seqLt(0, 0x80000001)).to.equal(false);
      expect(seqGt(0, 0x80000001)).to.equal(true);
    });
  });

  describe('seqInWindow', function () {
    it('includes the left edge and excludes the right edge', function () {
      expect(seqInWindow(100, 100, 10)).to.equal(true);
      expect(seqInWindow(109, 100, 10)).to.equal(true);
      expect(seqInWindow(110, 100, 10)).to.equal(false);
      expect(seqInWindow(99, 100, 10)).to.equal(false);
    });
    it('works for a window straddling 2^32', function () {
      const start = MAX - 4;
      expect(seqInWindow(MAX, start, 10)).to.equal(true);
      expect(seqInWindow(0, start, 10)).to.equal(true);
      expect(seqInWindow(4, start, 10)).to.equal(true);
      expect(seqInWindow(5, start, 10)).to.equal(false);
      expect(seqInWindow(start - 1, start, 10)).to.equal(false);
    });
    it('contains nothing when empty', function () {
      expect(seqInWindow(100, 100, 0)).to.equal(false);
      expect(seqInWindow(0, 0, 0)).to.equal(false);
    });
    it('handles windows wider than half the sequence space', function () {
      expect(seqInWindow(0xc0000000, 0, 0xd0000000)).to.equal(true);
      expect(seqInWindow(0xe0000000, 0, 0xd0000000)).to.equal(false);
      expect(seqInWindow(MAX, 0, 0x100000000)).to.equal(true);
    });
  });

  describe('seqMax / seqMin', function () {
    it('pick by sequence order, not numeric order', function () {
      expect(seqMax(10, 20)).to.equal(20);
      expect(seqMin(10, 20)).to.equal(10);
      expect(seqMax(MAX, 3)).to.equal(3);
      expect(seqMin(MAX, 3)).to.equal(MAX);
      expect(seqMax(3, MAX)).to.equal(3);
      expect(seqMin(3, MAX)).to.equal(MAX);
      expect(seqMax(42, 42)).to.equal(42);
    });
  });

  it('agrees with a BigInt reference on seeded random pairs', function () {
    const rnd = new Random(0x5e9);
    const M = 1n << 32n;
    for (let i = 0; i < 20000; i++) {
      const a = rnd.u32();
      // Half the pairs close together (including across the wrap), half anywhere.
      const b = i & 1 ? rnd.u32() : (a + rnd.below(2001) - 1000 + 0x100000000) % 0x100000000;
      let d = (BigInt(a) - BigInt(b)) % M;
      if (d < 0n) d += M;
      const signed = d > M / 2n ? d - M : d; // (-2^31, 2^31]
      expect(seqDiff(a, b)).to.equal(Number(signed));
      expect(seqLt(a, b)).to.equal(signed < 0n);
      expect(seqGe(a, b)).to.equal(signed >= 0n);
      const n = rnd.below(0x100000000) - 0x80000000;
      expect(seqAdd(a, n)).to.equal(Number((((BigInt(a) + BigInt(n)) % M) + M) % M));
      const len = rnd.below(5000);
      expect(seqInWindow(b, a, len)).to.equal(Number((((BigInt(b) - BigInt(a)) % M) + M) % M) < len);
    }
  });
});
