// IP fragment reassembly in the stack (RFC 791, RFC 8200 §4.5, RFC 5722) and fragmentation of
// large echo replies: fragments built by hand here, so offsets, overlaps and ids are exact.

import { expect } from 'chai';
import { buildEchoPacket, ICMP_ECHO_REQUEST, ICMPV6_ECHO_REQUEST } from '../../src/wire/icmp.js';
import { parseAddress } from '../../src/base/address.js';
import { internetChecksum, pseudoHeaderSum } from '../../src/wire/checksum.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, decoded, stackPair, tcpPacket, wireHarness } from './harness.js';

const bytes = (a: string) => parseAddress(a).bytes;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

/** An IPv4 fragment of `whole` (a 20-byte-header datagram): payload bytes [start, end). */
function frag4(whole: Uint8Array, start: number, end: number, more: boolean, id = 0x4242): Uint8Array {
  const out = new Uint8Array(20 + end - start);
  out.set(whole.subarray(0, 20));
  out.set(whole.subarray(20 + start, 20 + end), 20);
  const word = (start >> 3) | (more ? 0x2000 : 0);
  out[2] = out.length >> 8;
  out[3] = out.length & 0xff;
  out[4] = id >> 8;
  out[5] = id & 0xff;
  out[6] = word >> 8;
  out[7] = word & 0xff;
  out[10] = 0;
  out[11] = 0;
  const sum = internetChecksum(out.subarray(0, 20));
  out[10] = sum >> 8;
  out[11] = sum & 0xff;
  return out;
}

/** An IPv6 fragment of `whole` (a bare 40-byte-header datagram): a Fragment header, then payload [start, end). */
function frag6(whole: Uint8Array, start: number, end: number, more: boolean, id = 0x01020304): Uint8Array {
  const out = new Uint8Array(48 + end - start);
  out.set(whole.subarray(0, 40));
  out[6] = 44;
  out[4] = (out.length - 40) >> 8;
  out[5] = (out.length - 40) & 0xff;
  out[40] = whole[6]!;
  const word = start | (more ? 1 : 0);
  out[42] = word >> 8;
  out[43] = word & 0xff;
  out[44] = id >>> 24;
  out[45] = (id >> 16) & 0xff;
  out[46] = (id >> 8) & 0xff;
  out[47] = id & 0xff;
  out.set(whole.subarray(40 + start, 40 + end), 48);
  return out;
}

const ping4 = (size: number, sequence = 1) =>
  buildEchoPacket(4, bytes(CLIENT_V4), bytes(SERVER_V4), {
    type: ICMP_ECHO_REQUEST,
    identifier: 0x77,
    sequence,
    data: pattern(size),
  });
const ping6 = (size: number, sequence = 1) =>
  buildEchoPacket(6, bytes(CLIENT_V6), bytes(SERVER_V6), {
    type: ICMPV6_ECHO_REQUEST,
    identifier: 0x66,
    sequence,
    data: pattern(size),
  });

/** Puts IPv4 reply fragments back together by hand: header of the first, payloads by offset. */
function joinV4(fragments: Uint8Array[]): { payload: Uint8Array; ids: Set<number> } {
  const parts = fragments.map((f) => ({
    offset: (((f[6]! << 8) | f[7]!) & 0x1fff) * 8,
    data: f.subarray(20, (f[2]! << 8) | f[3]!),
  }));
  const total = Math.max(...parts.map((p) => p.offset + p.data.length));
  const payload = new Uint8Array(total);
  for (const p of parts) payload.set(p.data, p.offset);
  return { payload, ids: new Set(fragments.map((f) => (f[4]! << 8) | f[5]!)) };
}

describe('Stack: IP fragment reassembly', () => {
  it('answers a 4,000-byte ping sent in three IPv4 fragments with a fragmented echo reply', () => {
    const h = wireHarness();
    const request = ping4(4000);
    const n = request.length - 20; // 4008 bytes of ICMP
    h.inject(frag4(request, 0, 1480, true), frag4(request, 1480, 2960, true), frag4(request, 2960, n, false));
    const out = h.take();
    // 4028 bytes at MTU 1500: fragments of 1480, 1480 and 1048 bytes of ICMP.
    expect(out.map((p) => p.length)).to.deep.equal([1500, 1500, 1068]);
    for (const f of out) expect(internetChecksum(f.subarray(0, 20))).to.equal(0);
    expect(out.map((f) => (f[6]! << 8) | f[7]!)).to.deep.equal([0x2000, 0x2000 | 185, 370]);
    const { payload, ids } = joinV4(out);
    expect(ids.size).to.equal(1);
    expect(payload.length).to.equal(n);
    expect(payload[0]).to.equal(0); // echo reply
    expect(internetChecksum(payload)).to.equal(0);
    expect([...payload.subarray(8)]).to.deep.equal([...pattern(4000)]);
    const s = h.stack.stats;
    expect(s.ip.fragments).to.equal(3);
    expect(s.reassembly.reassembled).to.equal(1);
    expect(s.ip.fragmentedOut).to.equal(1);
    expect(s.icmp.echoRepliesOut).to.equal(1);
    expect(h.stack.reassemblyBytes).to.equal(0);
  });

  it('reassembles fragments that arrive out of order, dropping an exact duplicate', () => {
    const h = wireHarness();
    const request = ping4(1200);
    const n = request.length - 20;
    h.inject(
      frag4(request, 800, n, false),
      frag4(request, 400, 800, true),
      frag4(request, 400, 800, true),
      frag4(request, 0, 400, true),
    );
    const out = h.take();
    expect(out).to.have.length(1);
    expect(out[0]!.length).to.equal(request.length);
    expect([...out[0]!.subarray(28)]).to.deep.equal([...pattern(1200)]);
    expect(h.stack.stats.reassembly).to.include({ reassembled: 1, duplicates: 1, overlaps: 0 });
  });

  it('discards the whole datagram on an overlap, and its later fragments too (RFC 5722)', () => {
    const h = wireHarness();
    const request = ping4(1200);
    const n = request.length - 20;
    h.inject(frag4(request, 0, 408, true), frag4(request, 400, 800, true));
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.reassembly.overlaps).to.equal(1);
    // The rest of it, and even a clean copy of the overlapped range, make no datagram.
    h.inject(frag4(request, 800, n, false), frag4(request, 408, 800, true));
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.reassembly).to.include({ reassembled: 0, discarded: 2 });
    // A fragment that would end beyond the last one's end is an inconsistency of the same kind.
    h.inject(frag4(request, 400, 808, false, 9), frag4(request, 808, 1208, true, 9));
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.reassembly.overlaps).to.equal(2);
    // Nothing is held but bookkeeping, and the timeout clears that too.
    h.clock.advance(30_000);
    expect(h.stack.reassemblyBytes).to.equal(0);
    // A new datagram with another id goes through.
    h.inject(frag4(request, 0, 400, true, 10), frag4(request, 400, n, false, 10));
    expect(h.take()).to.have.length(1);
  });

  it('drops an incomplete datagram after 30 s and frees what it held', () => {
    const h = wireHarness();
    const request = ping4(3000);
    const n = request.length - 20;
    h.inject(frag4(request, 0, 1480, true), frag4(request, 1480, 2960, true));
    expect(h.stack.reassemblyBytes).to.be.greaterThan(2960);
    h.clock.advance(29_999);
    expect(h.stack.reassemblyBytes).to.be.greaterThan(2960);
    h.clock.advance(1);
    expect(h.stack.reassemblyBytes).to.equal(0);
    expect(h.stack.stats.reassembly.timeouts).to.equal(1);
    h.inject(frag4(request, 2960, n, false));
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.reassembly.reassembled).to.equal(0);
  });

  it('keeps endless fragments under the memory cap and counts what it refuses', () => {
    const h = wireHarness({ reassembly: { maxBytes: 256 * 1024 } });
    const request = ping4(1400);
    let peak = 0;
    // 5,000 first fragments of distinct datagrams (7 MB) that never complete.
    for (let id = 0; id < 5000; id++) {
      h.inject(frag4(request, 0, 1400, true, id));
      peak = Math.max(peak, h.stack.reassemblyBytes);
    }
    expect(peak).to.be.at.most(256 * 1024);
    expect(h.stack.stats.reassembly.overLimit).to.be.greaterThan(4000);
    // The newest are kept (the oldest evicted): a datagram completed now still goes through.
    h.inject(frag4(request, 1400, request.length - 20, false, 4999));
    expect(h.take()).to.have.length(1);
  });

  it('gives up on a datagram of more than 64 fragments, and on the rest of it', () => {
    const h = wireHarness();
    const request = ping4(1200);
    for (let i = 0; i < 100; i++) h.inject(frag4(request, i * 8, i * 8 + 8, true, 5));
    const s = h.stack.stats.reassembly;
    expect(s.overLimit).to.equal(1);
    expect(s.discarded).to.equal(35);
    expect(h.stack.reassemblyBytes).to.be.at.most(256);
  });

  it('refuses a fragment that would make the datagram exceed 65,535 bytes, and malformed ones', () => {
    const h = wireHarness();
    const request = ping4(1200);
    const far = frag4(request, 0, 16, true);
    const word = (65520 >> 3) | 0x2000; // offset 65,520 + 16 bytes + 20 header > 65,535
    far[6] = word >> 8;
    far[7] = word & 0xff;
    far[10] = 0;
    far[11] = 0;
    const sum = internetChecksum(far.subarray(0, 20));
    far[10] = sum >> 8;
    far[11] = sum & 0xff;
    const odd = frag4(request, 0, 13, true); // more to come but not a multiple of 8
    const badHeader = frag4(request, 0, 16, true);
    badHeader[8]! ^= 1;
    h.inject(far, odd, badHeader);
    expect(h.stack.stats.reassembly).to.include({ overLimit: 1, malformed: 2 });
    expect(h.stack.reassemblyBytes).to.equal(0);
  });

  it('answers a fragmented ICMPv6 ping with fragments of its own, and an atomic fragment', () => {
    const h = wireHarness();
    const request = ping6(3000);
    const n = request.length - 40;
    h.inject(frag6(request, 2464, n, false), frag6(request, 0, 1232, true), frag6(request, 1232, 2464, true));
    const out = h.take();
    // 3048 bytes at MTU 1500: 1448 + 1448 + 112 bytes of ICMPv6 behind a Fragment header each.
    expect(out.map((p) => p.length)).to.deep.equal([1496, 1496, 160]);
    const id = out[0]!.subarray(44, 48).join(',');
    const payload = new Uint8Array(n);
    for (const f of out) {
      expect(f[6]).to.equal(44);
      expect(f[40]).to.equal(58);
      expect(f.subarray(44, 48).join(',')).to.equal(id);
      const word = (f[42]! << 8) | f[43]!;
      payload.set(f.subarray(48), word & 0xfff8);
    }
    expect(payload[0]).to.equal(129);
    expect(internetChecksum(payload, pseudoHeaderSum(SERVER_V6, CLIENT_V6, 58, payload.length))).to.equal(0);
    expect([...payload.subarray(8)]).to.deep.equal([...pattern(3000)]);
    // RFC 8200 §4.5: an atomic fragment (offset 0, M 0) is a whole datagram.
    const small = ping6(56, 2);
    h.inject(frag6(small, 0, small.length - 40, false, 77));
    const [reply] = h.take();
    expect(reply!.length).to.equal(small.length);
    expect(reply![6]).to.equal(58);
    expect(h.stack.stats.reassembly).to.include({ reassembled: 1, atomic: 1 });
  });

  it('delivers a fragmented TCP segment to TCP once whole (IPv4 and IPv6), checksum checked', () => {
    const h = wireHarness();
    const syn4 = tcpPacket({
      ip: { src: CLIENT_V4, dst: SERVER_V4 },
      tcp: { srcPort: 40000, dstPort: 81, seq: 1000, flags: TcpFlags.SYN, options: { mss: 1460 } },
      payload: pattern(40),
    });
    const syn6 = tcpPacket({
      ip: { src: CLIENT_V6, dst: SERVER_V6 },
      tcp: { srcPort: 40001, dstPort: 81, seq: 2000, flags: TcpFlags.SYN },
      payload: pattern(40),
    });
    // The first fragment decodes as a TCP header whose checksum cannot be checked: held, not dropped.
    h.inject(frag4(syn4, 0, 16, true), frag6(syn6, 0, 24, true));
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.dropped.malformed).to.equal(0);
    h.inject(frag4(syn4, 16, syn4.length - 20, false), frag6(syn6, 24, syn6.length - 40, false));
    const out = h.take().map(decoded);
    expect(out.map((d) => [d.ip.version, d.tcp.flags, d.tcp.ack])).to.deep.equal([
      [4, TcpFlags.RST | TcpFlags.ACK, 1000 + 1 + 40],
      [6, TcpFlags.RST | TcpFlags.ACK, 2000 + 1 + 40],
    ]);
    // A corrupted byte in a later fragment is caught by the TCP checksum after reassembly.
    const bad = frag4(syn4, 16, syn4.length - 20, false, 99);
    bad[30]! ^= 0xff;
    h.inject(frag4(syn4, 0, 16, true, 99), bad);
    expect(h.take()).to.have.length(0);
    expect(h.stack.stats.dropped.badChecksum).to.equal(1);
  });

  it('ping() of 4,000 bytes between two stacks over MTU 1500 resolves, both directions fragmented', async () => {
    const p = stackPair({ delayMs: 1 });
    const v4 = p.client.ping(SERVER_V4, { data: pattern(4000) });
    const v6 = p.client.ping(SERVER_V6, { data: pattern(4000) });
    await p.clock.runUntilIdle(100);
    expect((await v4).bytes).to.equal(4000);
    expect((await v6).bytes).to.equal(4000);
    expect(p.client.stats.ip.fragmentedOut).to.equal(2);
    expect(p.server.stats.ip.fragmentedOut).to.equal(2);
    expect(p.server.stats.reassembly.reassembled).to.equal(2);
    expect(p.client.stats.reassembly.reassembled).to.equal(2);
  });
});
