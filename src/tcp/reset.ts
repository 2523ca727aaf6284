// RFC 9293 §3.10.7.1: the reply to a segment that reaches no connection (CLOSED), also used for
// a non-SYN segment that reaches a LISTEN port (§3.10.7.2: an ACK gets a RST, a RST is ignored).

import { ACK, EMPTY_PAYLOAD, FIN, RST, SYN, type TcpSegment } from '../wire/segment.js';

/**
 * The RST answering `seg`, or null when none is due (an incoming RST is never answered, so two
 * stacks cannot bounce resets forever).
 *  - ACK set:   <SEQ=SEG.ACK><CTL=RST>
 *  - ACK clear: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SEG.LEN counting SYN and FIN
 */
export function resetFor(seg: TcpSegment): TcpSegment | null {
  if (seg.flags & RST) return null;
  if (seg.flags & ACK) {
    return {
      srcPort: seg.dstPort,
      dstPort: seg.srcPort,
      seq: seg.ack >>> 0,
      ack: 0,
      flags: RST,
      window: 0,
      urgentPointer: 0,
      payload: EMPTY_PAYLOAD,
    };
  }
  const len = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
  return {
    srcPort: seg.dstPort,
    dstPort: seg.srcPort,
    seq: 0,
    ack: (seg.seq + len) >>> 0,
    flags: RST | ACK,
    window: 0,
    urgentPointer: 0,
    payload: EMPTY_PAYLOAD,
  };
}
