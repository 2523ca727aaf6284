// ECN through the stack (RFC 3168 §5): the engine's codepoints reach the IP header's ECN field
// (IPv4 TOS, IPv6 traffic class) with valid checksums, and a CE mark on a received packet
// reaches the engine, which echoes ECE.

import { expect } from 'chai';
import { internetChecksum } from '../../src/wire/checksum.js';
import { decoded, tcpPacket } from './harness.js';
import { PEER, US, established, rig } from './wire-rig.js';

const ACK = 0x10;
const ECE = 0x40;
const CWR = 0x80;
const ecnBits = (p: Uint8Array) => (p[0]! >> 4 === 4 ? p[1]! : p[1]! >> 4) & 3;

describe('Stack: ECN bits in the IP header', () => {
  for (const version of [4, 6] as const) {
    it(`IPv${version}: an ECN-setup SYN is Not-ECT; agreed, data goes ECT(0); a CE mark in is echoed with ECE`, async () => {
      const r = rig({ ecn: 'on' });
      const e = await established(r, version, ECE); // the SYN-ACK agrees
      expect(decoded(e.syn).tcp.flags & (ECE | CWR)).to.equal(ECE | CWR);
      expect(ecnBits(e.syn)).to.equal(0);
      e.socket.write(new Uint8Array(500));
      const [data] = await r.take();
      expect(ecnBits(data!)).to.equal(2); // ECT(0)
      if (version === 4) expect(internetChecksum(data!.subarray(0, 20))).to.equal(0);
      expect(decoded(data!).checksumStatus).to.equal('good');
      // The peer's data arrives CE-marked: our ACK carries ECE at once.
      const ip = version === 4 ? { src: PEER[4], dst: US[4], tos: 3 } : { src: PEER[6], dst: US[6], trafficClass: 3 };
      await r.inject(
        tcpPacket({
          ip,
          tcp: { srcPort: 80, dstPort: e.localPort, seq: 9001, ack: (e.iss + 501) >>> 0, flags: ACK, window: 65535 },
          payload: new Uint8Array(100),
        }),
      );
      const [ack] = await r.take();
      const d = decoded(ack!);
      expect([d.tcp.flags, d.tcp.ack]).to.deep.equal([ACK | ECE, 9101]);
      expect(ecnBits(ack!)).to.equal(0); // pure ACKs are Not-ECT (§6.1.4)
    });
  }

  it("by default ('passive') our SYN does not ask, so data is Not-ECT and a CE mark is not echoed", async () => {
    const r = rig();
    const e = await established(r, 4, ECE);
    expect(decoded(e.syn).tcp.flags & (ECE | CWR)).to.equal(0);
    e.socket.write(new Uint8Array(500));
    const [data] = await r.take();
    expect(ecnBits(data!)).to.equal(0);
    await r.inject(
      tcpPacket({
        ip: { src: PEER[4], dst: US[4], tos: 3 },
        tcp: { srcPort: 80, dstPort: e.localPort, seq: 9001, ack: (e.iss + 501) >>> 0, flags: ACK, window: 65535 },
        payload: new Uint8Array(100),
      }),
    );
    await r.run(100); // the delayed ACK
    const acks = await r.take();
    expect(acks.map((p) => decoded(p).tcp.flags)).to.deep.equal([ACK]);
  });
});
