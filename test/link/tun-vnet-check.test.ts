// The TUN read path's virtio_net_hdr check (native/tun.c check_vnet), run through the addon's
// checkVnet on packets built here: the kernel only ever sends well-formed headers, so this is
// where a hostile one is shown dropped. With receive offload a TCP checksum left partial
// (VIRTIO_NET_HDR_F_NEEDS_CSUM, the pseudo-header sum in the field) must come out complete, a
// GSO TCP super-packet must be taken with its segment count, and everything else must be -1:
// the read path drops it and counts it in counters.readDrops. Needs the native addon, not root.

import { expect } from 'chai';
import { encodePacket, type TcpHeaderInit } from '../../src/index.js';
import { tunAddon, type TunAddon } from '../../src/link/tun-addon.js';
import { referencePseudoSum } from '../helpers/reference.js';

const NEEDS_CSUM = 1;
const DATA_VALID = 2;
const GSO_NONE = 0;
const GSO_TCPV4 = 1;
const GSO_UDP = 3;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;
const GSO_ECN = 0x80;

interface VnetHeader {
  flags?: number;
  gsoType?: number;
  hdrLen?: number;
  gsoSize?: number;
  csumStart?: number;
  csumOffset?: number;
}

/** struct virtio_net_hdr as a TUN fd carries it (native byte order: little-endian here). */
function vnetHeader(h: VnetHeader): Uint8Array {
  const bytes = new Uint8Array(10);
  const v = new DataView(bytes.buffer);
  v.setUint8(0, h.flags ?? 0);
  v.setUint8(1, h.gsoType ?? GSO_NONE);
  v.setUint16(2, h.hdrLen ?? 0, true);
  v.setUint16(4, h.gsoSize ?? 0, true);
  v.setUint16(6, h.csumStart ?? 0, true);
  v.setUint16(8, h.csumOffset ?? 0, true);
  return bytes;
}

const TCP: TcpHeaderInit = {
  srcPort: 40000,
  dstPort: 5001,
  seq: 0x01020304,
  ack: 0xa0b0c0d0,
  flags: 0x10,
  window: 501,
  options: { timestamp: { value: 1000, echo: 2000 } },
};

/** A seeded payload (an odd length: the checksum's padded last byte is exercised). */
function payload(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function packet(version: 4 | 6, length: number, seed = 1): Uint8Array {
  const ip =
    version === 4 ? { src: '198.51.100.1', dst: '198.51.100.2', id: 7 } : { src: '2001:db8::1', dst: '2001:db8::2' };
  return encodePacket({ ip, tcp: TCP, payload: payload(length, seed) });
}

/**
 * The packet as the kernel hands it over with CHECKSUM_PARTIAL: the TCP checksum field holds
 * the pseudo-header sum, folded and not complemented (as tcp_v4_send_check leaves it).
 */
function partial(complete: Uint8Array): { bytes: Uint8Array; ipLength: number } {
  const bytes = complete.slice();
  const v4 = bytes[0]! >> 4 === 4;
  const ipLength = v4 ? (bytes[0]! & 0x0f) * 4 : 40;
  const src = v4 ? bytes.subarray(12, 16) : bytes.subarray(8, 24);
  const dst = v4 ? bytes.subarray(16, 20) : bytes.subarray(24, 40);
  const seed = referencePseudoSum(src, dst, bytes.length - ipLength);
  bytes[ipLength + 16] = seed >> 8;
  bytes[ipLength + 17] = seed & 0xff;
  return { bytes, ipLength };
}

describe('TUN read path: the virtio_net_hdr check (checkVnet)', () => {
  let addon: TunAddon;
  before(function () {
    try {
      addon = tunAddon();
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      console.log(`      (skipped: ${(error as Error).message})`);
      this.skip();
    }
    if (addon.checkVnet === undefined) throw new Error('the addon has no checkVnet: rebuild it (npm run build)');
  });
  const check = (h: VnetHeader, p: Uint8Array, receiveOffload = true) =>
    addon.checkVnet!(vnetHeader(h), p, receiveOffload);

  it('a plain packet (no flags, or DATA_VALID) passes unchanged, with or without receive offload', () => {
    for (const receiveOffload of [false, true]) {
      for (const flags of [0, DATA_VALID]) {
        const p = packet(4, 101);
        const before = p.slice();
        expect(check({ flags }, p, receiveOffload)).to.equal(0);
        expect(p).to.deep.equal(before);
      }
    }
  });

  for (const version of [4, 6] as const) {
    it(`IPv${version}: NEEDS_CSUM gets the TCP checksum completed, byte for byte what the encoder writes`, () => {
      for (const length of [0, 1, 2, 3, 1447, 1448, 30001]) {
        const complete = packet(version, length, length + 3);
        const { bytes, ipLength } = partial(complete);
        expect(bytes).to.not.deep.equal(complete);
        expect(check({ flags: NEEDS_CSUM, csumStart: ipLength, csumOffset: 16 }, bytes)).to.equal(0);
        expect(bytes).to.deep.equal(complete);
      }
    });

    it(`IPv${version}: a GSO TCP super-packet is taken whole, its checksum completed, with its segment count`, () => {
      const type = version === 4 ? GSO_TCPV4 : GSO_TCPV6;
      for (const [length, gsoSize, segments] of [
        [64_000, 1448, 45],
        [1448 * 10, 1448, 10],
        [1448 * 10 + 1, 1448, 11],
        [5000, 1, 5000],
      ] as const) {
        const complete = packet(version, length, 9);
        const { bytes, ipLength } = partial(complete);
        const header = {
          flags: NEEDS_CSUM,
          gsoType: type,
          gsoSize,
          csumStart: ipLength,
          csumOffset: 16,
          hdrLen: ipLength + 32,
        };
        expect(check(header, bytes)).to.equal(segments);
        expect(bytes).to.deep.equal(complete);
        // CWR on a super-packet (TUN_F_TSO_ECN is enabled): taken the same way.
        const again = partial(complete).bytes;
        expect(check({ ...header, gsoType: type | GSO_ECN }, again)).to.equal(segments);
      }
    });
  }

  describe('dropped (-1): what a read must never hand on as a verified packet', () => {
    const p4 = () => partial(packet(4, 3000));
    const p6 = () => partial(packet(6, 3000));
    const gso4 = { flags: NEEDS_CSUM, gsoType: GSO_TCPV4, gsoSize: 1448, csumStart: 20, csumOffset: 16 };
    const cases: [string, () => { bytes: Uint8Array }, VnetHeader, boolean?][] = [
      ['without receive offload: a partial checksum', p4, { flags: NEEDS_CSUM, csumStart: 20, csumOffset: 16 }, false],
      ['without receive offload: a GSO super-packet', p4, gso4, false],
      ['csum_start past the end of the packet', p4, { flags: NEEDS_CSUM, csumStart: 60_000, csumOffset: 16 }],
      ['csum_start + csum_offset past the end', p4, { flags: NEEDS_CSUM, csumStart: 20, csumOffset: 3100 }],
      ['csum_start inside the IP header', p4, { flags: NEEDS_CSUM, csumStart: 2, csumOffset: 0 }],
      ['gso_size 0', p4, { ...gso4, gsoSize: 0 }],
      ['a GSO type not enabled: UDP (UFO)', p4, { ...gso4, gsoType: GSO_UDP }],
      ['a GSO type not enabled: UDP_L4 (USO)', p4, { ...gso4, gsoType: GSO_UDP_L4 }],
      ['an unknown GSO type', p4, { ...gso4, gsoType: 0x42 }],
      ['GSO without NEEDS_CSUM', p4, { ...gso4, flags: 0 }],
      ['GSO TCPV4 on an IPv6 packet', p6, { ...gso4, csumStart: 40 }],
      ['GSO TCPV6 on an IPv4 packet', p4, { ...gso4, gsoType: GSO_TCPV6 }],
      ['GSO whose csum_offset is not the TCP checksum', p4, { ...gso4, csumOffset: 6 }],
      ['GSO whose csum_start is not the TCP header', p4, { ...gso4, csumStart: 24 }],
    ];
    for (const [what, make, header, receiveOffload] of cases) {
      it(what, () => {
        const { bytes } = make();
        const before = bytes.slice();
        expect(check(header, bytes, receiveOffload ?? true)).to.equal(-1);
        // Nothing was written into a packet that is dropped before its checksum is completed.
        if (header.csumStart !== 20 && header.csumStart !== 40) expect(bytes).to.deep.equal(before);
      });
    }

    it('a GSO packet too short for its TCP header, or not TCP', () => {
      const { bytes } = p4();
      expect(check(gso4, bytes.subarray(0, 30))).to.equal(-1);
      const udp = bytes.slice();
      udp[9] = 17;
      expect(check(gso4, udp)).to.equal(-1);
    });
  });

  it('checks its arguments', () => {
    expect(() => addon.checkVnet!(new Uint8Array(9), new Uint8Array(40), true)).to.throw(TypeError, /checkVnet/);
    expect(() => addon.checkVnet!(vnetHeader({}), [] as unknown as Uint8Array, true)).to.throw(TypeError, /checkVnet/);
  });
});
