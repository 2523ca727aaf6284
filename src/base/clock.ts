// Time for the stack and the links. The TCP engine is sans-IO and takes `now` as a number of
// milliseconds; whoever drives it owns a Clock. RealClock follows the process's monotonic clock;
// VirtualClock only moves when a test (or a benchmark) tells it to, so runs are deterministic.

import { DeadlineHeap, type HeapItem } from './deadline-heap.js';

export interface Timer {
  /** Stops the timer; harmless after it fired or was cancelled. */
  cancel(): void;
  /** Real-time clocks: let the process exit while only this timer is pending. */
  unref?(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (not wall-clock time). */
  now(): number;
  /** Calls `fn` once at or after absolute time `at` (ms on this clock's scale). */
  setTimer(at: number, fn: () => void): Timer;
  /**
   * Real-time clocks: `true` takes a hold that keeps the process alive, `false` gives one back
   * (holds are counted; a Stack takes one while a server listens or a socket is open).
   */
  hold?(on: boolean): void;
}

/** Real time: performance.now() and Node timers. */
export class RealClock implements Clock {
  #holds = 0;
  #holder: NodeJS.Timeout | null = null;

  now(): number {
    return performance.now();
  }

  hold(on: boolean): void {
    this.#holds = Math.max(0, this.#holds + (on ? 1 : -1));
    if (this.#holds > 0 && this.#holder === null) {
      // A ref'd timer that never fires is the cheapest handle that keeps the event loop alive.
      this.#holder = setInterval(() => {}, 0x7fffffff);
    } else if (this.#holds === 0 && this.#holder !== null) {
      clearInterval(this.#holder);
      this.#holder = null;
    }
  }

  setTimer(at: number, fn: () => void): Timer {
    return new RealTimer(at, fn);
  }
}

class RealTimer implements Timer {
  #handle: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #immediate = false;
  #ref = true;

  constructor(
    readonly at: number,
    readonly fn: () => void,
  ) {
    this.#schedule();
  }

  #schedule(): void {
    const delay = this.at - performance.now();
    this.#immediate = delay <= 0;
    if (delay <= 0) {
      this.#handle = setImmediate(() => {
        this.#handle = null;
        this.fn();
      });
    } else {
      // Node timers count from the event loop's cached time, which lags performance.now(), so a
      // timeout can fire a little early by this clock: check, and wait out the rest if so.
      this.#handle = setTimeout(() => {
        this.#handle = null;
        if (performance.now() < this.at) this.#schedule();
        else this.fn();
      }, Math.ceil(delay));
    }
    if (!this.#ref) this.#handle.unref();
  }

  cancel(): void {
    const h = this.#handle;
    this.#handle = null;
    if (h === null) return;
    if (this.#immediate) clearImmediate(h as NodeJS.Immediate);
    else clearTimeout(h as NodeJS.Timeout);
  }

  unref(): void {
    this.#ref = false;
    this.#handle?.unref();
  }
}

class VirtualTimer implements HeapItem, Timer {
  deadline = 0;
  heapIndex = -1;
  fn: (() => void) | null;
  readonly #clock: VirtualClock;

  constructor(clock: VirtualClock, fn: () => void) {
    this.#clock = clock;
    this.fn = fn;
  }

  cancel(): void {
    this.fn = null;
    this.#clock.cancelTimer(this);
  }
}

/** Thrown by VirtualClock.runUntil when the condition is not met in time or nothing is left to run. */
export class ClockLimitError extends Error {
  override readonly name = 'ClockLimitError';
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that stands still until told to move. `advance()` runs timers synchronously; the async
 * `runUntil()` / `runUntilIdle()` also let Node's event loop run between steps (streams deliver
 * events on process.nextTick and setImmediate), and move time forward only when nothing is left
 * to do at the current instant — so simulated delays cost no real time.
 */
export class VirtualClock implements Clock {
  #now: number;
  readonly #timers = new DeadlineHeap<VirtualTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(at: number, fn: () => void): Timer {
    const timer = new VirtualTimer(this, fn);
    this.#timers.set(timer, Math.max(at, this.#now));
    return timer;
  }

  /** @internal */
  cancelTimer(timer: VirtualTimer): void {
    this.#timers.remove(timer);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Absolute time of the next timer, or Infinity. */
  get nextDeadline(): number {
    return this.#timers.peek()?.deadline ?? Infinity;
  }

  /** Runs every timer due at or before the current time, including ones they schedule for now. */
  runDue(): number {
    let fired = 0;
    for (let t = this.#timers.peek(); t !== undefined && t.deadline <= this.#now; t = this.#timers.peek()) {
      this.#timers.pop();
      const fn = t.fn;
      t.fn = null;
      if (fn) {
        fired++;
        fn();
      }
    }
    return fired;
  }

  /** Moves time forward by `ms`, firing timers in deadline order at their own instants. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('advance() needs a non-negative number of ms');
    const end = this.#now + ms;
    this.runDue();
    for (let t = this.#timers.peek(); t !== undefined && t.deadline <= end; t = this.#timers.peek()) {
      this.#now = t.deadline;
      this.runDue();
    }
    this.#now = end;
  }

  /**
   * Runs timers and the event loop, jumping time to the next timer whenever the current instant
   * is settled, until `done()` is true. Resolves to the virtual ms it took. Rejects with
   * ClockLimitError when more than `limitMs` of virtual time would pass, or when nothing is
   * scheduled and `done()` is still false.
   */
  async runUntil(done: () => boolean, limitMs = 3_600_000): Promise<number> {
    const start = this.#now;
    const deadline = start + limitMs;
    for (;;) {
      if (done()) return this.#now - start;
      this.runDue();
      // Twice: callbacks that stream code defers with setImmediate get their turn too.
      await yieldToEventLoop();
      await yieldToEventLoop();
      if (done()) return this.#now - start;
      const next = this.#timers.peek();
      if (next === undefined) throw new ClockLimitError(`idle at t=${this.#now} ms and the condition is still false`);
      if (next.deadline <= this.#now) continue;
      if (next.deadline > deadline) {
        this.#now = deadline;
        throw new ClockLimitError(`condition still false after ${limitMs} virtual ms`);
      }
      this.#now = next.deadline;
    }
  }

  /** Runs until no timer is left (or `limitMs` of virtual time passes; then ClockLimitError). */
  async runUntilIdle(limitMs = 3_600_000): Promise<number> {
    const start = this.#now;
    const deadline = start + limitMs;
    for (;;) {
      this.runDue();
      await yieldToEventLoop();
      await yieldToEventLoop();
      const next = this.#timers.peek();
      if (next === undefined) return this.#now - start;
      if (next.deadline <= this.#now) continue;
      if (next.deadline > deadline) {
        this.#now = deadline;
        throw new ClockLimitError(`still busy after ${limitMs} virtual ms`);
      }
      this.#now = next.deadline;
    }
  }
}
