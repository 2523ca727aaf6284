// RFC 1071 checksum: worked example, every length and alignment on both builds, partial sums,
// pseudo-headers and RFC 1624 incremental updates, against a plain reference implementation.

import { expect } from 'chai';
import {
  combineSums,
  internetChecksum,
  onesComplementSum,
  parseAddress,
  pseudoHeaderSum,
  updateChecksum,
} from '../../src/index.js';
import { loadCodecSync, type Codec } from '../../src/wire/module.js';
import { Random } from '../helpers/random.js';
import { referencePseudoSum, referenceSum } from '../helpers/reference.js';

const variants: Array<[string, Codec]> = [
  ['SIMD build', loadCodecSync('simd')],
  ['scalar build', loadCodecSync('scalar')],
];

describe('checksum', function () {
  it('builds report the path they use', function () {
    expect(variants[0]![1].exports.simdEnabled()).to.equal(1);
    expect(variants[1]![1].exports.simdEnabled()).to.equal(0);
  });

  it('RFC 1071 §3 worked example: sum ddf2, checksum 220d', function () {
    const bytes = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    expect(onesComplementSum(bytes)).to.equal(0xddf2);
    expect(internetChecksum(bytes)).to.equal(0x220d);
  });

  it('data carrying its own checksum sums to 0xffff and checks to 0', function () {
    const random = new Random(7);
    for (const length of [20, 21, 1500, 1501]) {
      const bytes = random.bytes(length);
      bytes[4] = 0;
      bytes[5] = 0;
      const c = internetChecksum(bytes);
      bytes[4] = c >> 8;
      bytes[5] = c & 0xff;
      expect(onesComplementSum(bytes)).to.equal(0xffff);
      expect(internetChecksum(bytes)).to.equal(0);
    }
  });

  it('all-zero and all-0xff inputs at lengths that cross every SIMD block edge', function () {
    for (const length of [0, 1, 15, 16, 63, 64, 65, 127, 128, 4095, 65536, 262144 + 3]) {
      expect(onesComplementSum(new Uint8Array(length)), `zeros ${length}`).to.equal(0);
      const ones = new Uint8Array(length).fill(0xff);
      expect(onesComplementSum(ones), `0xff x ${length}`).to.equal(referenceSum(ones));
    }
  });

  for (const [name, codec] of variants) {
    describe(name, function () {
      it('every length 0..4096 at every alignment 0..15 equals the reference', function () {
        const random = new Random(0x1071);
        const data = random.bytes(4096 + 16);
        const heap = codec.bytes();
        const base = codec.reserveInput(4096 + 64);
        const mismatches: string[] = [];
        for (let align = 0; align < 16; align++) {
          heap.set(data.subarray(0, 4096), base + align);
          const view = data.subarray(0, 4096);
          // Prefix sums of the reference let each length be checked without re-summing.
          for (let length = 0; length <= 4096; length++) {
            const got = codec.exports.onesSum(base + align, length, 0);
            const want = referenceSum(view.subarray(0, length));
            if (got !== want) mismatches.push(`align ${align} length ${length}: ${got} != ${want}`);
            if (mismatches.length > 5) break;
          }
        }
        expect(mismatches).to.deep.equal([]);
      });

      it('the scalar routine agrees with the default one on the same bytes', function () {
        const random = new Random(99);
        for (let i = 0; i < 2000; i++) {
          const length = random.below(9000);
          const at = random.below(16);
          const ptr = codec.copyIn(random.bytes(length), at);
          expect(codec.exports.onesSumScalar(ptr, length, 0)).to.equal(codec.exports.onesSum(ptr, length, 0));
        }
      });

      it('large buffers (past the 32-bit lane widening interval) equal the reference', function () {
        const random = new Random(5);
        for (const length of [262144, 262144 + 64, 1 << 20, (1 << 20) + 7]) {
          const bytes = random.bytes(length);
          const ptr = codec.copyIn(bytes);
          expect(codec.exports.onesSum(ptr, length, 0), `length ${length}`).to.equal(referenceSum(bytes));
        }
      });

      it('an initial value is folded in', function () {
        const random = new Random(11);
        for (let i = 0; i < 500; i++) {
          const bytes = random.bytes(random.below(200));
          const initial = random.u32();
          const ptr = codec.copyIn(bytes);
          expect(codec.exports.onesSum(ptr, bytes.length, initial)).to.equal(
            referenceSum(bytes, (initial & 0xffff) + (initial >>> 16)),
          );
        }
      });
    });
  }

  it('partial sums over any split combine to the whole, odd offsets included', function () {
    const random = new Random(1624);
    for (let i = 0; i < 2000; i++) {
      const bytes = random.bytes(1 + random.below(3000));
      const cut = random.below(bytes.length + 1);
      const a = onesComplementSum(bytes.subarray(0, cut));
      const b = onesComplementSum(bytes.subarray(cut));
      expect(combineSums(a, b, cut), `cut ${cut} of ${bytes.length}`).to.equal(referenceSum(bytes));
    }
  });

  it('three pieces (pseudo-header, header, payload) combine like one', function () {
    const random = new Random(3);
    const pseudo = random.bytes(12);
    const header = random.bytes(33);
    const payload = random.bytes(101);
    const whole = new Uint8Array([...pseudo, ...header, ...payload]);
    let sum = combineSums(onesComplementSum(pseudo), onesComplementSum(header), pseudo.length);
    sum = combineSums(sum, onesComplementSum(payload), pseudo.length + header.length);
    expect(sum).to.equal(referenceSum(whole));
  });

  it('pseudo-header sums match the byte layout of RFC 9293 §3.1 and RFC 8200 §8.1', function () {
    const random = new Random(17);
    for (let i = 0; i < 200; i++) {
      const v6 = i % 2 === 1;
      const src = random.bytes(v6 ? 16 : 4);
      const dst = random.bytes(v6 ? 16 : 4);
      const length = random.below(v6 ? 0x7fffffff : 0xffff);
      const text = (b: Uint8Array) =>
        v6
          ? Array.from({ length: 8 }, (_, k) => ((b[2 * k]! << 8) | b[2 * k + 1]!).toString(16)).join(':')
          : Array.from(b).join('.');
      expect(parseAddress(text(src)).bytes).to.deep.equal(src);
      expect(pseudoHeaderSum(text(src), text(dst), 6, length)).to.equal(referencePseudoSum(src, dst, length));
      const version = v6 ? 6 : 4;
      expect(pseudoHeaderSum({ version, bytes: src }, { version, bytes: dst }, 6, length)).to.equal(
        referencePseudoSum(src, dst, length),
      );
    }
  });

  it('RFC 1624 incremental update equals recomputing, for every changed word', function () {
    const random = new Random(1624);
    for (let i = 0; i < 3000; i++) {
      const bytes = random.bytes(2 * (3 + random.below(40)));
      // Word 0 is the checksum field; word 1 stays non-zero, as the protocol number keeps real
      // TCP data from ever being all zero (the one case where eqn. 3 yields 0x0000, not 0xffff).
      bytes[0] = 0;
      bytes[1] = 0;
      bytes[2] = 0;
      bytes[3] = 6;
      const before = internetChecksum(bytes);
      const at = 2 * (2 + random.below(bytes.length / 2 - 2));
      const oldWord = (bytes[at]! << 8) | bytes[at + 1]!;
      const newWord = i % 10 === 0 ? 0 : i % 10 === 1 ? 0xffff : random.below(0x10000);
      bytes[at] = newWord >> 8;
      bytes[at + 1] = newWord & 0xff;
      const updated = updateChecksum(before, oldWord, newWord);
      expect(updated, `iteration ${i}`).to.equal(internetChecksum(bytes));
      bytes[0] = updated >> 8;
      bytes[1] = updated & 0xff;
      expect(onesComplementSum(bytes), `iteration ${i}`).to.equal(0xffff);
    }
  });

  it('rejects arguments that are not what they claim', function () {
    expect(() => internetChecksum([1, 2] as unknown as Uint8Array)).to.throw(TypeError);
    expect(() => onesComplementSum(new Uint8Array(2), -1)).to.throw(RangeError);
    expect(() => updateChecksum(0x10000, 0, 0)).to.throw(RangeError);
    expect(() => pseudoHeaderSum('192.0.2.1', '2001:db8::1', 6, 20)).to.throw(TypeError);
    expect(() =>
      pseudoHeaderSum({ version: 4, bytes: new Uint8Array(4) }, { version: 6, bytes: new Uint8Array(16) }, 6, 20),
    ).to.throw(TypeError, 'address families differ: 0.0.0.0 and ::');
    expect(() => pseudoHeaderSum({ version: 6, bytes: new Uint8Array(4) }, '::1', 6, 20)).to.throw(TypeError);
    expect(() => pseudoHeaderSum('192.0.2.256', '192.0.2.1', 6, 20)).to.throw(TypeError);
  });
});
