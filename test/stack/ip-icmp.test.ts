import { expect } from 'chai';
import { buildEchoPacket, ICMP_ECHO_REQUEST, ICMPV6_ECHO_REQUEST } from '../../src/wire/icmp.js';
import { parseAddress } from '../../src/base/address.js';
import { internetChecksum, pseudoHeaderSum } from '../../src/wire/checksum.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, decoded, stackPair, tcpPacket, wireHarness } from './harness.js';

const bytes = (a: string) => parseAddress(a).bytes;
const DATA = Uint8Array.from({ length: 56 }, (_, i) => (i * 7) & 0xff);

describe('Stack: IP and ICMP input', () => {
  it('answers an ICMP echo request with the exact echo reply', () => {
    const h = wireHarness();
    const request = buildEchoPacket(4, bytes(CLIENT_V4), bytes(SERVER_V4), {
      type: ICMP_ECHO_REQUEST,
      identifier: 0x1234,
      sequence: 7,
      data: DATA,
    });
    h.inject(request);
    const [reply, ...rest] = h.take();
    expect(rest).to.have.length(0);
    const r = reply!;
    // IPv4 header: version/IHL, total length, TTL 64, protocol 1, our address to theirs, valid checksum.
    expect(r[0]).to.equal(0x45);
    expect((r[2]! << 8) | r[3]!).to.equal(20 + 8 + 56);
    expect(r[8]).to.equal(64);
    expect(r[9]).to.equal(1);
    expect([...r.subarray(12, 16)]).to.deep.equal([...bytes(SERVER_V4)]);
    expect([...r.subarray(16, 20)]).to.deep.equal([...bytes(CLIENT_V4)]);
    expect(internetChecksum(r.subarray(0, 20))).to.equal(0);
    // ICMP: type 0 code 0, identifier, sequence and data echoed, checksum valid.
    const icmp = r.subarray(20);
    expect([icmp[0], icmp[1]]).to.deep.equal([0, 0]);
    expect([...icmp.subarray(4, 8)]).to.deep.equal([0x12, 0x34, 0, 7]);
    expect([...icmp.subarray(8)]).to.deep.equal([...DATA]);
    expect(internetChecksum(icmp)).to.equal(0);
    expect(h.stack.stats.icmp.echoRequestsIn).to.equal(1);
    expect(h.stack.stats.icmp.echoRepliesOut).to.equal(1);
  });

  it('answers an ICMPv6 echo request with the exact echo reply (pseudo-header checksum)', () => {
    const h = wireHarness();
    h.inject(
      buildEchoPacket(6, bytes(CLIENT_V6), bytes(SERVER_V6), {
        type: ICMPV6_ECHO_REQUEST,
        identifier: 0xbeef,
        sequence: 300,
        data: DATA,
      }),
    );
    const [reply] = h.take();
    const r = reply!;
    expect(r[0]! >> 4).to.equal(6);
    expect((r[4]! << 8) | r[5]!).to.equal(8 + 56);
    expect(r[6]).to.equal(58);
    expect(r[7]).to.equal(64);
    expect([...r.subarray(8, 24)]).to.deep.equal([...bytes(SERVER_V6)]);
    expect([...r.subarray(24, 40)]).to.deep.equal([...bytes(CLIENT_V6)]);
    const icmp = r.subarray(40);
    expect([icmp[0], icmp[1]]).to.deep.equal([129, 0]);
    expect([...icmp.subarray(4, 8)]).to.deep.equal([0xbe, 0xef, 0x01, 0x2c]);
    expect([...icmp.subarray(8)]).to.deep.equal([...DATA]);
    expect(internetChecksum(icmp, pseudoHeaderSum(SERVER_V6, CLIENT_V6, 58, icmp.length))).to.equal(0);
  });

  it('drops an echo request with a bad ICMP checksum and counts it', () => {
    const h = wireHarness();
    const request = buildEchoPacket(4, bytes(CLIENT_V4), bytes(SERVER_V4), {
      type: ICMP_ECHO_REQUEST,
      identifier: 1,
      sequence: 1,
      data: DATA,
    });
    request[30]! ^= 0x01;
    const request6 = buildEchoPacket(6, bytes(CLIENT_V6), bytes(SERVER_V6), {
      type: ICMPV6_ECHO_REQUEST,
      identifier: 1,
      sequence: 1,
      data: DATA,
    });
    request6[50]! ^= 0x80;
    h.inject(request, request6);
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.icmp.badChecksum).to.equal(2);
  });

  it('ping() between two stacks resolves with the round-trip time, over IPv4 and IPv6', async () => {
    const p = stackPair({ delayMs: 5 });
    const v4 = p.client.ping(SERVER_V4, { sequence: 3 });
    const v6 = p.client.ping(SERVER_V6);
    await p.clock.runUntilIdle(100);
    expect(await v4).to.deep.equal({ time: 10, sequence: 3, bytes: 56 });
    expect((await v6).time).to.equal(10);
    expect(p.server.stats.icmp.echoRequestsIn).to.equal(2);
    expect(p.client.stats.icmp.echoRepliesIn).to.equal(2);
  });

  it('ping() rejects with ETIMEDOUT when no reply comes', async () => {
    const p = stackPair({ loss: 1 });
    const ping = p.client.ping(SERVER_V4, { timeoutMs: 500 });
    const failed = ping.then(
      () => null,
      (e: unknown) => e,
    );
    await p.clock.runUntilIdle(1000);
    expect(await failed).to.include({ code: 'ETIMEDOUT', syscall: 'ping' });
  });

  it('ignores packets for other addresses and counts them', () => {
    const h = wireHarness();
    h.inject(
      buildEchoPacket(4, bytes(CLIENT_V4), bytes('192.0.2.99'), {
        type: ICMP_ECHO_REQUEST,
        identifier: 1,
        sequence: 1,
        data: DATA,
      }),
      tcpPacket({
        ip: { src: CLIENT_V4, dst: '198.51.100.1' },
        tcp: { srcPort: 1000, dstPort: 80, flags: TcpFlags.SYN },
      }),
      tcpPacket({
        ip: { src: CLIENT_V6, dst: '2001:db8::99' },
        tcp: { srcPort: 1000, dstPort: 80, flags: TcpFlags.SYN },
      }),
    );
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.ip.notOurs).to.equal(3);
    expect(h.stack.stats.dropped.noListener).to.equal(0);
  });

  it('drops a TCP segment with a bad checksum and counts it, without answering', () => {
    const h = wireHarness();
    const syn = tcpPacket({
      ip: { src: CLIENT_V4, dst: SERVER_V4 },
      tcp: { srcPort: 1000, dstPort: 80, flags: TcpFlags.SYN },
      payload: new Uint8Array([1, 2, 3]),
    });
    syn[syn.length - 1]! ^= 0x10;
    h.inject(syn);
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.dropped.badChecksum).to.equal(1);
  });

  it('drops an IPv4 packet whose header checksum is wrong and counts it', () => {
    const h = wireHarness();
    const syn = tcpPacket({
      ip: { src: CLIENT_V4, dst: SERVER_V4 },
      tcp: { srcPort: 1000, dstPort: 80, flags: TcpFlags.SYN },
    });
    syn[8] = 3; // TTL changed without fixing the header checksum
    h.inject(syn);
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.ip.badHeaderChecksum).to.equal(1);
  });

  it('takes the IPv4 header checksum verdict from the decoder: bad headers dropped and counted, good ones answered', () => {
    const h = wireHarness();
    const syn = tcpPacket({
      ip: { src: CLIENT_V4, dst: SERVER_V4 },
      tcp: { srcPort: 1000, dstPort: 80, flags: TcpFlags.SYN },
    });
    const ping = buildEchoPacket(4, bytes(CLIENT_V4), bytes(SERVER_V4), {
      type: ICMP_ECHO_REQUEST,
      identifier: 5,
      sequence: 1,
      data: DATA,
    });
    const broken = (p: Uint8Array) => {
      const b = p.slice();
      b[5]! ^= 0x01; // the Identification, which nothing else checks: only the header checksum tells
      return b;
    };
    // A fragment too: a corrupted header must not be held for reassembly.
    const firstFragment = ping.subarray(0, 20 + 16).slice();
    firstFragment[2] = 0;
    firstFragment[3] = 36;
    firstFragment[6] = 0x20;
    firstFragment[7] = 0;
    firstFragment[10] = 0;
    firstFragment[11] = 0;
    const sum = internetChecksum(firstFragment.subarray(0, 20));
    firstFragment[10] = sum >> 8;
    firstFragment[11] = sum & 0xff;
    h.inject(broken(syn), broken(ping), broken(firstFragment));
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.ip.badHeaderChecksum).to.equal(2);
    expect(h.stack.stats.reassembly.malformed).to.equal(1);
    expect(h.stack.reassemblyBytes).to.equal(0);
    expect(h.stack.stats.icmp.echoRequestsIn).to.equal(0);
    // The same packets with their checksums intact: a reset (no listener), an echo reply, a fragment held.
    h.inject(syn, ping, firstFragment);
    const out = h.take();
    expect(out).to.have.length(2);
    expect(decoded(out[0]!).tcp.flags).to.equal(TcpFlags.RST | TcpFlags.ACK);
    expect(h.stack.stats.dropped.noListener).to.equal(1);
    expect([out[1]![9], out[1]![20]]).to.deep.equal([1, 0]); // ICMP, echo reply
    expect(h.stack.stats.icmp.echoRepliesOut).to.equal(1);
    expect(h.stack.reassemblyBytes).to.be.greaterThan(0);
    expect(h.stack.stats.ip.badHeaderChecksum).to.equal(2);
  });

  it('counts malformed packets, fragments and other protocols, and keeps running', () => {
    const h = wireHarness();
    const good = tcpPacket({
      ip: { src: CLIENT_V4, dst: SERVER_V4 },
      tcp: { srcPort: 1000, dstPort: 80, flags: TcpFlags.SYN },
    });
    const udp = good.slice();
    udp[9] = 17;
    udp[10] = 0;
    udp[11] = 0;
    const sum = internetChecksum(udp.subarray(0, 20));
    udp[10] = sum >> 8;
    udp[11] = sum & 0xff;
    h.inject(
      new Uint8Array([0x45, 0, 0]),
      new Uint8Array(0),
      new Uint8Array([0x70, 1, 2, 3]),
      good.subarray(0, 30),
      udp,
    );
    expect(h.stack.stats.ip.malformed).to.equal(4);
    expect(h.stack.stats.ip.unknownProtocol).to.equal(1);
    // Still answering afterwards.
    h.inject(good);
    expect(h.take()).to.have.length(1);
  });

  it('answers a SYN to a closed port with RST|ACK: SEQ 0, ACK = SEG.SEQ + 1 (RFC 9293 §3.10.7.1)', () => {
    const h = wireHarness();
    h.inject(
      tcpPacket({
        ip: { src: CLIENT_V4, dst: SERVER_V4 },
        tcp: { srcPort: 40000, dstPort: 81, seq: 1000, flags: TcpFlags.SYN, options: { mss: 1460 } },
      }),
    );
    const [rst] = h.take();
    const d = decoded(rst!);
    expect(d.ip.src).to.equal(SERVER_V4);
    expect(d.ip.dst).to.equal(CLIENT_V4);
    expect(d.checksumStatus).to.equal('good');
    expect(d.tcp).to.include({
      srcPort: 81,
      dstPort: 40000,
      seq: 0,
      ack: 1001,
      flags: TcpFlags.RST | TcpFlags.ACK,
      window: 0,
    });
    expect(d.tcp.options.kinds).to.deep.equal([]);
    expect(d.payload.length).to.equal(0);
    expect(h.stack.stats.dropped.noListener).to.equal(1);
    expect(h.stack.stats.resetsSent).to.equal(1);
  });

  it('answers an ACK to a closed port with RST, SEQ = SEG.ACK, over IPv6; never answers a RST', () => {
    const h = wireHarness();
    h.inject(
      tcpPacket({
        ip: { src: CLIENT_V6, dst: SERVER_V6 },
        tcp: { srcPort: 40000, dstPort: 81, seq: 5, ack: 0xfffffff0, flags: TcpFlags.ACK },
        payload: new Uint8Array(10),
      }),
    );
    h.inject(
      tcpPacket({
        ip: { src: CLIENT_V6, dst: SERVER_V6 },
        tcp: { srcPort: 40000, dstPort: 81, seq: 5, flags: TcpFlags.RST },
      }),
    );
    const out = h.take();
    expect(out).to.have.length(1);
    const d = decoded(out[0]!);
    expect(d.ip.version).to.equal(6);
    expect(d.ip.dst).to.equal(CLIENT_V6);
    expect(d.tcp).to.include({ srcPort: 81, dstPort: 40000, seq: 0xfffffff0, flags: TcpFlags.RST });
    expect(h.stack.stats.dropped.noListener).to.equal(2);
  });

  it('answers an ACK for no connection on a listening port with RST, SEQ = SEG.ACK, counted as noConnection (RFC 9293 §3.10.7.2)', () => {
    const h = wireHarness();
    h.stack.createServer(() => {}).listen(80);
    h.inject(
      tcpPacket({
        ip: { src: CLIENT_V4, dst: SERVER_V4 },
        tcp: { srcPort: 40000, dstPort: 80, seq: 5, ack: 777, flags: TcpFlags.ACK | TcpFlags.FIN },
      }),
    );
    const out = h.take();
    expect(out).to.have.length(1);
    expect(decoded(out[0]!).tcp).to.include({ srcPort: 80, dstPort: 40000, seq: 777, flags: TcpFlags.RST });
    expect(h.stack.stats.dropped.noConnection).to.equal(1);
    expect(h.stack.stats.dropped.noListener).to.equal(0);
    expect(h.stack.connectionCount).to.equal(0);
  });
  it('assumes a send MSS of 536 over IPv4 and 1220 over IPv6 when the SYN has no MSS option (RFC 9293 §3.7.1)', async () => {
    for (const [client, server, mss] of [
      [CLIENT_V4, SERVER_V4, 536],
      [CLIENT_V6, SERVER_V6, 1220],
    ] as const) {
      const h = wireHarness();
      h.stack.createServer((s) => s.end(new Uint8Array(3000))).listen(80);
      h.inject(
        tcpPacket({
          ip: { src: client, dst: server },
          tcp: { srcPort: 40000, dstPort: 80, seq: 1000, flags: TcpFlags.SYN, window: 65535 },
        }),
      );
      const [synAck] = h.take();
      const iss = decoded(synAck!).tcp.seq;
      h.inject(
        tcpPacket({
          ip: { src: client, dst: server },
          tcp: { srcPort: 40000, dstPort: 80, seq: 1001, ack: (iss + 1) >>> 0, flags: TcpFlags.ACK, window: 65535 },
        }),
      );
      await new Promise((resolve) => setImmediate(resolve)); // the 'connection' handler writes
      const sizes = h
        .take()
        .map((p) => decoded(p).payload.length)
        .filter((n) => n > 0);
      expect(sizes[0], client).to.equal(mss);
      expect(
        sizes.reduce((a, b) => a + b, 0),
        client,
      ).to.equal(3000);
    }
  });
});
