// SYN cookies (RFC 4987 §3.6) at the stack, with crafted packets in virtual time: the cookie
// SYN-ACK keeps no state, the returning ACK opens the connection in ESTABLISHED with the options
// the cookie carried, forged and expired cookies get a RST and are counted, and data flows after.

import { expect } from 'chai';
import type { TcpSocket } from '../../src/stack/socket.js';
import { seqAdd } from '../../src/tcp/seq.js';
import { COOKIE_MSS } from '../../src/tcp/syn-cookie.js';
import { TcpFlags } from '../../src/wire/constants.js';
import type { DecodedPacket } from '../../src/wire/types.js';
import type { StackOptions } from '../../src/stack/stack.js';
import {
  CLIENT_V4,
  CLIENT_V6,
  SERVER_V4,
  SERVER_V6,
  decoded,
  tcpPacket,
  wireHarness,
  type WireHarness,
} from './harness.js';

const { SYN, ACK, RST, PSH } = TcpFlags;
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
const PEER_ISN = 0xfffffff0; // wraps: the cookie arithmetic is modular
const PEER_TS = 777_000;

interface Peer {
  h: WireHarness;
  accepted: TcpSocket[];
  v6: boolean;
  syn(options?: Record<string, unknown>): DecodedPacket;
  packet(
    flags: number,
    seq: number,
    ack: number,
    extra?: { tsEcr?: number; payload?: Uint8Array; window?: number; sack?: Array<[number, number]> },
  ): Uint8Array;
}

function peer(options: Partial<StackOptions> = {}, v6 = false): Peer {
  const h = wireHarness({ isnSecret: SECRET, synCookies: 'always', ...options });
  const accepted: TcpSocket[] = [];
  h.stack
    .createServer((s) => {
      accepted.push(s);
    })
    .listen(80);
  const ip = v6 ? { src: CLIENT_V6, dst: SERVER_V6 } : { src: CLIENT_V4, dst: SERVER_V4 };
  const packet: Peer['packet'] = (flags, seq, ack, extra = {}) => {
    const options: Record<string, unknown> = {};
    if (extra.tsEcr !== undefined) options['timestamp'] = { value: PEER_TS + 10, echo: extra.tsEcr };
    if (extra.sack !== undefined) options['sack'] = extra.sack;
    return tcpPacket({
      ip,
      tcp: { srcPort: 40000, dstPort: 80, seq, ack, flags, window: extra.window ?? 1000, options },
      payload: extra.payload,
    });
  };
  return {
    h,
    accepted,
    v6,
    packet,
    syn(synOptions = { mss: 1460, windowScale: 7, sackPermitted: true, timestamp: { value: PEER_TS, echo: 0 } }) {
      h.inject(
        tcpPacket({
          ip,
          tcp: { srcPort: 40000, dstPort: 80, seq: PEER_ISN, flags: SYN, window: 64240, options: synOptions },
        }),
      );
      const out = h.take();
      expect(out).to.have.length(1);
      return decoded(out[0]!);
    },
  };
}

describe('Stack: SYN cookies (RFC 4987 §3.6)', () => {
  for (const v6 of [false, true]) {
    it(`${v6 ? 'IPv6' : 'IPv4'}: a cookie SYN-ACK keeps no state; the ACK returning it opens ESTABLISHED with MSS, window scale, SACK and timestamps`, async () => {
      const p = peer({}, v6);
      const synAck = p.syn();
      const t = synAck.tcp;
      expect(t.flags).to.equal(SYN | ACK);
      expect(t.ack).to.equal(seqAdd(PEER_ISN, 1));
      expect(t.options.mss).to.be.a('number');
      expect(t.options.windowScale).to.be.a('number');
      expect(t.options.sackPermitted).to.equal(true);
      expect(t.options.timestamp!.echo).to.equal(PEER_TS);
      // The low 6 bits of TSval: the peer's window scale 7, SACK-permitted (0x10), no ECN.
      expect(t.options.timestamp!.value & 0x3f).to.equal(7 | 0x10);
      expect(p.h.stack.connectionCount).to.equal(0);
      expect(p.h.stack.stats.synQueue.cookiesSent).to.equal(1);

      // The handshake's ACK carries the first request bytes, as a client may.
      const iss = t.seq;
      p.h.inject(
        p.packet(ACK | PSH, seqAdd(PEER_ISN, 1), seqAdd(iss, 1), {
          tsEcr: t.options.timestamp!.value,
          payload: new TextEncoder().encode('GET /'),
        }),
      );
      expect(p.h.stack.stats.synQueue.cookiesValidated).to.equal(1);
      expect(p.h.stack.connectionCount).to.equal(1);
      await p.h.clock.runUntil(() => p.accepted.length === 1, 100);
      const sock = p.accepted[0]!;
      let got = '';
      sock.on('data', (d: Buffer) => {
        got += d.toString();
      });
      await p.h.clock.runUntil(() => got === 'GET /', 100);

      // Our side: 3000 bytes go out in segments of MSS 1460 - 12 (timestamps), with timestamps
      // from the same clock as the cookie's TSval, our data starting at ISS + 1.
      sock.write(Buffer.alloc(3000, 0x61));
      await p.h.clock.runUntil(() => p.h.sent.length > 0, 100);
      const data = p.h
        .take()
        .map(decoded)
        .filter((d) => d.payload.length > 0);
      // The tail goes at once too: Nagle as Linux (Minshall) holds a small segment only while an
      // earlier small one is unacknowledged. MemoryLink's MTU 1500 gives IPv6 an MSS of 1440.
      const mss = (v6 ? 1440 : 1460) - 12;
      expect(data.map((d) => d.payload.length)).to.deep.equal([mss, mss, 3000 - 2 * mss]);
      expect(data[0]!.tcp.seq).to.equal(seqAdd(iss, 1));
      expect(data[0]!.tcp.ack).to.equal(seqAdd(PEER_ISN, 6));
      const tsval = data[0]!.tcp.options.timestamp!;
      expect(tsval.echo).to.equal(PEER_TS + 10);
      expect(tsval.value - t.options.timestamp!.value).to.be.within(0, 64);

      // SACK is on: an out-of-order segment is answered with a SACK block.
      p.h.inject(
        p.packet(ACK, seqAdd(PEER_ISN, 106), seqAdd(iss, 1), { tsEcr: tsval.value, payload: new Uint8Array(10) }),
      );
      const dup = p.h.take().map(decoded);
      expect(dup[0]!.tcp.options.sack).to.deep.equal([[seqAdd(PEER_ISN, 106), seqAdd(PEER_ISN, 116)]]);
      // Window scaling is on: acknowledging everything with window field 20 means 20 << 7 = 2560
      // bytes (unscaled, 20 bytes would not even be worth a segment).
      sock.write(Buffer.alloc(100_000, 0x62));
      p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 6), seqAdd(iss, 1 + 2 * mss), { tsEcr: tsval.value, window: 20 }));
      await p.h.clock.runUntil(() => p.h.sent.length > 0, 100);
      const sent = p.h
        .take()
        .map(decoded)
        .reduce((n, d) => n + d.payload.length, 0);
      expect(sent).to.be.within(1000, 2560);
    });
  }

  it("a SYN without timestamps: the cookie carries only the MSS (largest table entry not above the peer's), no window scale or SACK", async () => {
    const p = peer();
    const t = p.syn({ mss: 1400, windowScale: 7, sackPermitted: true }).tcp;
    expect(t.options.mss).to.be.a('number');
    expect(t.options.windowScale).to.equal(undefined);
    expect(t.options.sackPermitted).to.equal(undefined);
    expect(t.options.timestamp).to.equal(undefined);
    p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 1), seqAdd(t.seq, 1), { window: 60000 }));
    await p.h.clock.runUntil(() => p.accepted.length === 1, 100);
    p.accepted[0]!.write(Buffer.alloc(3000));
    await p.h.clock.runUntil(() => p.h.sent.length > 0, 100);
    const sizes = p.h
      .take()
      .map(decoded)
      .map((d) => d.payload.length)
      .filter((n) => n > 0);
    expect(COOKIE_MSS).to.include(1300);
    expect(sizes).to.deep.equal([1300, 1300, 400]); // no earlier small segment: the tail goes too (Minshall's Nagle)
  });

  it('a forged cookie (wrong ack number) is dropped without a reply, opens nothing, and is counted', () => {
    const p = peer();
    const t = p.syn().tcp;
    const ts = t.options.timestamp!.value;
    // (Off by a few, the ack number would only pick another MSS from the table: a peer that
    // knows the cookie gains nothing. A blind guess must land in 8 of 2^24 values.)
    for (const delta of [100, 1 << 24, 0x1000]) {
      p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 1), seqAdd(t.seq, delta), { tsEcr: ts }));
    }
    // The right ack number from another peer sequence number (another connection's) fails too.
    p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 1001), seqAdd(t.seq, 1), { tsEcr: ts }));
    expect(p.h.take()).to.have.length(0);
    expect(p.h.stack.connectionCount).to.equal(0);
    expect(p.h.stack.stats.synQueue.cookiesFailed).to.equal(4);
    expect(p.h.stack.stats.synQueue.cookiesValidated).to.equal(0);
  });

  it('a cookie returned after its lifetime (over 2 minutes) is dropped and counted as expired; a fresh one works', async () => {
    const p = peer();
    const t = p.syn().tcp;
    await p.h.clock.advance(180_000);
    // Another client's SYN keeps the listener sending cookies (else ACKs are not checked at all).
    p.h.inject(
      tcpPacket({ ip: { src: CLIENT_V4, dst: SERVER_V4 }, tcp: { srcPort: 40001, dstPort: 80, seq: 5, flags: SYN } }),
    );
    p.h.take();
    p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 1), seqAdd(t.seq, 1), { tsEcr: t.options.timestamp!.value }));
    expect(p.h.take()).to.have.length(0);
    expect(p.h.stack.stats.synQueue.cookiesExpired).to.equal(1);
    expect(p.h.stack.connectionCount).to.equal(0);
    // Within the lifetime (61 s later, the next cookie minute) it still opens.
    const again = p.syn().tcp;
    await p.h.clock.advance(61_000);
    p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 1), seqAdd(again.seq, 1), { tsEcr: again.options.timestamp!.value }));
    expect(p.h.stack.stats.synQueue, JSON.stringify(p.h.stack.stats.synQueue)).to.include({ cookiesValidated: 1 });
    expect(p.h.stack.connectionCount).to.equal(1);
  });

  it('the first data of a cookie connection opens it after a later segment (the handshake ACK and data lost) was dropped unanswered', async () => {
    const p = peer();
    const t = p.syn().tcp;
    const ts = t.options.timestamp!.value;
    // The peer's ACK and 5 bytes of data were lost; its duplicate ACK (at ISN + 6) arrives first.
    p.h.inject(p.packet(ACK, seqAdd(PEER_ISN, 6), seqAdd(t.seq, 1), { tsEcr: ts }));
    expect(p.h.take()).to.have.length(0);
    expect(p.h.stack.stats.synQueue.cookiesFailed).to.equal(1);
    // Its retransmission of the data, at ISN + 1, returns the cookie.
    p.h.inject(
      p.packet(ACK | PSH, seqAdd(PEER_ISN, 1), seqAdd(t.seq, 1), {
        tsEcr: ts,
        payload: new TextEncoder().encode('hello'),
      }),
    );
    await p.h.clock.runUntil(() => p.accepted.length === 1, 100);
    let got = '';
    p.accepted[0]!.on('data', (d: Buffer) => {
      got += d.toString();
    });
    await p.h.clock.runUntil(() => got === 'hello', 100);
    expect(p.h.stack.stats.resetsSent).to.equal(0);
  });

  it('with synCookies true, only SYNs beyond a full SYN queue get cookies; ACKs are not checked for cookies before any was sent', () => {
    const h = wireHarness({ isnSecret: SECRET, synBacklog: 2 });
    h.stack.createServer(() => {}).listen(80);
    const syn = (port: number) =>
      tcpPacket({
        ip: { src: CLIENT_V4, dst: SERVER_V4 },
        tcp: { srcPort: port, dstPort: 80, seq: 1, flags: SYN, options: { mss: 1460 } },
      });
    // A blind ACK first: the usual RST, and no cookie check counted.
    h.inject(
      tcpPacket({
        ip: { src: CLIENT_V4, dst: SERVER_V4 },
        tcp: { srcPort: 999, dstPort: 80, seq: 1, ack: 12345, flags: ACK },
      }),
    );
    expect(h.take().map((d) => decoded(d).tcp.flags)).to.deep.equal([RST]);
    expect(h.stack.stats.synQueue.cookiesFailed).to.equal(0);
    h.inject(syn(1001), syn(1002), syn(1003), syn(1004));
    expect(h.take().map((d) => decoded(d).tcp.flags)).to.deep.equal([SYN | ACK, SYN | ACK, SYN | ACK, SYN | ACK]);
    expect(h.stack.connectionCount).to.equal(2);
    expect(h.stack.stats.synQueue.cookiesSent).to.equal(2);
  });

  it("synCookies rejects values other than true, false and 'always'", () => {
    expect(() => wireHarness({ synCookies: 'on' as unknown as boolean })).to.throw(RangeError, /synCookies/);
  });
});
