import { expect } from 'chai';
import { decodeIp } from '../../src/wire/decode.js';
import { encodePacket } from '../../src/wire/encode.js';
import { ACK, SYN, TcpFlags } from '../../src/wire/constants.js';
import {
  headerFromSegment,
  packetFromSegment,
  segmentFromHeader,
  segmentFromPacket,
} from '../../src/wire/segment-convert.js';
import type { TcpSegment } from '../../src/wire/segment.js';
import { Random } from '../helpers/random.js';
import { randomSegment } from '../helpers/segments.js';

const plain = (s: TcpSegment) => ({ ...s, payload: [...s.payload] });

describe('segment converters (TcpHeader / DecodedPacket <-> TcpSegment)', () => {
  it('segmentFromPacket(decodeIp(encodePacket(packetFromSegment(seg)))) gives seg back, IPv4 and IPv6', () => {
    const r = new Random(61);
    for (let i = 0; i < 1000; i++) {
      const seg = randomSegment(r, { flagLimit: 0x200, ecn: true });
      const [src, dst] = i % 2 === 0 ? ['198.51.100.1', '203.0.113.9'] : ['2001:db8::1', '2001:db8:1::2'];
      const packet = decodeIp(encodePacket(packetFromSegment(seg, src, dst)));
      expect(packet.ip.src).to.equal(src);
      expect(plain(segmentFromPacket(packet)), `segment ${i}`).to.deep.equal(plain(seg));
    }
  });

  it('headerFromSegment keeps every header field and option, and lets the encoder size the header', () => {
    const seg: TcpSegment = {
      srcPort: 443,
      dstPort: 50000,
      seq: 0xfffffff0,
      ack: 7,
      flags: SYN | ACK,
      window: 1000,
      urgentPointer: 0,
      payload: new Uint8Array(0),
      mss: 1460,
      windowScale: 7,
      sackPermitted: true,
      tsVal: 1,
      tsEcr: 2,
      sack: [10, 20, 30, 40],
    };
    expect(headerFromSegment(seg)).to.deep.equal({
      srcPort: 443,
      dstPort: 50000,
      seq: 0xfffffff0,
      ack: 7,
      flags: SYN | ACK,
      window: 1000,
      urgentPointer: 0,
      options: {
        mss: 1460,
        windowScale: 7,
        sackPermitted: true,
        timestamp: { value: 1, echo: 2 },
        sack: [
          [10, 20],
          [30, 40],
        ],
      },
    });
  });

  it('segmentFromHeader leaves out what the engine does not read and keeps the flag bits as sent', () => {
    const bytes = encodePacket({
      ip: { src: '198.51.100.1', dst: '198.51.100.2', tos: 0xb9 },
      tcp: {
        srcPort: 1,
        dstPort: 2,
        seq: 3,
        ack: 4,
        flags: TcpFlags.ACK | TcpFlags.AE | 0x200,
        options: { kinds: [34, 2, 1, 1], mss: 536, unknown: [{ kind: 34, data: new Uint8Array([1, 2, 3, 4]) }] },
      },
      payload: new Uint8Array([5, 6]),
    });
    const packet = decodeIp(bytes);
    const seg = segmentFromPacket(packet);
    expect(plain(seg)).to.deep.equal({
      srcPort: 1,
      dstPort: 2,
      seq: 3,
      ack: 4,
      flags: TcpFlags.ACK | TcpFlags.AE | 0x200,
      window: 65535,
      urgentPointer: 0,
      mss: 536,
      payload: [5, 6],
      ecn: 1,
    });
    // The payload is the decoded packet's view, not a copy.
    expect(seg.payload.buffer).to.equal(bytes.buffer);
    // An ECN codepoint of 0 is absent, as the engine's segments keep it.
    expect(segmentFromHeader(packet.tcp, packet.payload)).to.not.have.property('ecn');
  });
});
