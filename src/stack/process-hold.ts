// node:net's ref()/unref() for one Server or TcpSocket: while the object is active (listening,
// open) and ref'd, it holds one of the stack's keep-alive holds (Stack.hold), so a real-time
// process does not exit under it.

import type { Stack } from './stack.js';

export class ProcessHold {
  readonly #stack: Stack;
  #ref = true;
  #held = false;

  constructor(stack: Stack) {
    this.#stack = stack;
  }

  /** ref() (true) or unref() (false), with whether the owner is active now. */
  setRef(ref: boolean, active: boolean): void {
    this.#ref = ref;
    this.update(active);
  }

  /** The owner became active or inactive. */
  update(active: boolean): void {
    const want = this.#ref && active;
    if (want === this.#held) return;
    this.#held = want;
    this.#stack.hold(want ? 1 : -1);
  }
}
