import { expect } from 'chai';
import { buildEchoPacket, ICMP_ECHO_REQUEST, ICMPV6_ECHO_REQUEST } from '../../src/wire/icmp.js';
import type { MartianReason } from '../../src/stack/martian.js';
import { parseAddress } from '../../src/base/address.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, tcpPacket, wireHarness, type WireHarness } from './harness.js';

// The harness stack owns 192.0.2.2/24 and 2001:db8::2/64: its subnet broadcast is 192.0.2.255.
const MARTIAN_SOURCES: [string, MartianReason][] = [
  ['255.255.255.255', 'broadcastSource'],
  ['192.0.2.255', 'broadcastSource'],
  ['224.0.0.1', 'multicastSource'],
  ['239.1.2.3', 'multicastSource'],
  ['0.0.0.0', 'unspecifiedSource'],
  ['0.1.2.3', 'unspecifiedSource'],
  ['127.0.0.1', 'loopbackSource'],
  ['127.8.9.10', 'loopbackSource'],
  [SERVER_V4, 'ownSource'],
  ['ff02::1', 'multicastSource'],
  ['ff05::1:3', 'multicastSource'],
  ['::', 'unspecifiedSource'],
  ['::1', 'loopbackSource'],
  [SERVER_V6, 'ownSource'],
];

function syn(src: string, dstPort: number): Uint8Array {
  const dst = src.includes(':') ? SERVER_V6 : SERVER_V4;
  return tcpPacket({
    ip: { src, dst },
    tcp: { srcPort: 40000, dstPort, seq: 1000, flags: TcpFlags.SYN, window: 65535, options: { mss: 1460 } },
  });
}

function listening(): WireHarness {
  const h = wireHarness();
  h.stack.createServer(() => {}).listen(80);
  h.take();
  return h;
}

describe('Stack: martian addresses (RFC 1122 §3.2.1.3, RFC 1812 §5.3.7, RFC 4291)', () => {
  it('answers the same SYN from an ordinary source (the control case)', () => {
    const h = listening();
    h.inject(syn(CLIENT_V4, 80), syn(CLIENT_V6, 80), syn(CLIENT_V4, 81));
    const flags = h
      .take()
      .map((p) => p[p[0]! >> 4 === 4 ? 33 : 53])
      .sort();
    expect(flags).to.deep.equal(
      [TcpFlags.SYN | TcpFlags.ACK, TcpFlags.SYN | TcpFlags.ACK, TcpFlags.RST | TcpFlags.ACK].sort(),
    );
    expect(Object.values(h.stack.stats.martians).every((n) => n === 0)).to.equal(true);
  });

  for (const [source, reason] of MARTIAN_SOURCES) {
    it(`never answers a SYN from ${source} (listener or not) and counts it as ${reason}`, () => {
      const h = listening();
      h.inject(syn(source, 80), syn(source, 81));
      expect(h.take()).to.have.length(0);
      expect(h.stack.stats.martians[reason]).to.equal(2);
      expect(h.stack.connectionCount).to.equal(0);
      expect(h.stack.stats.stack.passiveOpens).to.equal(0);
      expect(h.stack.stats.resetsSent).to.equal(0);
    });
  }

  it('answers no ICMP echo request from a martian source, and still answers an ordinary one', () => {
    const h = wireHarness();
    const bytes = (a: string) => parseAddress(a).bytes;
    const echo4 = (src: string) =>
      buildEchoPacket(4, bytes(src), bytes(SERVER_V4), {
        type: ICMP_ECHO_REQUEST,
        identifier: 1,
        sequence: 1,
        data: new Uint8Array(8),
      });
    const echo6 = (src: string) =>
      buildEchoPacket(6, bytes(src), bytes(SERVER_V6), {
        type: ICMPV6_ECHO_REQUEST,
        identifier: 1,
        sequence: 1,
        data: new Uint8Array(8),
      });
    h.inject(echo4('192.0.2.255'), echo4('224.0.0.1'), echo4('127.0.0.1'), echo6('ff02::1'), echo6('::'));
    expect(h.take()).to.have.length(0);
    const m = h.stack.stats.martians;
    expect([m.broadcastSource, m.multicastSource, m.loopbackSource, m.unspecifiedSource]).to.deep.equal([1, 2, 1, 1]);
    expect(h.stack.stats.icmp.echoRequestsIn).to.equal(0);
    h.inject(echo4(CLIENT_V4));
    expect(h.take()).to.have.length(1);
  });

  it('drops a TCP segment to a broadcast or multicast destination and counts it', () => {
    const h = listening();
    const to = (dst: string, src: string) =>
      tcpPacket({ ip: { src, dst }, tcp: { srcPort: 40000, dstPort: 80, seq: 1, flags: TcpFlags.SYN } });
    h.inject(
      to('192.0.2.255', CLIENT_V4),
      to('255.255.255.255', CLIENT_V4),
      to('224.0.0.1', CLIENT_V4),
      to('ff02::1', CLIENT_V6),
      to('198.51.100.1', CLIENT_V4),
    );
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.martians.nonUnicastDestination).to.equal(4);
    expect(h.stack.stats.ip.notOurs).to.equal(1); // an ordinary address of someone else's
  });

  it('treats no address as a subnet broadcast on a /31 (RFC 3021) and accepts its peer', () => {
    const h = wireHarness({ addresses: ['198.51.100.0/31'] });
    h.stack.createServer(() => {}).listen(80);
    h.inject(
      tcpPacket({
        ip: { src: '198.51.100.1', dst: '198.51.100.0' },
        tcp: { srcPort: 40000, dstPort: 80, seq: 1, flags: TcpFlags.SYN },
      }),
    );
    expect(h.take()).to.have.length(1);
    expect(h.stack.stats.martians.broadcastSource).to.equal(0);
  });

  it('still talks to its own addresses through its loopback path (their source is ours)', async () => {
    const h = wireHarness();
    h.stack.createServer((s) => s.end('hi')).listen(80);
    let text = '';
    let closed = false;
    const sock = h.stack.connect(80, SERVER_V4);
    sock.on('data', (d: Buffer) => {
      text += d.toString();
    });
    sock.on('close', () => {
      closed = true;
    });
    await h.clock.runUntil(() => closed, 10_000);
    expect(text).to.equal('hi');
    expect(h.stack.stats.martians.ownSource).to.equal(0);
    expect(h.sent).to.have.length(0);
  });
});
