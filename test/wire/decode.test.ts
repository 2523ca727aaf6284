// decodeFrame / decodeIp scenario tests: link layers, IPv4, IPv6 extension headers, TCP header
// and option edge cases, and each DecodeError code.

import { expect } from 'chai';
import { DecodeError, LinkType, TcpFlags, decodeFrame, decodeIp, type DecodeErrorCode } from '../../src/index.js';
import {
  SAMPLE_TCP,
  V4,
  V6,
  be16,
  be32,
  concat,
  ethernet,
  fragmentHeader,
  ipv4AroundRawTcp,
  ipv4Packet,
  ipv6Packet,
  ipv6WithExtensions,
  nullHeader,
  optionsHeader,
  rawTcp,
  routingHeader,
  sll,
  sll2,
} from '../helpers/frames.js';
import { referenceChecksum } from '../helpers/reference.js';

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError, got a result');
}

function expectCode(code: DecodeErrorCode, fn: () => unknown): DecodeError {
  const error = decodeError(fn);
  expect(error.code, error.message).to.equal(code);
  return error;
}

describe('decodeFrame', function () {
  describe('link layers', function () {
    const v4 = ipv4Packet();
    const v6 = ipv6Packet();

    it('Ethernet carries IPv4 and IPv6 at offset 14', function () {
      const a = decodeFrame(ethernet(v4, 0x0800), LinkType.ETHERNET);
      expect(a.offsets).to.deep.equal({ ip: 14, tcp: 34, payload: 66 });
      expect(a.ip.version).to.equal(4);
      expect(a.checksumStatus).to.equal('good');
      const b = decodeFrame(ethernet(v6, 0x86dd), LinkType.ETHERNET);
      expect(b.ip).to.include({ version: 6, src: V6.src, dst: V6.dst });
      expect(b.checksumStatus).to.equal('good');
    });

    it('802.1Q and QinQ tags are skipped', function () {
      const one = decodeFrame(ethernet(v4, 0x0800, [[0x8100, 10]]), LinkType.ETHERNET);
      expect(one.offsets.ip).to.equal(18);
      const two = decodeFrame(
        ethernet(v6, 0x86dd, [
          [0x88a8, 100],
          [0x8100, 10],
        ]),
        LinkType.ETHERNET,
      );
      expect(two.offsets.ip).to.equal(22);
      expect(two.tcp.srcPort).to.equal(SAMPLE_TCP.srcPort);
      const old = decodeFrame(
        ethernet(v4, 0x0800, [
          [0x9100, 1],
          [0x8100, 2],
        ]),
        LinkType.ETHERNET,
      );
      expect(old.offsets.ip).to.equal(22);
    });

    it('non-IP ethertypes and endless VLAN stacks are NOT_IP; a cut header is TRUNCATED', function () {
      expectCode('NOT_IP', () => decodeFrame(ethernet(v4, 0x0806), LinkType.ETHERNET));
      const tags = Array.from({ length: 9 }, (): [number, number] => [0x8100, 1]);
      expectCode('NOT_IP', () => decodeFrame(ethernet(v4, 0x0800, tags), LinkType.ETHERNET));
      expectCode('TRUNCATED', () => decodeFrame(ethernet(v4, 0x0800).subarray(0, 13), LinkType.ETHERNET));
      expectCode('TRUNCATED', () =>
        decodeFrame(ethernet(v4, 0x0800, [[0x8100, 1]]).subarray(0, 17), LinkType.ETHERNET),
      );
      expectCode('TRUNCATED', () => decodeFrame(ethernet(v4, 0x0800).subarray(0, 14), LinkType.ETHERNET));
    });

    it('Linux cooked captures v1 and v2', function () {
      expect(decodeFrame(sll(v4, 0x0800), LinkType.LINUX_SLL).offsets.ip).to.equal(16);
      expect(decodeFrame(sll(v6, 0x86dd), LinkType.LINUX_SLL).ip.version).to.equal(6);
      expect(decodeFrame(sll2(v4, 0x0800), LinkType.LINUX_SLL2).offsets.ip).to.equal(20);
      expect(decodeFrame(sll2(v6, 0x86dd), LinkType.LINUX_SLL2).ip.version).to.equal(6);
      expectCode('NOT_IP', () => decodeFrame(sll(v4, 0x0806), LinkType.LINUX_SLL));
      expectCode('TRUNCATED', () => decodeFrame(sll2(v4, 0x0800).subarray(0, 19), LinkType.LINUX_SLL2));
    });

    it('BSD loopback in either byte order, with every OS value of AF_INET6', function () {
      expect(decodeFrame(nullHeader(v4, 2, true), LinkType.NULL).ip.version).to.equal(4);
      expect(decodeFrame(nullHeader(v4, 2, false), LinkType.NULL).ip.version).to.equal(4);
      for (const af of [10, 23, 24, 28, 30]) {
        expect(decodeFrame(nullHeader(v6, af, true), LinkType.NULL).ip.version, `AF ${af}`).to.equal(6);
        expect(decodeFrame(nullHeader(v6, af, false), LinkType.NULL).ip.version, `AF ${af} BE`).to.equal(6);
      }
      expectCode('NOT_IP', () => decodeFrame(nullHeader(v4, 7, true), LinkType.NULL));
      // OpenBSD DLT_LOOP is always network order.
      expect(decodeFrame(nullHeader(v6, 24, false), LinkType.LOOP).ip.version).to.equal(6);
      expectCode('NOT_IP', () => decodeFrame(nullHeader(v4, 2, true), LinkType.LOOP));
    });

    it('raw IP link types check the version they announce', function () {
      expect(decodeFrame(v4, LinkType.RAW).ip.version).to.equal(4);
      expect(decodeFrame(v6, LinkType.RAW).ip.version).to.equal(6);
      expect(decodeFrame(v4, LinkType.IPV4).ip.version).to.equal(4);
      expect(decodeFrame(v6, LinkType.IPV6).ip.version).to.equal(6);
      expectCode('BAD_IP_HEADER', () => decodeFrame(v6, LinkType.IPV4));
      expectCode('BAD_IP_HEADER', () => decodeFrame(v4, LinkType.IPV6));
      expectCode('BAD_IP_HEADER', () => decodeFrame(ethernet(v6, 0x0800), LinkType.ETHERNET));
      const v5 = v4.slice();
      v5[0] = 0x55;
      expectCode('BAD_IP_HEADER', () => decodeIp(v5));
      expectCode('TRUNCATED', () => decodeIp(new Uint8Array(0)));
    });

    it('unknown link types are UNSUPPORTED_LINK; bad arguments are TypeErrors', function () {
      const error = expectCode('UNSUPPORTED_LINK', () => decodeFrame(v4, 147));
      expect(error.message).to.contain('147');
      expect(() => decodeFrame(v4, -1)).to.throw(TypeError);
      expect(() => decodeFrame(v4, 1.5)).to.throw(TypeError);
      expect(() => decodeFrame([1, 2, 3] as unknown as Uint8Array, 1)).to.throw(TypeError);
      expect(() => decodeFrame(v4, 101, -5)).to.throw(TypeError);
    });

    it('the payload is a view of the input, not a copy', function () {
      const frame = ethernet(v4, 0x0800);
      const p = decodeFrame(frame, LinkType.ETHERNET);
      expect(p.payload.buffer).to.equal(frame.buffer);
      expect(Array.from(p.payload)).to.deep.equal(new Array(10).fill(0x61));
    });
  });

  describe('IPv4', function () {
    it('reports header fields and verifies the header checksum', function () {
      const packet = ipv4Packet();
      const p = decodeIp(packet);
      expect(p.ip).to.deep.include({
        version: 4,
        src: V4.src,
        dst: V4.dst,
        ttl: 63,
        tos: 0,
        id: 0x1234,
        dontFragment: true,
        moreFragments: false,
        fragmentOffset: 0,
        headerLength: 20,
        totalLength: packet.length,
        headerChecksum: 'good',
      });
      const bad = packet.slice();
      bad[10]! ^= 0xff;
      expect(decodeIp(bad).ip).to.include({ headerChecksum: 'bad' });
      expect(decodeIp(bad).checksumStatus).to.equal('good');
    });

    it('exposes options and follows an unexhausted source route to the final destination', function () {
      // The segment's checksum covers 192.0.2.1 -> 192.0.2.2 (V4).
      const segment = ipv4Packet().subarray(20);
      const build = (headerDst: number[], pointer: number, route: number[][]) => {
        // NOP, then LSRR: type, length 11, pointer, two addresses. 12 bytes of options: IHL 8.
        const options = concat(Uint8Array.of(1, 131, 11, pointer), ...route.map((a) => Uint8Array.from(a)));
        const header = concat(
          Uint8Array.of(0x48, 0),
          be16(32 + segment.length),
          be16(7),
          be16(0),
          Uint8Array.of(64, 6),
          be16(0),
          Uint8Array.of(192, 0, 2, 1),
          Uint8Array.from(headerDst),
          options,
        );
        const c = referenceChecksum(header);
        header[10] = c >> 8;
        header[11] = c & 0xff;
        return concat(header, segment);
      };
      // In flight: the header names the next hop; only the route's last address, the final
      // destination, makes the TCP checksum come out right.
      const live = decodeIp(
        build([198, 51, 100, 1], 4, [
          [198, 51, 100, 7],
          [192, 0, 2, 2],
        ]),
      );
      expect(live.ip.version === 4 && live.ip.headerLength).to.equal(32);
      expect(live.ip.version === 4 && live.ip.options?.length).to.equal(12);
      expect(live.pseudoHeader).to.deep.equal({ src: '192.0.2.1', dst: '192.0.2.2' });
      expect(live.checksumStatus).to.equal('good');
      // Route used up (pointer past the end): the header's destination is the final one.
      const arrived = decodeIp(
        build([192, 0, 2, 2], 12, [
          [198, 51, 100, 1],
          [198, 51, 100, 7],
        ]),
      );
      expect(arrived.pseudoHeader).to.equal(undefined);
      expect(arrived.checksumStatus).to.equal('good');
    });

    it('malformed headers are BAD_IP_HEADER; short ones TRUNCATED', function () {
      const packet = ipv4Packet();
      const ihl4 = packet.slice();
      ihl4[0] = 0x44;
      expectCode('BAD_IP_HEADER', () => decodeIp(ihl4));
      const short = packet.slice();
      short.set(be16(19), 2);
      expectCode('BAD_IP_HEADER', () => decodeIp(short));
      const noRoom = packet.slice();
      noRoom.set(be16(30), 2);
      expectCode('BAD_IP_HEADER', () => decodeIp(noRoom));
      expectCode('TRUNCATED', () => decodeIp(packet.subarray(0, 19)));
      const ihl15 = packet.slice();
      ihl15[0] = 0x4f;
      expectCode('TRUNCATED', () => decodeIp(ihl15.subarray(0, 59)));
    });

    it('Ethernet padding after the datagram is not payload', function () {
      const packet = ipv4Packet({ srcPort: 1, dstPort: 2, flags: TcpFlags.ACK }, new Uint8Array(0));
      const frame = concat(ethernet(packet, 0x0800), new Uint8Array(6).fill(0xee));
      const p = decodeFrame(frame, LinkType.ETHERNET);
      expect(p.payload.length).to.equal(0);
      expect(p.payloadLength).to.equal(0);
      expect(p.checksumStatus).to.equal('good');
    });

    it('a zero total length (segmentation offload capture) takes the captured length', function () {
      const packet = ipv4Packet();
      packet.set(be16(0), 2);
      const p = decodeIp(packet);
      expect(p.payloadLength).to.equal(10);
      expect(p.ip).to.include({ totalLength: 0 });
    });

    it('a datagram longer than the capture is unverifiable; originalLength bounds it like tshark', function () {
      const packet = ipv4Packet(SAMPLE_TCP, new Uint8Array(100).fill(1));
      const cut = packet.subarray(0, packet.length - 30);
      const p = decodeIp(cut);
      expect(p).to.include({ checksumStatus: 'unverifiable', payloadLength: 100 });
      expect(p.payload.length).to.equal(70);
      expect(p.expectedChecksum).to.equal(undefined);
      // The frame itself was only this long on the wire: the IP length field overstates it.
      const bounded = decodeFrame(cut, LinkType.RAW, cut.length);
      expect(bounded).to.include({ checksumStatus: 'unverifiable', payloadLength: 70 });
      // A snap-truncated frame that was whole on the wire keeps the IP length.
      expect(decodeFrame(cut, LinkType.RAW, packet.length)).to.include({ payloadLength: 100 });
    });

    it('fragments: a first fragment is unverifiable, later ones carry no TCP header', function () {
      const packet = ipv4Packet();
      const first = packet.slice();
      first.set(be16(0x2000), 6);
      first.set(be16(0), 10);
      expect(decodeIp(first).checksumStatus).to.equal('unverifiable');
      expect(decodeIp(first).ip).to.include({ moreFragments: true });
      const later = packet.slice();
      later.set(be16(0x0003), 6);
      expectCode('FRAGMENT', () => decodeIp(later));
      const udp = later.slice();
      udp[9] = 17;
      expectCode('NOT_TCP', () => decodeIp(udp));
    });

    it('other protocols are NOT_TCP', function () {
      const icmp = ipv4Packet().slice();
      icmp[9] = 1;
      const error = expectCode('NOT_TCP', () => decodeIp(icmp));
      expect(error.offset).to.equal(9);
    });
  });

  describe('IPv6', function () {
    it('reports header fields', function () {
      const p = decodeIp(ipv6Packet());
      expect(p.ip).to.deep.include({
        version: 6,
        src: V6.src,
        dst: V6.dst,
        hopLimit: 61,
        trafficClass: 0,
        flowLabel: 0x12345,
        extensionHeaders: [],
      });
      expect(p.checksumStatus).to.equal('good');
    });

    it('walks hop-by-hop, destination options and AH headers', function () {
      const ah: { type: number; body: Uint8Array } = {
        type: 51,
        body: concat(Uint8Array.of(4), new Uint8Array(2), be32(0x100), be32(1), new Uint8Array(12)),
      };
      const packet = ipv6WithExtensions([
        optionsHeader(0, Uint8Array.of(5, 2, 0, 0)),
        ah,
        optionsHeader(60, Uint8Array.of(1, 0)),
      ]);
      const p = decodeIp(packet);
      expect((p.ip as { extensionHeaders: number[] }).extensionHeaders).to.deep.equal([0, 51, 60]);
      expect(p.offsets.tcp).to.equal(40 + 8 + 24 + 8);
      expect(p.checksumStatus).to.equal('good');
      expect(p.pseudoHeader).to.equal(undefined);
    });

    it('a Home Address option is the pseudo-header source', function () {
      const home = '2001:db8:0:1::99';
      const hao = concat(
        Uint8Array.of(0xc9, 16),
        new Uint8Array(16).map((_, i) => [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x99][i]!),
      );
      const packet = ipv6WithExtensions([optionsHeader(60, concat(Uint8Array.of(1, 2, 0, 0), hao))], {
        pseudo: { src: home, dst: V6.dst },
      });
      const p = decodeIp(packet);
      expect(p.checksumStatus).to.equal('good');
      expect(p.pseudoHeader).to.deep.equal({ src: home, dst: V6.dst });
      expect(p.ip.src).to.equal(V6.src);
    });

    it('routing headers with segments left name the final destination (types 0, 2, 4)', function () {
      const final = '2001:db8:ffff::1';
      const type0 = ipv6WithExtensions([routingHeader(0, 2, ['2001:db8:1::1', final])], {
        pseudo: { src: V6.src, dst: final },
      });
      expect(decodeIp(type0)).to.deep.include({ checksumStatus: 'good', pseudoHeader: { src: V6.src, dst: final } });
      const type2 = ipv6WithExtensions([routingHeader(2, 1, [final])], { pseudo: { src: V6.src, dst: final } });
      expect(decodeIp(type2)).to.deep.include({ checksumStatus: 'good' });
      // Segment routing lists segments last-first: segment 0 is the final destination.
      const srh = ipv6WithExtensions([routingHeader(4, 1, [final, '2001:db8:1::1'], 1)], {
        pseudo: { src: V6.src, dst: final },
      });
      expect(decodeIp(srh)).to.deep.include({ checksumStatus: 'good', pseudoHeader: { src: V6.src, dst: final } });
      // With no segments left the header's destination already is the final one.
      const done = ipv6WithExtensions([routingHeader(0, 0, ['2001:db8:1::1', final])]);
      expect(decodeIp(done)).to.deep.include({ checksumStatus: 'good' });
      expect(decodeIp(done).pseudoHeader).to.equal(undefined);
    });

    it('fragment header: first fragment unverifiable, later ones FRAGMENT', function () {
      expect(decodeIp(ipv6WithExtensions([fragmentHeader(0, true)])).checksumStatus).to.equal('unverifiable');
      expect(decodeIp(ipv6WithExtensions([fragmentHeader(0, false)])).checksumStatus).to.equal('good');
      expectCode('FRAGMENT', () => decodeIp(ipv6WithExtensions([fragmentHeader(1448, true)])));
      expectCode('NOT_TCP', () => decodeIp(ipv6WithExtensions([fragmentHeader(1448, false)], { finalNextHeader: 17 })));
    });

    it('a jumbo payload option gives the length when the header says 0', function () {
      const jumbo = (length: number) => concat(Uint8Array.of(0xc2, 4), be32(length));
      const body = 8 + 20 + 12 + 7; // hop-by-hop header + TCP header with timestamps + payload
      const packet = ipv6WithExtensions([optionsHeader(0, jumbo(body))], { payloadLengthField: 0 });
      const p = decodeIp(packet);
      expect(p.payloadLength).to.equal(7);
      expect(p.checksumStatus).to.equal('good');
    });

    it('no next header, ICMPv6, ESP are NOT_TCP; broken chains are errors', function () {
      expectCode('NOT_TCP', () =>
        decodeIp(ipv6WithExtensions([optionsHeader(60, Uint8Array.of(1, 0))], { finalNextHeader: 59 })),
      );
      expectCode('NOT_TCP', () => decodeIp(ipv6WithExtensions([], { finalNextHeader: 58 })));
      const many = Array.from({ length: 17 }, () => optionsHeader(60, Uint8Array.of(1, 0)));
      expectCode('BAD_IP_HEADER', () => decodeIp(ipv6WithExtensions(many)));
      const packet = ipv6WithExtensions([optionsHeader(0, Uint8Array.of(1, 4, 0, 0, 0, 0))]);
      expectCode('TRUNCATED', () => decodeIp(packet.subarray(0, 45)));
      // An extension header that reaches past the payload length.
      expectCode('BAD_IP_HEADER', () =>
        decodeIp(ipv6WithExtensions([optionsHeader(0, Uint8Array.of(1, 4, 0, 0, 0, 0))], { payloadLengthField: 4 })),
      );
      expectCode('TRUNCATED', () => decodeIp(ipv6Packet().subarray(0, 39)));
    });
  });

  describe('TCP header', function () {
    it('reads every field, AE and the reserved bits included', function () {
      const flags =
        TcpFlags.AE |
        TcpFlags.CWR |
        TcpFlags.ECE |
        TcpFlags.URG |
        TcpFlags.ACK |
        TcpFlags.PSH |
        TcpFlags.RST |
        TcpFlags.SYN |
        TcpFlags.FIN |
        0xe00;
      const p = decodeIp(
        ipv4Packet({
          srcPort: 65535,
          dstPort: 0,
          seq: 0xffffffff,
          ack: 0x80000000,
          flags,
          window: 0,
          urgentPointer: 0xbeef,
        }),
      );
      expect(p.tcp).to.deep.include({
        srcPort: 65535,
        dstPort: 0,
        seq: 0xffffffff,
        ack: 0x80000000,
        flags: 0xfff,
        window: 0,
        urgentPointer: 0xbeef,
        headerLength: 20,
      });
      expect(p.tcp.options.kinds).to.deep.equal([]);
      expect(p.checksumStatus).to.equal('good');
    });

    it('a data offset below 5 or past the segment is BAD_DATA_OFFSET', function () {
      expectCode('BAD_DATA_OFFSET', () => decodeIp(ipv4AroundRawTcp(rawTcp(new Uint8Array(0), 4))));
      expectCode('BAD_DATA_OFFSET', () => decodeIp(ipv4AroundRawTcp(rawTcp(new Uint8Array(0), 0))));
      const error = expectCode('BAD_DATA_OFFSET', () => decodeIp(ipv4AroundRawTcp(rawTcp(new Uint8Array(4), 15))));
      expect(error.offset).to.equal(32);
    });

    it('a header cut by the capture is TRUNCATED; an IP payload below 20 bytes is BAD_IP_HEADER', function () {
      const packet = ipv4AroundRawTcp(rawTcp(Uint8Array.of(2, 4, 5, 180)));
      expectCode('TRUNCATED', () => decodeIp(packet.subarray(0, 39)));
      expectCode('TRUNCATED', () => decodeIp(packet.subarray(0, 42)));
      expectCode('BAD_IP_HEADER', () => decodeIp(ipv4AroundRawTcp(rawTcp(new Uint8Array(0)).subarray(0, 16))));
    });
  });

  describe('TCP options', function () {
    const decodeOptions = (options: Uint8Array) => decodeIp(ipv4AroundRawTcp(rawTcp(options))).tcp.options;

    it('typed values: MSS, window scale (even above 14), SACK-permitted, SACK, timestamps', function () {
      const o = decodeOptions(
        concat(Uint8Array.of(2, 4, 5, 180, 3, 3, 15, 4, 2, 8, 10), be32(7), be32(9), Uint8Array.of(1)),
      );
      expect(o).to.deep.equal({
        kinds: [2, 3, 4, 8, 1],
        mss: 1460,
        windowScale: 15,
        sackPermitted: true,
        timestamp: { value: 7, echo: 9 },
      });
      for (let blocks = 1; blocks <= 4; blocks++) {
        const edges = Array.from({ length: blocks }, (_, b) => concat(be32(1000 * b + 1), be32(1000 * b + 500)));
        const bytes = concat(Uint8Array.of(1, 1, 5, 2 + 8 * blocks), ...edges);
        const s = decodeOptions(concat(bytes, new Uint8Array((4 - (bytes.length % 4)) % 4)));
        expect(s.sack).to.deep.equal(Array.from({ length: blocks }, (_, b) => [1000 * b + 1, 1000 * b + 500]));
      }
    });

    it('other kinds are kept raw with their data', function () {
      const o = decodeOptions(
        concat(
          Uint8Array.of(34, 10),
          Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), // TFO cookie
          Uint8Array.of(30, 4, 0x10, 0x01), // MPTCP
          Uint8Array.of(29, 4, 7, 9), // TCP-AO (short, for the test)
          Uint8Array.of(27, 8, 1, 2, 3, 4, 5, 6), // quick-start-like kind 27
          Uint8Array.of(19, 2), // MD5 with no digest
        ),
      );
      expect(o.kinds).to.deep.equal([34, 30, 29, 27, 19]);
      expect(o.unknown!.map((u) => [u.kind, Array.from(u.data)])).to.deep.equal([
        [34, [1, 2, 3, 4, 5, 6, 7, 8]],
        [30, [0x10, 0x01]],
        [29, [7, 9]],
        [27, [1, 2, 3, 4, 5, 6]],
        [19, []],
      ]);
      expect(o.mss).to.equal(undefined);
    });

    it('forty one-byte options (a full option area) are all listed, and later decodes are unaffected', function () {
      const typed = concat(Uint8Array.of(2, 4, 5, 180, 3, 3, 7, 4, 2, 8, 10), be32(7), be32(9), Uint8Array.of(1));
      const before = decodeOptions(typed);
      const full = decodeOptions(new Uint8Array(40).fill(1));
      expect(full.kinds).to.deep.equal(new Array(40).fill(1));
      // The option list once overflowed its static area by 40 bytes: what follows must survive.
      expect(decodeOptions(typed)).to.deep.equal(before);
    });

    it('EOL and the padding after it are listed like tshark lists them', function () {
      const o = decodeOptions(Uint8Array.of(2, 4, 5, 180, 1, 0, 0, 0));
      expect(o.kinds).to.deep.equal([2, 1, 0, 0, 0]);
    });

    it('a known kind with a wrong length, or repeated, is kept raw', function () {
      const o = decodeOptions(Uint8Array.of(2, 3, 9, 2, 4, 1, 0, 3, 2, 1, 1, 1));
      expect(o.kinds).to.deep.equal([2, 2, 3, 1, 1, 1]);
      expect(o.mss).to.equal(undefined);
      expect(o.windowScale).to.equal(undefined);
      expect(o.unknown!.map((u) => [u.kind, Array.from(u.data)])).to.deep.equal([
        [2, [9]],
        [2, [1, 0]],
        [3, []],
      ]);
      const dup = decodeOptions(Uint8Array.of(2, 4, 1, 0, 2, 4, 2, 0));
      expect(dup.mss).to.equal(256);
      expect(dup.unknown!.map((u) => [u.kind, Array.from(u.data)])).to.deep.equal([[2, [2, 0]]]);
    });

    it('malformed lists are BAD_OPTION with the offending offset', function () {
      const tcpAt = 20;
      expect(expectCode('BAD_OPTION', () => decodeOptions(Uint8Array.of(2, 0, 0, 0))).offset).to.equal(tcpAt + 21);
      expect(expectCode('BAD_OPTION', () => decodeOptions(Uint8Array.of(8, 1, 0, 0))).offset).to.equal(tcpAt + 21);
      expect(expectCode('BAD_OPTION', () => decodeOptions(Uint8Array.of(1, 1, 8, 10))).offset).to.equal(tcpAt + 23);
      expect(expectCode('BAD_OPTION', () => decodeOptions(Uint8Array.of(1, 1, 1, 2))).offset).to.equal(tcpAt + 23);
    });
  });

  it('payload bytes and lengths', function () {
    const payload = Uint8Array.from({ length: 1400 }, (_, i) => i & 0xff);
    const p = decodeIp(ipv6Packet(SAMPLE_TCP, payload));
    expect(p.payloadLength).to.equal(1400);
    expect(Array.from(p.payload)).to.deep.equal(Array.from(payload));
    expect(p.checksumStatus).to.equal('good');
    const corrupted = ipv6Packet(SAMPLE_TCP, payload);
    corrupted[corrupted.length - 1]! ^= 1;
    const bad = decodeIp(corrupted);
    expect(bad.checksumStatus).to.equal('bad');
    expect(bad.expectedChecksum).to.not.equal(bad.tcp.checksum);
    // Writing the expected value into the header makes it good.
    corrupted.set(be16(bad.expectedChecksum!), 40 + 16);
    expect(decodeIp(corrupted).checksumStatus).to.equal('good');
  });
});
