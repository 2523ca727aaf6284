// A SYN that reopens a 4-tuple our side holds in TIME-WAIT: the new connection's ISS lies above
// every sequence number the old one used (RFC 9293 §3.6.1 MAY-2 (1); Linux: old SND.NXT + 65537),
// so that no old duplicate can fall into the new connection's window.

import { expect } from 'chai';
import { seqAdd } from '../../src/tcp/seq.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { CLIENT_V4, SERVER_V4, decoded, tcpPacket, wireHarness } from './harness.js';

const { SYN, ACK, FIN } = TcpFlags;

describe('Stack: TIME-WAIT reuse', () => {
  it("the new connection's ISS is the old SND.NXT + 65537, however much the clock moved", async () => {
    const h = wireHarness();
    h.stack
      .createServer((s) => {
        s.resume();
        s.end('bye');
      })
      .listen(80);
    const from = (tcp: { seq: number; ack?: number; flags: number }) =>
      tcpPacket({ ip: { src: CLIENT_V4, dst: SERVER_V4 }, tcp: { srcPort: 1000, dstPort: 80, window: 65535, ...tcp } });
    h.inject(from({ seq: 100, flags: SYN }));
    const [synAck] = h.take();
    const iss = decoded(synAck!).tcp.seq;
    h.inject(from({ seq: 101, ack: seqAdd(iss, 1), flags: ACK }));
    await h.clock.runUntil(() => h.sent.some((p) => (decoded(p).tcp.flags & FIN) !== 0), 1000);
    const sndNxt = seqAdd(iss, 1 + 3 + 1); // SYN, 'bye', FIN
    h.take();
    h.inject(from({ seq: 101, ack: sndNxt, flags: FIN | ACK }));
    await h.clock.runUntil(() => h.sent.length > 0, 1000);
    h.take(); // the ACK of our FIN: TIME-WAIT
    expect(h.stack.connectionCount).to.equal(1);

    h.clock.advance(30_000);
    h.inject(from({ seq: 101 + 1_000_000, flags: SYN }));
    const [again] = h.take();
    const d = decoded(again!);
    expect(d.tcp.flags).to.equal(SYN | ACK);
    expect(d.tcp.ack).to.equal(101 + 1_000_001);
    expect(d.tcp.seq).to.equal(seqAdd(sndNxt, 65537));
  });
});
