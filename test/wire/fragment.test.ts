// wire/fragment.ts and wire/ip.ts: the IP fragment bytes the stack's reassembly and source
// fragmentation use. Splitting then joining gives the datagram back byte for byte, and every
// fragment reads as what was written into it.

import { expect } from 'chai';
import { decodeBatch, FragmentBit } from '../../src/wire/batch.js';
import { internetChecksum } from '../../src/wire/checksum.js';
import { LinkType } from '../../src/wire/constants.js';
import { fragmentPacket, joinFragments, readFragment, type FragmentInfo } from '../../src/wire/fragment.js';
import { buildEchoPacket, ICMP_ECHO_REQUEST, ICMPV6_ECHO_REQUEST } from '../../src/wire/icmp.js';
import { parseAddress } from '../../src/base/address.js';
import { upperLayer } from '../../src/wire/ip.js';

const bytes = (a: string) => parseAddress(a).bytes;
const data = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);
const ID = new Uint8Array([0xa1, 0xb2, 0xc3, 0xd4]);

for (const version of [4, 6] as const) {
  describe(`wire/fragment: IPv${version}`, () => {
    const whole =
      version === 4
        ? buildEchoPacket(4, bytes('198.51.100.1'), bytes('198.51.100.2'), {
            type: ICMP_ECHO_REQUEST,
            identifier: 1,
            sequence: 2,
            data: data(3000),
          })
        : buildEchoPacket(6, bytes('2001:db8::1'), bytes('2001:db8::2'), {
            type: ICMPV6_ECHO_REQUEST,
            identifier: 1,
            sequence: 2,
            data: data(3000),
          });

    it('splits a datagram into fragments that read back as written and join into the datagram again', () => {
      const fragments = fragmentPacket(whole, 1280, ID)!;
      expect(fragments.length).to.equal(3);
      const infos = fragments.map((f) => readFragment(f) as FragmentInfo);
      for (const [k, f] of fragments.entries()) {
        const info = infos[k]!;
        expect(f.length).to.be.at.most(1280);
        expect(info.version).to.equal(version);
        expect(info.more).to.equal(k < fragments.length - 1);
        expect(info.offset % 8).to.equal(0);
        expect(info.id).to.equal(version === 4 ? 0xa1b2 : 0xa1b2c3d4);
        expect(info.protocol).to.equal(version === 4 ? 1 : 58);
        if (version === 4) expect(internetChecksum(f.subarray(0, 20))).to.equal(0);
        // The decoder's columns agree on which fragment this is.
        const bits = decodeBatch([f], LinkType.RAW).fragment[0]!;
        expect(bits).to.equal(
          FragmentBit.FRAGMENT | (info.more ? FragmentBit.MORE : 0) | (info.offset ? FragmentBit.LATER : 0),
        );
      }
      const first = infos[0]!;
      const parts = fragments.map((f, k) => f.subarray(infos[k]!.dataStart, infos[k]!.dataEnd));
      const total = parts.reduce((n, p) => n + p.length, 0);
      const joined = joinFragments(
        fragments[0]!.subarray(0, first.headerLength),
        first.nextHeaderAt,
        first.protocol,
        parts,
        total,
      );
      if (version === 4) {
        // Only the Identification (the fragments') and so the header checksum differ.
        expect([joined[4], joined[5]]).to.deep.equal([0xa1, 0xb2]);
        expect(internetChecksum(joined.subarray(0, 20))).to.equal(0);
        const expected = whole.slice();
        expected.set(joined.subarray(4, 6), 4);
        expected.set(joined.subarray(10, 12), 10);
        expect(Buffer.from(joined).equals(Buffer.from(expected))).to.equal(true);
      } else {
        expect(Buffer.from(joined).equals(Buffer.from(whole))).to.equal(true);
      }
      expect(readFragment(joined)).to.equal('none');
      expect(upperLayer(joined)).to.include({
        version,
        protocol: version === 4 ? 1 : 58,
        length: whole.length - (version === 4 ? 20 : 40),
      });
    });

    it('refuses an MTU too small for 8 bytes of data, and an IPv4 datagram with DF', () => {
      expect(fragmentPacket(whole, version === 4 ? 27 : 55, ID)).to.equal(null);
      if (version === 4) {
        const df = whole.slice();
        df[6] = 0x40;
        expect(fragmentPacket(df, 1280, ID)).to.equal(null);
      }
    });
  });
}
