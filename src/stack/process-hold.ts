// node:net's ref()/unref() for one Server or TcpSocket: while the object is active (listening,
// open) and ref'd, it holds one of the stack's keep-alive holds (SocketHost.hold, implemented by Stack), so a real-time
// process does not exit under it.

import type { SocketHost } from './socket-host.js';

export class ProcessHold {
  readonly #host: Pick<SocketHost, 'hold'>;
  #ref = true;
  #held = false;

  constructor(host: Pick<SocketHost, 'hold'>) {
    this.#host = host;
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
    this.#host.hold(want ? 1 : -1);
  }
}
