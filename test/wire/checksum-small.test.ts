// Short inputs are summed in JavaScript (src/wire/checksum-small.ts) instead of being copied into
// WASM memory: the public API must give exactly what the WASM routine gives, at every length on
// both sides of the crossover, every alignment, and with initial values that exercise each fold.

import { expect } from 'chai';
import { internetChecksum, onesComplementSum } from '../../src/index.js';
import { SMALL_SUM_BYTES } from '../../src/wire/checksum-small.js';
import { codec } from '../../src/wire/module.js';
import { Random } from '../helpers/random.js';
import { referenceSum } from '../helpers/reference.js';

describe('checksum of short inputs (JS path)', function () {
  const edges = [0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0xfffeffff, 0xffff0000, 0xffffffff];

  /** The WASM routine's answer for the same bytes, copied into WASM memory. */
  function wasmSum(bytes: Uint8Array, initial: number): number {
    const c = codec();
    return c.exports.onesSum(c.copyIn(bytes), bytes.length, initial);
  }

  it('every length up to past the crossover, every alignment 0..7, edge initial values', function () {
    const random = new Random(0x5e11);
    const data = random.bytes(SMALL_SUM_BYTES + 32 + 8);
    const mismatches: string[] = [];
    for (let align = 0; align < 8; align++) {
      for (let length = 0; length <= SMALL_SUM_BYTES + 32; length++) {
        const view = data.subarray(align, align + length);
        for (const initial of [...edges, random.u32()]) {
          const want = wasmSum(view, initial);
          const sum = onesComplementSum(view, initial);
          const check = internetChecksum(view, initial);
          if (sum !== want || check !== (~want & 0xffff)) {
            mismatches.push(`align ${align} length ${length} initial ${initial}: ${sum}/${check}, want ${want}`);
          }
        }
        if (mismatches.length > 5) break;
      }
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('all-zero, all-0xff and self-checksummed short inputs give the RFC 1071 edge values', function () {
    for (let length = 0; length < SMALL_SUM_BYTES; length++) {
      expect(onesComplementSum(new Uint8Array(length)), `zeros ${length}`).to.equal(0);
      const ones = new Uint8Array(length).fill(0xff);
      expect(onesComplementSum(ones), `0xff x ${length}`).to.equal(referenceSum(ones));
      if (length >= 2 && length % 2 === 0) {
        // A checksum field written into the data makes the whole sum 0xffff and the check 0.
        const bytes = new Random(length).bytes(length);
        bytes[0] = 0;
        bytes[1] = 0;
        const c = internetChecksum(bytes);
        bytes[0] = c >>> 8;
        bytes[1] = c & 0xff;
        expect(internetChecksum(bytes), `self-check ${length}`).to.equal(0);
      }
    }
  });
});
