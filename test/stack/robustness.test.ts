import { expect } from 'chai';
import { buildEchoPacket, ICMP_ECHO_REQUEST } from '../../src/wire/icmp.js';
import { parseAddress } from '../../src/base/address.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { Random } from '../helpers/random.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, tcpPacket, wireHarness } from './harness.js';

describe('Stack: hostile input', () => {
  it('survives 30,000 mutated, truncated and random packets, counts them, and still answers', () => {
    const h = wireHarness();
    h.stack
      .createServer((s) => {
        s.on('error', () => {});
        s.resume();
      })
      .listen(80);
    const random = new Random(99);
    const templates: Uint8Array[] = [];
    for (const [src, dst] of [
      [CLIENT_V4, SERVER_V4],
      [CLIENT_V6, SERVER_V6],
    ] as const) {
      for (const flags of [
        TcpFlags.SYN,
        TcpFlags.ACK,
        TcpFlags.ACK | TcpFlags.PSH,
        TcpFlags.RST,
        TcpFlags.FIN | TcpFlags.ACK,
        TcpFlags.SYN | TcpFlags.ACK,
        0,
        0xfff,
      ]) {
        templates.push(
          tcpPacket({
            ip: { src, dst },
            tcp: {
              srcPort: 1000 + random.below(4),
              dstPort: random.below(2) ? 80 : 81,
              seq: random.u32(),
              ack: random.u32(),
              flags,
              window: random.below(65536),
              options: {
                mss: random.below(65536),
                windowScale: random.below(20),
                sackPermitted: true,
                timestamp: { value: random.u32(), echo: random.u32() },
                sack: [[random.u32(), random.u32()]],
              },
            },
            payload: random.bytes(random.below(200)),
          }),
        );
      }
    }
    templates.push(
      buildEchoPacket(4, parseAddress(CLIENT_V4).bytes, parseAddress(SERVER_V4).bytes, {
        type: ICMP_ECHO_REQUEST,
        identifier: 1,
        sequence: 1,
        data: random.bytes(32),
      }),
    );
    let injected = 0;
    for (let round = 0; round < 300; round++) {
      const batch: Uint8Array[] = [];
      for (let k = 0; k < 100; k++) {
        const kind = random.below(4);
        const base = templates[random.below(templates.length)]!;
        let p: Uint8Array;
        if (kind === 0) {
          p = random.bytes(random.below(120)); // noise
        } else if (kind === 1) {
          p = base.slice(0, random.below(base.length + 1)); // truncated
        } else {
          p = base.slice();
          const flips = 1 + random.below(kind === 2 ? 2 : 20);
          for (let f = 0; f < flips; f++) p[random.below(p.length)]! ^= 1 << random.below(8);
        }
        batch.push(p);
      }
      h.inject(...batch);
      injected += batch.length;
      h.clock.advance(random.below(2000));
    }
    h.take();
    const s = h.stack.stats;
    expect(s.ip.packetsIn).to.equal(injected);
    const ipDrops = s.ip.notOurs + s.ip.badHeaderChecksum + s.ip.malformed + s.ip.fragments + s.ip.unknownProtocol;
    expect(ipDrops + s.dropped.badChecksum + s.dropped.malformed).to.be.greaterThan(injected / 2);
    // Still alive and correct: a clean ping is answered exactly once.
    h.inject(
      buildEchoPacket(4, parseAddress(CLIENT_V4).bytes, parseAddress(SERVER_V4).bytes, {
        type: ICMP_ECHO_REQUEST,
        identifier: 7,
        sequence: 9,
        data: new Uint8Array(8),
      }),
    );
    const out = h.take();
    expect(out).to.have.length(1);
    expect(out[0]![20]).to.equal(0);
    // Junk creates no table entries of its own: only handshakes the listener admitted are there.
    expect(h.stack.connectionCount).to.be.at.most(1024);
  });
});
