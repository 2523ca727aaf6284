// Event-loop stalls against the Linux kernel: our stack sends to a kernel echo server and then
// blocks its own event loop for 300 ms, five times. The kernel's ACKs (and echoed data) arrive
// meanwhile and wait in the TUN device; on waking, libuv runs the expired retransmission timer
// before it reads the device. The stack reads the device first (TunDevice.poll) so that no RTO
// fires; through a device that cannot be read early, every RTO that fires is found spurious
// (Eifel, timestamps) and undone.

import { expect } from 'chai';
import type { Device } from '../../src/link/device.js';
import { receiveAll } from '../stack/transfer-helpers.js';
import { interopSuite, KERNEL, until } from './fixture.js';

const PORT = 6100;
const CHUNK = 256 * 1024;

function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* a stalled event loop: GC, CPU contention */
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Without poll: the stack cannot read ahead of its timers. */
function withoutPoll(inner: Device): Device {
  return {
    mtu: inner.mtu,
    send: (p) => inner.send(p),
    onReceive: (h) => inner.onReceive(h),
    close: () => inner.close(),
  };
}

describe('interop: event-loop stalls while the kernel is sending ACKs', function () {
  this.timeout(120_000);
  const open = interopSuite();

  for (const early of [true, false]) {
    it(
      early
        ? 'five 300 ms stalls: the waiting ACKs are read before the timers, no RTO fires'
        : 'five 300 ms stalls through a device without poll: every RTO is undone as spurious',
      async () => {
        const peer = await open(early ? {} : { insert: withoutPoll });
        const server = peer.node('tcp-server.mjs', [PORT, KERNEL[4]]);
        await server.waitFor('listening', 10_000);
        const socket = peer.stack.connect({ port: PORT, host: KERNEL[4], allowHalfOpen: true });
        const got = receiveAll(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
        let total = 0;
        for (let stall = 0; stall < 5; stall++) {
          socket.write(Buffer.alloc(CHUNK, stall));
          total += CHUNK;
          await turn(); // our segments reach the TUN device
          await turn();
          blockFor(300);
          await until(() => got.bytes >= total, 30_000, 'the echo of this round');
        }
        const stats = peer.stack.stats;
        expect(got.bytes).to.equal(total);
        if (early) expect(stats.timeouts).to.equal(0);
        expect(stats.spuriousTimeoutsUndone, `${stats.timeouts} RTOs`).to.equal(stats.timeouts);
        socket.end();
        await new Promise((resolve) => socket.on('close', resolve));
      },
    );
  }
});
