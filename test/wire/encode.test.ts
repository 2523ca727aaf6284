// encodePacket / encodeTcp: exact bytes for known layouts, checksums against the reference,
// argument validation, and (where tshark is installed) tshark's reading of what we write.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LinkType,
  TcpFlags,
  decodeIp,
  encodePacket,
  encodeTcp,
  inputArea,
  parseAddress,
  writePcap,
} from '../../src/index.js';
import { V4, V6 } from '../helpers/frames.js';
import { referenceChecksum, referencePseudoSum, referenceSum } from '../helpers/reference.js';
import { requireTshark } from '../helpers/tshark.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encode', function () {
  it("a SYN gets Linux's option layout: MSS, SACK-permitted, timestamps, NOP, window scale", function () {
    const segment = encodeTcp(
      {
        srcPort: 0x9c40,
        dstPort: 80,
        seq: 1,
        flags: TcpFlags.SYN,
        window: 64240,
        options: { mss: 1460, sackPermitted: true, timestamp: { value: 0x01020304, echo: 0 }, windowScale: 7 },
      },
      new Uint8Array(0),
      V4,
    );
    expect(segment.length).to.equal(40);
    expect(segment[12]).to.equal(0xa0); // data offset 10 words
    expect(hex(segment.subarray(20))).to.equal('020405b4' + '0402' + '080a0102030400000000' + '01' + '030307');
  });

  it('an ACK with timestamps and SACK blocks is NOP-aligned', function () {
    const segment = encodeTcp(
      {
        srcPort: 1,
        dstPort: 2,
        flags: TcpFlags.ACK,
        options: {
          timestamp: { value: 5, echo: 6 },
          sack: [
            [100, 200],
            [300, 400],
          ],
        },
      },
      new Uint8Array(0),
      V4,
    );
    expect(hex(segment.subarray(20))).to.equal(
      '0101080a0000000500000006' + '0101' + '0512' + '00000064000000c8' + '0000012c00000190',
    );
  });

  it('an explicit kinds order is followed byte for byte, padded with EOL', function () {
    const segment = encodeTcp(
      {
        srcPort: 1,
        dstPort: 2,
        options: {
          kinds: [3, 34, 2],
          windowScale: 2,
          mss: 536,
          unknown: [{ kind: 34, data: Uint8Array.of(0xaa, 0xbb) }],
        },
      },
      new Uint8Array(0),
      V4,
    );
    expect(hex(segment.subarray(20))).to.equal('030302' + '2204aabb' + '02040218' + '00');
    const options = {
      kinds: [3, 34, 2],
      windowScale: 2,
      mss: 536,
      unknown: [{ kind: 34, data: Uint8Array.of(0xaa, 0xbb) }],
    };
    expect(
      decodeIp(encodePacket({ ip: V4, tcp: { srcPort: 1, dstPort: 2, options } })).tcp.options.kinds,
    ).to.deep.equal([3, 34, 2, 0]);
  });

  it('headerLength pads with zeros; impossible ones are refused', function () {
    const segment = encodeTcp({ srcPort: 1, dstPort: 2, headerLength: 28, options: { mss: 1 } }, new Uint8Array(0), V4);
    expect(segment.length).to.equal(28);
    expect(hex(segment.subarray(20))).to.equal('0204000100000000');
    expect(() =>
      encodeTcp({ srcPort: 1, dstPort: 2, headerLength: 20, options: { mss: 1 } }, new Uint8Array(0), V4),
    ).to.throw(RangeError, /headerLength/);
    expect(() => encodeTcp({ srcPort: 1, dstPort: 2, headerLength: 22 }, new Uint8Array(0), V4)).to.throw(RangeError);
  });

  it('IPv4 header: fields, defaults and a header checksum the reference accepts', function () {
    const payload = new Uint8Array(33).fill(7);
    const packet = encodePacket({
      ip: { ...V4, ttl: 17, tos: 0xb8, id: 0xabcd },
      tcp: { srcPort: 5, dstPort: 6 },
      payload,
    });
    expect(packet.length).to.equal(20 + 20 + 33);
    expect(hex(packet.subarray(0, 10))).to.equal('45b8' + '0049' + 'abcd' + '4000' + '11' + '06');
    expect(referenceSum(packet.subarray(0, 20))).to.equal(0xffff);
    expect(hex(packet.subarray(12, 20))).to.equal('c0000201c0000202');
    const tcp = packet.subarray(20);
    expect(
      referenceSum(tcp, referencePseudoSum(parseAddress(V4.src).bytes, parseAddress(V4.dst).bytes, tcp.length)),
    ).to.equal(0xffff);
    const defaults = encodePacket({ ip: V4, tcp: { srcPort: 5, dstPort: 6 } });
    expect(defaults[8]).to.equal(64);
    expect(defaults.subarray(34, 36)).to.deep.equal(Uint8Array.of(0xff, 0xff)); // window 65535
    const fragment = encodePacket({
      ip: { ...V4, dontFragment: false, moreFragments: true, fragmentOffset: 16 },
      tcp: { srcPort: 5, dstPort: 6 },
    });
    expect(hex(fragment.subarray(6, 8))).to.equal('2002');
  });

  it('IPv4 options are written and counted in the IHL', function () {
    const packet = encodePacket({ ip: { ...V4, options: Uint8Array.of(1, 1, 1) }, tcp: { srcPort: 5, dstPort: 6 } });
    expect(packet[0]).to.equal(0x46);
    expect(hex(packet.subarray(20, 24))).to.equal('01010100');
    expect(referenceSum(packet.subarray(0, 24))).to.equal(0xffff);
    expect(decodeIp(packet).checksumStatus).to.equal('good');
  });

  it('IPv6 header: traffic class, flow label, hop limit, payload length', function () {
    const packet = encodePacket({
      ip: { ...V6, hopLimit: 9, trafficClass: 0x2e, flowLabel: 0xfedcb },
      tcp: { srcPort: 5, dstPort: 6 },
      payload: new Uint8Array(3),
    });
    expect(hex(packet.subarray(0, 8))).to.equal('62efedcb' + '0017' + '06' + '09');
    const tcp = packet.subarray(40);
    expect(
      referenceSum(tcp, referencePseudoSum(parseAddress(V6.src).bytes, parseAddress(V6.dst).bytes, tcp.length)),
    ).to.equal(0xffff);
    // `ttl` serves as the hop limit when hopLimit is absent.
    expect(encodePacket({ ip: { ...V6, ttl: 3 }, tcp: { srcPort: 5, dstPort: 6 } })[7]).to.equal(3);
  });

  it("a bare segment's checksum covers the pseudo-header of the given addresses", function () {
    const segment = encodeTcp(
      { srcPort: 443, dstPort: 50000, seq: 9, ack: 10, flags: TcpFlags.ACK | TcpFlags.PSH },
      Uint8Array.of(1, 2, 3),
      V6,
    );
    const fresh = segment.slice();
    fresh[16] = 0;
    fresh[17] = 0;
    const expected = referenceChecksum(
      fresh,
      referencePseudoSum(parseAddress(V6.src).bytes, parseAddress(V6.dst).bytes, fresh.length),
    );
    expect((segment[16]! << 8) | segment[17]!).to.equal(expected);
  });

  it('results never overlap, across many packets and pool slabs', function () {
    const packets = Array.from({ length: 400 }, (_, i) =>
      encodePacket({
        ip: i % 2 ? V6 : V4,
        tcp: { srcPort: i, dstPort: 80, seq: i * 1000 },
        payload: new Uint8Array((i * 7) % 9000).fill(i & 0xff),
      }),
    );
    packets.forEach((p, i) => {
      const d = decodeIp(p);
      expect(d.tcp.srcPort).to.equal(i);
      expect(d.checksumStatus).to.equal('good');
      expect(d.payload.every((b) => b === (i & 0xff))).to.equal(true);
    });
    // Overwriting one result leaves its neighbours intact.
    packets[10]!.fill(0);
    expect(decodeIp(packets[11]!).tcp.srcPort).to.equal(11);
    expect(decodeIp(packets[9]!).tcp.srcPort).to.equal(9);
  });

  it('addresses given pre-parsed (ParsedAddress) give the same bytes as text; bad ones are refused', function () {
    const tcp = { srcPort: 1, dstPort: 2, seq: 7, options: { mss: 1460, timestamp: { value: 1, echo: 2 } } };
    const payload = Uint8Array.of(1, 2, 3);
    for (const ends of [V4, V6]) {
      const text = encodePacket({ ip: ends, tcp, payload });
      const parsed = encodePacket({ ip: { src: parseAddress(ends.src), dst: parseAddress(ends.dst) }, tcp, payload });
      expect(hex(parsed)).to.equal(hex(text));
      expect(hex(encodeTcp(tcp, payload, { src: parseAddress(ends.src), dst: ends.dst }))).to.equal(
        hex(encodeTcp(tcp, payload, ends)),
      );
    }
    const v4 = parseAddress(V4.src);
    expect(() => encodePacket({ ip: { src: { version: 4, bytes: new Uint8Array(16) }, dst: v4 }, tcp })).to.throw(
      TypeError,
      /ParsedAddress/,
    );
    expect(() => encodePacket({ ip: { src: { version: 5 as 4, bytes: v4.bytes }, dst: v4 }, tcp })).to.throw(
      TypeError,
      /ParsedAddress/,
    );
    expect(() => encodePacket({ ip: { src: null as never, dst: v4 }, tcp })).to.throw(TypeError);
    expect(() => encodePacket({ ip: { src: v4, dst: parseAddress(V6.dst) }, tcp })).to.throw(
      TypeError,
      /families differ: 192\.0\.2\.1 and 2001:db8::2/,
    );
  });

  it("text addresses: many distinct ones (past the parse cache's size) all encode right", function () {
    for (let i = 0; i < 3000; i++) {
      const src = `10.${(i >> 8) & 255}.${i & 255}.1`;
      const dst = `2001:db8::${(i + 1).toString(16)}`;
      const p4 = decodeIp(encodePacket({ ip: { src, dst: '192.0.2.9' }, tcp: { srcPort: i, dstPort: 2 } }));
      expect([p4.ip.src, p4.checksumStatus]).to.deep.equal([src, 'good']);
      if (i % 10 === 0) {
        const p6 = decodeIp(encodePacket({ ip: { src: '2001:db8::1', dst }, tcp: { srcPort: i, dstPort: 2 } }));
        expect([p6.ip.dst, p6.checksumStatus]).to.deep.equal([dst, 'good']);
      }
    }
  });

  it("a payload in the caller's input area encodes like a copy of it", function () {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);
    const area = inputArea(bytes.length);
    area.set(bytes);
    const tcp = { srcPort: 5, dstPort: 6, seq: 9 };
    expect(hex(encodePacket({ ip: V6, tcp, payload: area }))).to.equal(
      hex(encodePacket({ ip: V6, tcp, payload: bytes })),
    );
  });

  it('refuses what does not fit or does not make sense', function () {
    const tcp = { srcPort: 1, dstPort: 2 };
    expect(() =>
      encodePacket({ ip: V4, tcp: { ...tcp, options: { unknown: [{ kind: 99, data: new Uint8Array(39) }] } } }),
    ).to.throw(RangeError, /40 bytes/);
    expect(() =>
      encodePacket({
        ip: V4,
        tcp: {
          ...tcp,
          options: {
            mss: 1,
            timestamp: { value: 1, echo: 1 },
            windowScale: 1,
            sackPermitted: true,
            sack: [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
          },
        },
      }),
    ).to.throw(RangeError, /40 bytes/);
    expect(() => encodePacket({ ip: V4, tcp: { ...tcp, options: { kinds: [2] } } })).to.throw(RangeError, /kinds/);
    expect(() =>
      encodePacket({
        ip: V4,
        tcp: {
          ...tcp,
          options: {
            sack: [
              [1, 2],
              [1, 2],
              [1, 2],
              [1, 2],
              [1, 2],
            ],
          },
        },
      }),
    ).to.throw(RangeError);
    expect(() => encodePacket({ ip: V4, tcp, payload: new Uint8Array(65536) })).to.throw(RangeError, /65535/);
    expect(() => encodePacket({ ip: V4, tcp, payload: new Uint8Array(65516) })).to.throw(RangeError, /65535/);
    expect(encodePacket({ ip: V4, tcp, payload: new Uint8Array(65495) }).length).to.equal(65535);
    expect(() => encodePacket({ ip: { src: V4.src, dst: V6.dst }, tcp })).to.throw(TypeError, /families/);
    expect(() => encodePacket({ ip: { ...V6, options: Uint8Array.of(1) }, tcp })).to.throw(TypeError);
    expect(() => encodePacket({ ip: V4, tcp: { srcPort: 70000, dstPort: 1 } })).to.throw(RangeError, /srcPort/);
    expect(() => encodePacket({ ip: V4, tcp: { dstPort: 1 } as never })).to.throw(TypeError, /srcPort/);
    expect(() => encodePacket({ ip: { src: 'example.com', dst: V4.dst }, tcp })).to.throw(TypeError, /address/);
    expect(() =>
      encodePacket({ ip: V4, tcp: { ...tcp, options: { unknown: [{ kind: 1, data: new Uint8Array(0) }] } } }),
    ).to.throw(RangeError);
    expect(() => encodePacket({ ip: V4, tcp: { ...tcp, flags: 0x1000 } })).to.throw(RangeError);
  });

  describe('as tshark reads it', function () {
    let dir = '';
    before(function () {
      requireTshark(this);
      dir = mkdtempSync(join(tmpdir(), 'tcpwasm-encode-'));
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('agrees on every field and finds both checksums correct', function () {
      const packets = [
        encodePacket({
          ip: { ...V4, id: 1 },
          tcp: {
            srcPort: 40000,
            dstPort: 80,
            seq: 100,
            flags: TcpFlags.SYN,
            options: { mss: 1460, sackPermitted: true, timestamp: { value: 7, echo: 0 }, windowScale: 7 },
          },
        }),
        encodePacket({
          ip: V6,
          tcp: {
            srcPort: 80,
            dstPort: 40000,
            seq: 500,
            ack: 101,
            flags: TcpFlags.SYN | TcpFlags.ACK,
            options: { mss: 1440, windowScale: 9 },
          },
        }),
        encodePacket({
          ip: V4,
          tcp: {
            srcPort: 40000,
            dstPort: 80,
            seq: 101,
            ack: 501,
            flags: TcpFlags.ACK | TcpFlags.PSH,
            options: { timestamp: { value: 8, echo: 9 }, sack: [[1000, 2000]] },
          },
          payload: new Uint8Array(1001).fill(0x41),
        }),
        encodePacket({
          ip: V6,
          tcp: {
            srcPort: 1,
            dstPort: 2,
            flags: 0x1ff,
            urgentPointer: 3,
            options: { kinds: [1, 34, 0], unknown: [{ kind: 34, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }] },
          },
          payload: Uint8Array.of(9),
        }),
      ];
      const file = join(dir, 'encoded.pcap');
      writeFileSync(
        file,
        writePcap(
          packets.map((data) => ({ data })),
          { linkType: LinkType.RAW },
        ),
      );
      const result = spawnSync(
        'tshark',
        [
          '-r',
          file,
          '-n',
          '-o',
          'tcp.check_checksum:TRUE',
          '-o',
          'tcp.relative_sequence_numbers:FALSE',
          '-T',
          'fields',
          '-E',
          'separator=/t',
          '-E',
          'occurrence=a',
          '-E',
          'aggregator=,',
          '-e',
          'tcp.srcport',
          '-e',
          'tcp.dstport',
          '-e',
          'tcp.seq_raw',
          '-e',
          'tcp.ack_raw',
          '-e',
          'tcp.flags',
          '-e',
          'tcp.hdr_len',
          '-e',
          'tcp.len',
          '-e',
          'tcp.checksum.status',
          '-e',
          'tcp.option_kind',
          '-e',
          'tcp.options.mss_val',
          '-e',
          'tcp.options.wscale.shift',
          '-e',
          'tcp.options.sack_le',
          '-e',
          'tcp.options.timestamp.tsval',
          '-e',
          'tcp.urgent_pointer',
        ],
        { encoding: 'utf8' },
      );
      expect(result.status, result.stderr).to.equal(0);
      const rows = result.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(rows).to.have.length(4);
      expect(rows[0]).to.deep.equal([
        '40000',
        '80',
        '100',
        '0',
        '0x0002',
        '40',
        '0',
        '1',
        '2,4,8,1,3',
        '1460',
        '7',
        '',
        '7',
        '0',
      ]);
      expect(rows[1]!.slice(0, 11)).to.deep.equal([
        '80',
        '40000',
        '500',
        '101',
        '0x0012',
        '28',
        '0',
        '1',
        '2,1,3',
        '1440',
        '9',
      ]);
      expect(rows[2]!.slice(0, 9)).to.deep.equal([
        '40000',
        '80',
        '101',
        '501',
        '0x0018',
        '44',
        '1001',
        '1',
        '1,1,8,1,1,5',
      ]);
      expect(rows[2]![11]).to.equal('1000');
      expect(rows[3]!.slice(4, 9)).to.deep.equal(['0x01ff', '32', '1', '1', '1,34,0']);
      expect(rows[3]![13]).to.equal('3');
      // tshark leaves ip.checksum.status empty unless IP checksum checking is on; verify it too.
      const ip = spawnSync(
        'tshark',
        ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-Y', 'ip', '-T', 'fields', '-e', 'ip.checksum.status'],
        { encoding: 'utf8' },
      );
      expect(ip.stdout.trim().split('\n')).to.deep.equal(['1', '1']);
    });
  });
});
