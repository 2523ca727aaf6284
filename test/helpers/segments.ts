// Seeded random TcpSegments for the encoder and converter tests: every option combination whose
// SACK blocks still fit in the 40 option bytes.

import type { TcpSegment } from '../../src/wire/segment.js';
import type { Random } from './random.js';

export interface RandomSegmentOptions {
  /** Flags are drawn from 0 .. flagLimit - 1 (default 0x40: FIN..URG). */
  flagLimit?: number;
  /** Also draw a non-zero ECN codepoint half of the time. */
  ecn?: boolean;
}

export function randomSegment(r: Random, o: RandomSegmentOptions = {}): TcpSegment {
  const seg: TcpSegment = {
    srcPort: r.below(65536),
    dstPort: r.below(65536),
    seq: r.u32(),
    ack: r.u32(),
    flags: r.below(o.flagLimit ?? 0x40),
    window: r.below(65536),
    urgentPointer: r.below(65536),
    payload: r.bytes(r.below(3) === 0 ? 0 : r.below(1400)),
  };
  if (r.below(2)) seg.mss = r.below(65536);
  if (r.below(2)) seg.windowScale = r.below(15);
  if (r.below(2)) seg.sackPermitted = true;
  if (r.below(2)) {
    seg.tsVal = r.u32();
    seg.tsEcr = r.u32();
  }
  const sackRoom =
    seg.mss !== undefined || seg.windowScale !== undefined || seg.sackPermitted ? 1 : seg.tsVal !== undefined ? 3 : 4;
  if (r.below(2)) seg.sack = Array.from({ length: 2 * (1 + r.below(sackRoom)) }, () => r.u32());
  if (o.ecn && r.below(2)) seg.ecn = 1 + r.below(3);
  return seg;
}
