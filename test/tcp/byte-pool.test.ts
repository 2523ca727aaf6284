// The byte pool behind the send/receive rings: recycling, size matching and the total bound.

import { expect } from 'chai';
import {
  BYTE_POOL_LIMIT,
  acquireBytes,
  allocateCopy,
  pooledBytes,
  releaseBytes,
  trimBytePool,
} from '../../src/tcp/byte-pool.js';
import { SEGMENT_HEADROOM } from '../../src/wire/segment.js';

describe('byte pool', function () {
  it('hands back a released array of the same size', function () {
    const a = acquireBytes(12345);
    expect(a.length).to.equal(12345);
    const before = pooledBytes();
    releaseBytes(a);
    expect(pooledBytes()).to.equal(before + 12345);
    expect(acquireBytes(12345)).to.equal(a);
    expect(pooledBytes()).to.equal(before);
  });

  it('does not hand out an array of another size', function () {
    const a = acquireBytes(777);
    releaseBytes(a);
    const b = acquireBytes(778);
    expect(b).to.not.equal(a);
    expect(b.length).to.equal(778);
    expect(acquireBytes(777)).to.equal(a);
  });

  it('refuses views into a larger buffer', function () {
    const big = new Uint8Array(1000);
    const before = pooledBytes();
    releaseBytes(big.subarray(10, 20));
    releaseBytes(big.subarray(0, 500));
    expect(pooledBytes()).to.equal(before);
  });

  it('never holds more than its limit', function () {
    const size = 4 * 1024 * 1024;
    // Earlier tests in the same process may have filled the pool with arrays of other sizes.
    trimBytePool();
    expect(pooledBytes()).to.equal(0);
    const arrays: Uint8Array[] = [];
    for (let i = 0; i < BYTE_POOL_LIMIT / size + 4; i++) arrays.push(new Uint8Array(size));
    for (const a of arrays) releaseBytes(a);
    const full = pooledBytes();
    expect(full).to.be.at.most(BYTE_POOL_LIMIT);
    expect(full).to.be.greaterThan(BYTE_POOL_LIMIT - size);
    // Drain what this test parked so later tests start from a small pool; each one recycled.
    const taken = new Set<Uint8Array>();
    for (let i = 0; i < arrays.length; i++) taken.add(acquireBytes(size));
    const recycled = arrays.filter((a) => taken.has(a)).length;
    expect(full - pooledBytes()).to.equal(recycled * size);
    expect(recycled).to.be.greaterThan(0);
  });

  it('parks as much as the rings hold in use when that is above its floor (many busy flows)', function () {
    trimBytePool();
    const size = 1024 * 1024;
    const count = Math.ceil((BYTE_POOL_LIMIT * 2.5) / size);
    const held = Array.from({ length: count }, () => acquireBytes(size));
    // Half the rings empty while the other half still hold theirs: all of the first half is
    // parked for the next acquires, beyond the 32 MiB floor (seen failing with the fixed bound).
    const half = count >> 1;
    for (let i = 0; i < half; i++) releaseBytes(held[i]!);
    expect(pooledBytes()).to.equal(half * size);
    expect(pooledBytes()).to.be.greaterThan(BYTE_POOL_LIMIT);
    const again = new Set(Array.from({ length: half }, () => acquireBytes(size)));
    expect(held.slice(0, half).every((a) => again.has(a))).to.equal(true);
    expect(pooledBytes()).to.equal(0);
    // Everything released: what is parked is bounded by what was in use, not by what was released.
    for (const a of [...again, ...held.slice(half)]) releaseBytes(a);
    expect(pooledBytes()).to.be.lessThan(count * size);
    trimBytePool();
  });

  it('allocateCopy hands out disjoint arrays of the requested size, across slab boundaries', function () {
    const arrays: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const a = allocateCopy(1 + ((i * 977) % 1500));
      a.fill(i & 0xff);
      arrays.push(a);
    }
    arrays.forEach((a, i) => {
      expect(a.length).to.equal(1 + ((i * 977) % 1500));
      expect(
        a.every((v) => v === (i & 0xff)),
        `array ${i} overwritten`,
      ).to.equal(true);
    });
    const big = allocateCopy(100000);
    // Too big for a slab: a buffer of its own, with the headroom in front all the same.
    expect([big.length, big.byteOffset, big.buffer.byteLength]).to.deep.equal([
      100000,
      SEGMENT_HEADROOM,
      100000 + SEGMENT_HEADROOM,
    ]);
    expect(allocateCopy(0).length).to.equal(0);
  });

  it('every copy has SEGMENT_HEADROOM bytes before it that no other copy uses', function () {
    const arrays = Array.from({ length: 400 }, (_, i) => allocateCopy(i % 7 === 0 ? 5000 + i : 1 + ((i * 389) % 1500)));
    // Fill each copy's headroom and bytes; none may overwrite another's.
    arrays.forEach((a, i) => {
      expect(a.byteOffset, `copy ${i}`).to.be.at.least(SEGMENT_HEADROOM);
      new Uint8Array(a.buffer, a.byteOffset - SEGMENT_HEADROOM, SEGMENT_HEADROOM + a.length).fill(i & 0xff);
    });
    arrays.forEach((a, i) => {
      const span = new Uint8Array(a.buffer, a.byteOffset - SEGMENT_HEADROOM, SEGMENT_HEADROOM + a.length);
      expect(
        span.every((v) => v === (i & 0xff)),
        `copy ${i} or its headroom overwritten`,
      ).to.equal(true);
    });
  });
});
