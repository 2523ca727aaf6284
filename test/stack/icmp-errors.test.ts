// ICMP and ICMPv6 errors about our TCP segments, crafted by the test playing a router and the
// peer: Destination Unreachable fails connect() with Linux's errno in SYN-SENT and is a soft
// error later; Fragmentation Needed / Packet Too Big lower the MSS and resend at once; errors
// that match no connection or quote a sequence number outside SND.UNA..SND.NXT (RFC 5927) are
// dropped and counted.

import { expect } from 'chai';
import { internetChecksum, pseudoHeaderSum } from '../../src/wire/checksum.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { decoded, tcpPacket } from './harness.js';
import { PEER, ROUTER, US, bytes, connecting, established, payloads, rig } from './wire-rig.js';

/** An ICMP(v6) error from the router to us quoting `quoted` (cut as routers do). */
function icmpError(version: 4 | 6, type: number, code: number, rest: number, quoted: Uint8Array): Uint8Array {
  const quote = quoted.subarray(0, version === 4 ? Math.min(quoted.length, 548) : Math.min(quoted.length, 1232));
  const header = version === 4 ? 20 : 40;
  const packet = new Uint8Array(header + 8 + quote.length);
  const m = packet.subarray(header);
  m[0] = type;
  m[1] = code;
  m[4] = rest >>> 24;
  m[5] = (rest >>> 16) & 0xff;
  m[6] = (rest >>> 8) & 0xff;
  m[7] = rest & 0xff;
  m.set(quote, 8);
  const src = bytes(ROUTER[version]);
  const dst = bytes(US[version]);
  if (version === 4) {
    packet[0] = 0x45;
    packet[2] = packet.length >> 8;
    packet[3] = packet.length & 0xff;
    packet[8] = 64;
    packet[9] = 1;
    packet.set(src, 12);
    packet.set(dst, 16);
    const h = internetChecksum(packet.subarray(0, 20));
    packet[10] = h >> 8;
    packet[11] = h & 0xff;
    const c = internetChecksum(m);
    m[2] = c >> 8;
    m[3] = c & 0xff;
  } else {
    packet[0] = 0x60;
    packet[4] = m.length >> 8;
    packet[5] = m.length & 0xff;
    packet[6] = 58;
    packet[7] = 64;
    packet.set(src, 8);
    packet.set(dst, 24);
    const c = internetChecksum(
      m,
      pseudoHeaderSum({ version: 6, bytes: src }, { version: 6, bytes: dst }, 58, m.length),
    );
    m[2] = c >> 8;
    m[3] = c & 0xff;
  }
  return packet;
}

describe('Stack: ICMP errors about our connections', () => {
  const cases: [4 | 6, number, number, string][] = [
    [4, 3, 3, 'ECONNREFUSED'], // port unreachable
    [4, 3, 1, 'EHOSTUNREACH'], // host unreachable
    [4, 3, 0, 'ENETUNREACH'], // net unreachable
    [4, 3, 2, 'ENOPROTOOPT'], // protocol unreachable: Linux's errno for it
    [4, 3, 13, 'EHOSTUNREACH'], // communication administratively prohibited
    [6, 1, 4, 'ECONNREFUSED'], // port unreachable
    [6, 1, 3, 'EHOSTUNREACH'], // address unreachable
    [6, 1, 0, 'ENETUNREACH'], // no route
    [6, 1, 1, 'EACCES'], // administratively prohibited
  ];
  for (const [version, type, code, errno] of cases) {
    it(`IPv${version} type ${type} code ${code} in SYN-SENT fails connect() with ${errno}`, async () => {
      const r = rig();
      const c = await connecting(r, version);
      await r.inject(icmpError(version, type, code, 0, c.syn));
      expect(c.error()).to.equal(errno);
      expect(c.socket.destroyed).to.equal(true);
      expect(r.stack.stats.icmp.unreachableIn).to.equal(1);
      expect(r.stack.connectionCount).to.equal(0);
      expect(await r.take()).to.have.length(0); // nothing more goes out
    });
  }

  it('drops and counts errors that match no connection or quote a sequence number outside SND.UNA..SND.NXT', async () => {
    const r = rig();
    const c = await connecting(r, 4);
    const wrongSeq = c.syn.slice();
    wrongSeq[24] = (wrongSeq[24]! + 1) & 0xff; // seq + 2^24
    const wrongPort = c.syn.slice();
    wrongPort[22] = wrongPort[22]! ^ 0x01; // the quoted destination port
    const notTcp = c.syn.slice();
    notTcp[9] = 17;
    await r.inject(icmpError(4, 3, 3, 0, wrongSeq), icmpError(4, 3, 3, 0, wrongPort));
    await r.inject(icmpError(4, 3, 3, 0, c.syn.subarray(0, 24))); // too short to hold the ports and seq
    await r.inject(icmpError(4, 3, 3, 0, notTcp));
    expect(r.stack.stats.icmp.errorsUnmatched).to.equal(2);
    expect(r.stack.stats.icmp.ignored).to.equal(2);
    expect(r.stack.stats.icmp.unreachableIn).to.equal(0);
    expect(c.error()).to.equal(null);
    // The connection goes on: the SYN's retransmission still comes.
    await r.run(1000);
    expect(payloads(await r.take())).to.deep.equal([[decoded(c.syn).tcp.seq, 0]]);
  });

  it('an error on an established connection is soft: the connection stays, and its timeout reports it instead of ETIMEDOUT', async () => {
    const r = rig({ maxRetries: 2 });
    const c = await established(r, 4);
    c.socket.write(new Uint8Array(100));
    const [data] = await r.take();
    await r.inject(icmpError(4, 3, 1, 0, data!));
    expect(r.stack.stats.icmp.unreachableIn).to.equal(1);
    expect(c.error()).to.equal(null);
    expect(c.socket.destroyed).to.equal(false);
    await r.run(60_000); // three RTOs: two retransmissions, then give up
    expect(c.error()).to.equal('EHOSTUNREACH');
  });

  it('without an ICMP error the same timeout is ETIMEDOUT', async () => {
    const r = rig({ maxRetries: 2 });
    const c = await established(r, 4);
    c.socket.write(new Uint8Array(100));
    await r.take();
    await r.run(60_000);
    expect(c.error()).to.equal('ETIMEDOUT');
  });

  it('IPv4 Fragmentation Needed lowers the MSS and resends the outstanding data at once, in the new size (RFC 1191)', async () => {
    const r = rig();
    const c = await established(r, 4);
    const data = Uint8Array.from({ length: 4000 }, (_, i) => i & 0xff);
    c.socket.write(data);
    const first = await r.take();
    const base = c.iss + 1;
    expect(payloads(first)).to.deep.equal([
      [base, 1460],
      [base + 1460, 1460],
      [base + 2920, 1080],
    ]);
    // A router with a 1000-byte next hop returns the first segment.
    await r.inject(icmpError(4, 3, 4, 1000, first[0]!));
    expect(r.stack.stats.icmp.tooBigIn).to.equal(1);
    expect(r.stack.stats.icmp.pathMtuReductions).to.equal(1);
    // Everything from SND.UNA again at 960 bytes (1000 - 40), without waiting for a timeout.
    const again = await r.take();
    expect(payloads(again)).to.deep.equal([
      [base, 960],
      [base + 960, 960],
      [base + 1920, 960],
      [base + 2880, 960],
      [base + 3840, 160],
    ]);
    expect(again.every((p) => p.length <= 1000)).to.equal(true);
    expect(r.stack.stats.retransmissions).to.be.greaterThan(0);
    expect(r.stack.stats.timeouts).to.equal(0);
    // The bytes are the same bytes.
    const resent = Buffer.concat(again.map((p) => decoded(p).payload));
    expect(Buffer.compare(resent, Buffer.from(data))).to.equal(0);
    // A second report for the same or a larger MTU changes nothing.
    await r.inject(icmpError(4, 3, 4, 1400, again[0]!));
    expect(r.stack.stats.icmp.pathMtuReductions).to.equal(1);
    expect(await r.take()).to.have.length(0);
  });

  it('IPv6 Packet Too Big lowers the MSS, never below 1280-based (RFC 8201)', async () => {
    const r = rig();
    const c = await established(r, 6);
    c.socket.write(new Uint8Array(3000));
    const first = await r.take();
    expect(payloads(first).map((x) => x[1])).to.deep.equal([1440, 1440, 120]); // 1500 - 60
    await r.inject(icmpError(6, 2, 0, 1000, first[1]!)); // below the IPv6 minimum: use 1280
    const again = await r.take();
    expect(payloads(again).map((x) => x[1])).to.deep.equal([1220, 1220, 560]);
    expect(again.every((p) => p.length <= 1280)).to.equal(true);
    expect(r.stack.stats.icmp.pathMtuReductions).to.equal(1);
  });

  it('IPv4: a reported MTU below 552 is taken as 552 (Linux min_pmtu); MTU 0 means the next RFC 1191 plateau', async () => {
    const r = rig();
    const c = await established(r, 4);
    c.socket.write(new Uint8Array(2000));
    const first = await r.take();
    await r.inject(icmpError(4, 3, 4, 0, first[0]!)); // old router: plateau below 1500 is 1492
    expect(payloads(await r.take()).map((x) => x[1])).to.deep.equal([1452, 548]);
    await r.inject(icmpError(4, 3, 4, 100, first[0]!));
    expect(payloads(await r.take()).map((x) => x[1])).to.deep.equal([512, 512, 512, 464]);
    expect(r.stack.stats.icmp.pathMtuReductions).to.equal(2);
  });

  it('a Packet Too Big quoting data already acknowledged is dropped and counted', async () => {
    const r = rig();
    const c = await established(r, 6);
    c.socket.write(new Uint8Array(1000));
    const [seg] = await r.take();
    const d = decoded(seg!);
    await r.inject(
      tcpPacket({
        ip: { src: PEER[6], dst: US[6] },
        tcp: {
          srcPort: 80,
          dstPort: c.localPort,
          seq: 9001,
          ack: (d.tcp.seq + 1000) >>> 0,
          flags: TcpFlags.ACK,
          window: 65535,
        },
      }),
    );
    await r.inject(icmpError(6, 2, 0, 1280, seg!));
    expect(r.stack.stats.icmp.errorsUnmatched).to.equal(1);
    expect(r.stack.stats.icmp.pathMtuReductions).to.equal(0);
    c.socket.write(new Uint8Array(1500));
    expect(payloads(await r.take()).map((x) => x[1])).to.deep.equal([1440, 60]);
  });
});
