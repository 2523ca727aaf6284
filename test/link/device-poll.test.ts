// Device.poll: packets that have arrived but whose delivery has not run yet are handed over at
// once, synchronously (the stack calls it before its timers), through MemoryLink and through the
// wrappers that sit between a device and the stack.

import { expect } from 'chai';
import type { Device } from '../../src/link/device.js';
import { FaultyDevice } from '../../src/link/faulty-device.js';
import { MemoryLink } from '../../src/link/memory-link.js';
import { PcapTap } from '../../src/link/pcap-tap.js';
import type { Clock } from '../../src/base/clock.js';

/** A clock whose timers never fire by themselves: time moves, deliveries wait (a blocked loop). */
function stalledClock(): Clock & { t: number } {
  return {
    t: 0,
    now() {
      return this.t;
    },
    setTimer: () => ({ cancel() {} }),
  };
}

function pollThrough(wrap: (d: Device) => Device): { before: number; after: number } {
  const clock = stalledClock();
  const [a, b] = MemoryLink.pair({ delayMs: 5, clock });
  const device = wrap(b);
  let got = 0;
  device.onReceive((packets) => {
    got += packets.length;
  });
  a.send(new Uint8Array(40));
  a.send(new Uint8Array(41));
  clock.t = 4;
  device.poll!(); // not arrived yet
  const before = got;
  clock.t = 5;
  device.poll!();
  return { before, after: got };
}

describe('Device.poll', () => {
  it('MemoryLink delivers what has arrived by now, nothing earlier', () => {
    expect(pollThrough((d) => d)).to.deep.equal({ before: 0, after: 2 });
  });

  it('PcapTap and FaultyDevice pass it to the device they wrap', () => {
    expect(pollThrough((d) => new PcapTap(d))).to.deep.equal({ before: 0, after: 2 });
    expect(pollThrough((d) => new FaultyDevice(d, { clock: stalledClock() }))).to.deep.equal({ before: 0, after: 2 });
  });
});
