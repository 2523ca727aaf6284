// ByteBuffer (follow's output staging): appends across growth keep every byte in order, zeros
// are zeros even in reused-looking (unzeroed) memory, and clear() starts afresh.

import { expect } from 'chai';
import { ByteBuffer } from '../../src/cli/byte-buffer.js';
import { Random } from '../helpers/random.js';

describe('ByteBuffer', () => {
  it('keeps seeded appends of mixed sizes and zero runs in order across several growths', () => {
    const random = new Random(15);
    const buffer = new ByteBuffer();
    const expected: number[] = [];
    while (expected.length < 600_000) {
      if (random.chance(0.2)) {
        const n = random.below(5000);
        buffer.appendZeros(n);
        for (let i = 0; i < n; i++) expected.push(0);
      } else {
        const bytes = random.bytes(1 + random.below(9000)).map((b) => b | 1);
        buffer.append(bytes);
        expected.push(...bytes);
      }
    }
    expect(buffer.length).to.equal(expected.length);
    expect(Buffer.from(buffer.view()).equals(Buffer.from(expected))).to.equal(true);
  });

  it('starts empty after clear(), and a view taken before clear() keeps its bytes', () => {
    const buffer = new ByteBuffer();
    buffer.append(new Uint8Array([1, 2, 3]));
    const before = buffer.view();
    buffer.clear();
    expect(buffer.length).to.equal(0);
    expect(buffer.view().length).to.equal(0);
    buffer.append(new Uint8Array([9]));
    expect([...before]).to.deep.equal([1, 2, 3]);
    expect([...buffer.view()]).to.deep.equal([9]);
  });
});
