// Shared setup of the RACK and TLP scenarios: SACK agreed after a handshake of `rtt` ms (the SYN
// at t = 0, its SYN-ACK at t = rtt, so SRTT = min_rtt = rtt), MSS 1000, Nagle off.

import { SYN, ACK } from '../../src/tcp/index.js';
import type { LossDetection } from '../../src/tcp/config.js';
import { Harness } from './harness.js';

export function sackEstablished(rtt: number, lossDetection: LossDetection = 'rack'): Harness {
  const h = Harness.connect({ config: { sack: true, lossDetection } });
  h.collect();
  h.advanceTo(rtt);
  h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, sackPermitted: true });
  h.collect();
  h.conn.setNoDelay(true);
  return h;
}

/** Sequence numbers of the data segments the connection sends now. */
export function dataSeqs(h: Harness): number[] {
  return h
    .collect()
    .filter((s) => s.payload.length > 0)
    .map((s) => s.seq);
}
