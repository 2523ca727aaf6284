import { expect } from 'chai';
import { SackScoreboard } from '../../src/tcp/sack-scoreboard.js';

describe('tcp/sack-scoreboard', () => {
  it('merges overlapping and touching blocks and keeps them sorted', () => {
    const sb = new SackScoreboard();
    sb.update([300, 400, 100, 200], 50, 1000);
    expect(sb.rangeCount).to.equal(2);
    sb.update([200, 300], 50, 1000); // touches both: one range
    expect(sb.rangeCount).to.equal(1);
    expect(sb.sackedEndAt(150)).to.equal(400);
    expect(sb.sackedEndAt(400)).to.equal(-1);
    expect(sb.sackedAbove(0)).to.equal(300);
    expect(sb.sackedAbove(250)).to.equal(150);
  });

  it('ignores empty, reversed, stale and beyond-SND.MAX blocks', () => {
    const sb = new SackScoreboard();
    sb.update([100, 100, 200, 150, 10, 60, 900, 1100], 50, 1000);
    expect(sb.isEmpty).to.equal(true);
  });

  it('advance() drops and trims what the cumulative ACK covers', () => {
    const sb = new SackScoreboard();
    sb.update([100, 200, 300, 400], 50, 1000);
    sb.advance(350);
    expect(sb.rangeCount).to.equal(1);
    expect(sb.sackedAbove(0)).to.equal(50);
    expect(sb.nextSackedStart(0)).to.equal(350);
  });

  it('works across 2^32', () => {
    const sb = new SackScoreboard();
    sb.update([0xffffff00, 0x100, 0x200, 0x300], 0xfffffe00, 0x1000);
    expect(sb.rangeCount).to.equal(2);
    expect(sb.sackedEndAt(0xfffffff0)).to.equal(0x100);
    expect(sb.nextSackedStart(0x150)).to.equal(0x200);
    expect(sb.sackedAbove(0xfffffe00)).to.equal(0x200 + 0x100);
  });

  it('holds a bounded number of ranges whatever the peer sends', () => {
    const sb = new SackScoreboard();
    for (let i = 0; i < 100; i++) sb.update([1000 + i * 20, 1010 + i * 20], 0, 1_000_000);
    expect(sb.rangeCount).to.equal(16);
    expect(sb.nextSackedStart(0)).to.equal(1000); // the lowest ranges, the useful ones, stay
  });
});
