import { expect } from 'chai';
import { ClockLimitError, RealClock, VirtualClock } from '../../src/base/clock.js';
import { DeadlineHeap, type HeapItem } from '../../src/base/deadline-heap.js';
import { Random } from '../helpers/random.js';

describe('DeadlineHeap', () => {
  it('pops items in deadline order after random inserts, moves and removals', () => {
    const random = new Random(5);
    const heap = new DeadlineHeap<HeapItem & { id: number }>();
    const items = Array.from({ length: 500 }, (_, id) => ({ id, deadline: Infinity, heapIndex: -1 }));
    const expected = new Map<number, number>();
    for (let round = 0; round < 3000; round++) {
      const item = items[random.below(items.length)]!;
      const r = random.below(10);
      if (r < 7) {
        const d = random.below(100_000);
        heap.set(item, d);
        expected.set(item.id, d);
      } else if (r < 9) {
        heap.remove(item);
        expected.delete(item.id);
      } else {
        heap.set(item, Infinity);
        expected.delete(item.id);
      }
    }
    expect(heap.size).to.equal(expected.size);
    const popped: number[] = [];
    for (let x = heap.pop(); x; x = heap.pop()) {
      expect(x.deadline).to.equal(expected.get(x.id));
      expect(x.heapIndex).to.equal(-1);
      popped.push(x.deadline);
    }
    expect(popped).to.deep.equal([...expected.values()].sort((a, b) => a - b));
  });
});

describe('VirtualClock', () => {
  it('fires timers in deadline order at their own instants when advanced', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.setTimer(30, () => log.push(`c@${clock.now()}`));
    clock.setTimer(10, () => {
      log.push(`a@${clock.now()}`);
      clock.setTimer(15, () => log.push(`b@${clock.now()}`));
    });
    const cancelled = clock.setTimer(20, () => log.push('never'));
    cancelled.cancel();
    clock.advance(25);
    expect(log).to.deep.equal(['a@10', 'b@15']);
    expect(clock.now()).to.equal(25);
    clock.advance(5);
    expect(log).to.deep.equal(['a@10', 'b@15', 'c@30']);
  });

  it('fires equal deadlines first-in first-out, and a timer set in the past at once', () => {
    const clock = new VirtualClock(100);
    const log: number[] = [];
    for (let i = 0; i < 5; i++) clock.setTimer(110, () => log.push(i));
    clock.setTimer(50, () => log.push(-1));
    clock.advance(0);
    expect(log).to.deep.equal([-1]);
    clock.advance(10);
    expect(log).to.deep.equal([-1, 0, 1, 2, 3, 4]);
  });

  it('runUntil lets the event loop run and jumps time only when idle', async () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const step = () => {
      ticks++;
      // Work deferred through the real event loop must be seen before time moves on.
      setImmediate(() => clock.setTimer(clock.now() + 1000, step));
    };
    clock.setTimer(1000, step);
    const took = await clock.runUntil(() => ticks === 5);
    expect(took).to.equal(5000);
    expect(clock.now()).to.equal(5000);
  });

  it('runUntil rejects past its limit, and when idle with the condition false', async () => {
    const clock = new VirtualClock();
    clock.setTimer(10_000, () => {});
    let error: unknown;
    try {
      await clock.runUntil(() => false, 5000);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ClockLimitError);
    expect(clock.now()).to.equal(5000);
    error = undefined;
    try {
      await clock.runUntil(() => false, 100_000);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ClockLimitError);
    expect((error as Error).message).to.match(/idle/);
  });

  it('runUntilIdle runs every timer and reports the virtual time taken', async () => {
    const clock = new VirtualClock();
    let n = 0;
    const again = () => {
      if (++n < 4) clock.setTimer(clock.now() + 250, again);
    };
    clock.setTimer(250, again);
    expect(await clock.runUntilIdle()).to.equal(1000);
    expect(n).to.equal(4);
    expect(clock.pending).to.equal(0);
  });
});

describe('RealClock', () => {
  it('fires a timer no earlier than its deadline, and not after cancel', async () => {
    const clock = new RealClock();
    const start = clock.now();
    const fired = await new Promise<number>((resolve) => clock.setTimer(start + 5, () => resolve(clock.now())));
    expect(fired).to.be.at.least(start + 5);
    let ran = false;
    clock
      .setTimer(clock.now() + 1, () => {
        ran = true;
      })
      .cancel();
    clock
      .setTimer(clock.now() - 1, () => {
        ran = true;
      })
      .cancel();
    await new Promise((r) => setTimeout(r, 10));
    expect(ran).to.equal(false);
  });
});
