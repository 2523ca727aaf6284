// formatIpv4 / formatIpv6 against RFC 5952's rules, written out independently here, and the
// round trip with parseAddress.

import { expect } from 'chai';
import { formatIpv4, formatIpv6, parseAddress } from '../../src/index.js';
import { Random } from '../helpers/random.js';

/** RFC 5952 §4 step by step, with arrays and no shortcuts: the reference to compare with. */
function rfc5952(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}

describe('address formatting', function () {
  it('RFC 5952 examples', function () {
    const cases: Array<[string, string]> = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of equal runs
      ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // one zero group stays
      ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
      ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
      ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
      ['2001:0db8:00a0:0b00:0000:0000:0000:00ff', '2001:db8:a0:b00::ff'],
      ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
      ['abcd:ef01:2345:6789:abcd:ef01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    ];
    for (const [full, expected] of cases) {
      const bytes = Uint8Array.from(
        full
          .replaceAll(':', '')
          .match(/../g)!
          .map((h) => parseInt(h, 16)),
      );
      expect(formatIpv6(bytes), full).to.equal(expected);
      expect(formatIpv6(Uint8Array.of(9, 9, ...bytes), 2), `${full} at offset 2`).to.equal(expected);
    }
  });

  it('200,000 random addresses (zero-heavy) match the reference and parse back to their bytes', function () {
    const random = new Random(0x5eed_add6);
    for (let n = 0; n < 200_000; n++) {
      const b = new Uint8Array(16);
      for (let i = 0; i < 16; i++) {
        const r = random.below(256);
        b[i] = r < 128 ? 0 : r < 150 ? 0xff : r;
      }
      const text = formatIpv6(b);
      if (text !== rfc5952(b)) expect(text, Array.from(b).join(',')).to.equal(rfc5952(b));
      const back = parseAddress(text).bytes;
      if (!back.every((v, i) => v === b[i])) expect(Array.from(back)).to.deep.equal(Array.from(b));
    }
  });

  it('formatIpv4 through its cache of recent addresses: right for 10,000 distinct ones, twice over', function () {
    const random = new Random(0x5eed_add4);
    const all = Array.from({ length: 10_000 }, () => random.bytes(4));
    for (let round = 0; round < 2; round++) {
      for (const b of all) expect(formatIpv4(b)).to.equal(`${b[0]}.${b[1]}.${b[2]}.${b[3]}`);
    }
  });

  it('formatIpv4: every byte value in every position', function () {
    for (let v = 0; v < 256; v++) {
      const b = Uint8Array.of(v, 255 - v, v >> 1, 7);
      expect(formatIpv4(b)).to.equal(`${v}.${255 - v}.${v >> 1}.7`);
      expect(Array.from(parseAddress(formatIpv4(b)).bytes)).to.deep.equal(Array.from(b));
    }
  });
});
