// ReceiveBuffer: in-order and out-of-order insertion, overlaps and duplicates, the window limit,
// SACK block order per RFC 2018, bounded memory and fragment count under adversarial input,
// lazy storage, and a seeded model check of reassembly against the original stream.

import { expect } from 'chai';
import { pooledBytes } from '../../src/tcp/byte-pool.js';
import { ReceiveBuffer } from '../../src/tcp/receive-buffer.js';
import { Random } from '../helpers/random.js';

function seq(start: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i) & 0xff;
  return out;
}

/** The bytes of a stream position range [from, from + n), as in seq(). */
function stream(from: number, n: number): number[] {
  return Array.from(seq(from, n));
}

describe('ReceiveBuffer', function () {
  it('rejects bad construction parameters', function () {
    expect(() => new ReceiveBuffer(0)).to.throw(RangeError);
    expect(() => new ReceiveBuffer(100, 0)).to.throw(RangeError);
  });

  describe('in order', function () {
    it('advances RCV.NXT by the data length and shrinks the window until read', function () {
      const b = new ReceiveBuffer(1000);
      expect([b.readable, b.window, b.hasOutOfOrder]).to.deep.equal([0, 1000, false]);
      expect(b.insert(0, seq(0, 300))).to.equal(300);
      expect(b.insert(0, seq(300, 200))).to.equal(200);
      expect([b.readable, b.window]).to.deep.equal([500, 500]);
      expect(Array.from(b.read(100)!)).to.deep.equal(stream(0, 100));
      expect([b.readable, b.window]).to.deep.equal([400, 600]);
      expect(Array.from(b.read()!)).to.deep.equal(stream(100, 400));
      expect(b.read()).to.equal(null);
      expect(b.window).to.equal(1000);
    });

    it('returns null for read(0) and copies what it returns', function () {
      const b = new ReceiveBuffer(100);
      const src = seq(0, 10);
      b.insert(0, src);
      src.fill(0xaa);
      expect(b.read(0)).to.equal(null);
      const got = b.read(4)!;
      b.insert(0, new Uint8Array(90).fill(0xbb));
      expect(Array.from(got)).to.deep.equal([0, 1, 2, 3]);
      expect(Array.from(b.read(6)!)).to.deep.equal(stream(4, 6));
    });

    it('a read that empties it hands over the storage: never written again, not pooled, uncharged', function () {
      const b = new ReceiveBuffer(100_000);
      const account = { used: 0, pressure: Infinity };
      b.chargeTo(account);
      b.insert(0, seq(0, 3000));
      expect(b.storageBytes).to.equal(4096);
      expect(account.used).to.equal(4096);
      const pooled = pooledBytes();
      const got = b.read()!;
      // The storage itself, not a copy: it left the ring without going back to the pool.
      expect([got.byteOffset, got.buffer.byteLength, got.length]).to.deep.equal([0, 4096, 3000]);
      expect([b.storageBytes, account.used, pooledBytes()]).to.deep.equal([0, 0, pooled]);
      b.insert(0, new Uint8Array(5000).fill(0xee));
      b.insert(7000, new Uint8Array(100).fill(0xdd));
      expect(b.read(1000)![0]).to.equal(0xee);
      expect(Array.from(got)).to.deep.equal(stream(0, 3000));
    });

    it('copies a read that fills less than half the storage, or leaves bytes behind', function () {
      const b = new ReceiveBuffer(100_000);
      b.insert(0, seq(0, 1000));
      const small = b.read()!;
      expect(small.buffer.byteLength).to.equal(1000);
      b.insert(0, seq(0, 3000));
      const part = b.read(2500)!;
      expect(part.buffer.byteLength).to.equal(2500);
      b.insert(0, seq(3000, 10));
      expect(Array.from(part)).to.deep.equal(stream(0, 2500));
      expect(Array.from(b.read()!)).to.deep.equal(stream(2500, 510));
    });

    it('ignores empty data', function () {
      const b = new ReceiveBuffer(100);
      expect(b.insert(0, new Uint8Array(0))).to.equal(0);
      expect(b.insert(5, new Uint8Array(0))).to.equal(0);
      expect([b.readable, b.hasOutOfOrder, b.storageBytes]).to.deep.equal([0, false, 0]);
    });
  });

  describe('window limit', function () {
    it('drops data that starts at or beyond the window', function () {
      const b = new ReceiveBuffer(100);
      expect(b.insert(100, seq(100, 10))).to.equal(0);
      expect(b.insert(150, seq(150, 10))).to.equal(0);
      expect([b.hasOutOfOrder, b.outOfOrderBytes]).to.deep.equal([false, 0]);
    });

    it('keeps only the part that fits in the window', function () {
      const b = new ReceiveBuffer(100);
      expect(b.insert(0, seq(0, 150))).to.equal(100);
      expect(b.window).to.equal(0);
      expect(b.insert(0, seq(100, 10))).to.equal(0);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 100));
    });

    it('measures the window from unread data, so unread bytes close it', function () {
      const b = new ReceiveBuffer(100);
      b.insert(0, seq(0, 60));
      expect(b.insert(30, seq(90, 20))).to.equal(0); // fits [30, 40) of the 40-byte window
      expect(b.outOfOrderBytes).to.equal(10);
      expect(b.insert(0, seq(60, 30))).to.equal(40);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 100));
    });

    it('clips bytes before RCV.NXT (negative offset)', function () {
      const b = new ReceiveBuffer(100);
      expect(b.insert(-5, seq(-5 & 0xff, 15))).to.equal(10);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 10));
      expect(b.insert(-20, seq(0, 20))).to.equal(0);
      expect(b.readable).to.equal(0);
    });
  });

  describe('out of order', function () {
    it('holds a later segment and releases it when the hole fills', function () {
      const b = new ReceiveBuffer(1000);
      expect(b.insert(100, seq(100, 50))).to.equal(0);
      expect([b.readable, b.hasOutOfOrder, b.outOfOrderBytes, b.outOfOrderFragments]).to.deep.equal([0, true, 50, 1]);
      expect(b.read()).to.equal(null);
      expect(b.insert(0, seq(0, 100))).to.equal(150);
      expect([b.readable, b.hasOutOfOrder, b.outOfOrderBytes]).to.deep.equal([150, false, 0]);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 150));
    });

    it('advances only to the next hole', function () {
      const b = new ReceiveBuffer(1000);
      b.insert(10, seq(10, 10));
      b.insert(30, seq(30, 10));
      expect(b.insert(0, seq(0, 10))).to.equal(20);
      expect(b.outOfOrderFragments).to.equal(1);
      // The held range was [30, 40) from the old RCV.NXT, now [10, 20) from the new one.
      expect(b.insert(0, seq(20, 10))).to.equal(20);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 40));
    });

    it('merges adjacent fragments into one range', function () {
      const b = new ReceiveBuffer(1000);
      b.insert(10, seq(10, 10));
      b.insert(20, seq(20, 10));
      b.insert(5, seq(5, 5));
      expect([b.outOfOrderFragments, b.outOfOrderBytes]).to.deep.equal([1, 25]);
      expect(b.sackBlocks(1000, 4)).to.deep.equal([1005, 1030]);
    });

    it('merges overlapping fragments and one spanning several ranges', function () {
      const b = new ReceiveBuffer(1000);
      b.insert(10, seq(10, 10));
      b.insert(40, seq(40, 10));
      b.insert(70, seq(70, 10));
      expect(b.outOfOrderFragments).to.equal(3);
      b.insert(15, seq(15, 30)); // overlaps [10,20) and [40,50)
      expect([b.outOfOrderFragments, b.outOfOrderBytes]).to.deep.equal([2, 50]);
      b.insert(5, seq(5, 100)); // covers everything held
      expect([b.outOfOrderFragments, b.outOfOrderBytes]).to.deep.equal([1, 100]);
      expect(b.insert(0, seq(0, 7))).to.equal(105);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 105));
    });

    it('counts duplicates once', function () {
      const b = new ReceiveBuffer(1000);
      b.insert(100, seq(100, 50));
      b.insert(100, seq(100, 50));
      b.insert(110, seq(110, 10));
      expect([b.outOfOrderFragments, b.outOfOrderBytes]).to.deep.equal([1, 50]);
      expect(b.insert(0, seq(0, 100))).to.equal(150);
      expect(b.insert(0, new Uint8Array(0))).to.equal(0);
    });

    it('an in-order segment overlapping held data advances past it', function () {
      const b = new ReceiveBuffer(1000);
      b.insert(50, seq(50, 50));
      expect(b.insert(0, seq(0, 70))).to.equal(100);
      expect(Array.from(b.read()!)).to.deep.equal(stream(0, 100));
    });
  });

  describe('SACK blocks', function () {
    it('are empty without out-of-order data or when max is 0', function () {
      const b = new ReceiveBuffer(1000);
      expect(b.sackBlocks(5, 4)).to.deep.equal([]);
      b.insert(10, seq(10, 10));
      expect(b.sackBlocks(5, 0)).to.deep.equal([]);
    });

    it('follow RFC 2018 §5 case 3 (2nd, 4th, 6th and 8th of eight 500-byte segments lost)', function () {
      // Segments start at 5000. The first arrives in order; then 3rd, 5th, 7th; then 4th; then 2nd.
      const b = new ReceiveBuffer(65535);
      let rcvNxt = 5000;
      const seg = (s: number) => b.insert(s - rcvNxt, seq(s, 500));
      rcvNxt += seg(5000);
      expect(rcvNxt).to.equal(5500);
      expect(seg(6000)).to.equal(0);
      expect(b.sackBlocks(rcvNxt, 4)).to.deep.equal([6000, 6500]);
      seg(7000);
      expect(b.sackBlocks(rcvNxt, 4)).to.deep.equal([7000, 7500, 6000, 6500]);
      seg(8000);
      expect(b.sackBlocks(rcvNxt, 4)).to.deep.equal([8000, 8500, 7000, 7500, 6000, 6500]);
      seg(6500); // the 4th segment: joins 6000-6500 and 7000-7500
      expect(b.sackBlocks(rcvNxt, 4)).to.deep.equal([6000, 7500, 8000, 8500]);
      rcvNxt += seg(5500); // the 2nd segment: ACK moves to 7500
      expect(rcvNxt).to.equal(7500);
      expect(b.sackBlocks(rcvNxt, 4)).to.deep.equal([8000, 8500]);
    });

    it('put the block holding the latest segment first, even a duplicate into an old block', function () {
      const b = new ReceiveBuffer(10000);
      b.insert(100, seq(0, 10)); // A
      b.insert(200, seq(0, 10)); // B
      b.insert(300, seq(0, 10)); // C
      expect(b.sackBlocks(0, 4)).to.deep.equal([300, 310, 200, 210, 100, 110]);
      b.insert(102, seq(0, 3)); // duplicate inside A
      expect(b.sackBlocks(0, 4)).to.deep.equal([100, 110, 300, 310, 200, 210]);
      expect(b.sackBlocks(0, 2)).to.deep.equal([100, 110, 300, 310]);
    });

    it('report absolute sequence numbers across the 2^32 wrap', function () {
      const b = new ReceiveBuffer(10000);
      const rcvNxt = 0xffffff00;
      b.insert(0x80, seq(0, 0x100)); // spans the wrap
      expect(b.sackBlocks(rcvNxt, 4)).to.deep.equal([0xffffff80, 0x80]);
    });
  });

  describe('bounded memory', function () {
    it('caps the number of held fragments and counts the drops', function () {
      const b = new ReceiveBuffer(64 * 1024, 8);
      for (let i = 0; i < 20; i++) b.insert(10 + i * 2, seq(0, 1)); // disjoint 1-byte fragments
      expect(b.outOfOrderFragments).to.equal(8);
      expect(b.fragmentsDropped).to.equal(12);
      // Data that extends or overlaps a held range is still taken at the cap.
      b.insert(11, seq(0, 1));
      expect([b.outOfOrderFragments, b.fragmentsDropped]).to.deep.equal([7, 12]);
      b.insert(9, seq(0, 2)); // held: [9, 13) and six 1-byte ranges from 14 on
      expect(b.outOfOrderBytes).to.equal(10);
      // In-order data is never refused.
      expect(b.insert(0, seq(0, 9))).to.equal(13);
    });

    it('holds no more than capacity bytes of storage under adversarial tiny fragments', function () {
      const capacity = 256 * 1024;
      const b = new ReceiveBuffer(capacity);
      const rnd = new Random(7);
      for (let i = 0; i < 20000; i++) b.insert(1 + rnd.below(capacity * 2), seq(0, 1 + rnd.below(3)));
      expect(b.outOfOrderFragments).to.be.at.most(64);
      expect(b.fragmentsDropped).to.be.greaterThan(0);
      expect(b.storageBytes).to.be.at.most(capacity);
      expect(b.outOfOrderBytes).to.be.at.most(capacity);
      expect(b.readable).to.equal(0);
    });

    it('allocates storage lazily and releases it once everything is read', function () {
      const b = new ReceiveBuffer(256 * 1024);
      expect(b.storageBytes).to.equal(0);
      b.insert(0, seq(0, 1000));
      expect(b.storageBytes).to.equal(4096);
      b.insert(2000, seq(0, 10));
      b.read();
      expect(b.storageBytes).to.be.greaterThan(0); // out-of-order data still held
      b.insert(0, seq(0, 2000)); // fills the hole up to the held [2000, 2010)
      expect(b.readable).to.equal(2010);
      b.read(2009);
      expect(b.storageBytes).to.be.greaterThan(0);
      b.read(1);
      expect(b.storageBytes).to.equal(0);
    });

    it('refills at the size the last fill needed, not from 4 KiB again, and shrinks after a small fill', function () {
      const b = new ReceiveBuffer(256 * 1024);
      let next = 0;
      const fill = (bytes: number) => {
        for (let done = 0; done < bytes; done += 1000) {
          const n = Math.min(1000, bytes - done);
          expect(b.insert(0, seq(next, n))).to.equal(n);
          next += n;
        }
      };
      fill(100_000); // grows 4 KiB -> 128 KiB, one doubling at a time
      expect(b.storageBytes).to.equal(128 * 1024);
      let at = 0;
      const readAll = () => {
        const out = b.read()!;
        expect(
          out.every((v, i) => v === ((at + i) & 0xff)),
          'bytes read back in order',
        ).to.equal(true);
        at += out.length;
      };
      readAll();
      expect(b.storageBytes).to.equal(0);
      b.insert(0, seq(next, 10));
      next += 10;
      expect(b.storageBytes).to.equal(128 * 1024); // a busy ring starts where it left off
      fill(90);
      readAll();
      b.insert(0, seq(next, 10));
      next += 10;
      expect(b.storageBytes).to.equal(4096); // that fill needed 100 bytes: back to the minimum
      readAll();
      expect(at).to.equal(next);
    });
  });

  it('reassembles a seeded stream of reordered, duplicated, overlapping segments exactly', function () {
    for (const [capacity, seed] of [
      [4096, 1],
      [10000, 2],
      [65536, 3],
      [300, 4],
    ] as const) {
      const rnd = new Random(seed);
      const total = 200000;
      const source = new Random(seed + 100).bytes(total);
      const b = new ReceiveBuffer(capacity);
      const received: Uint8Array[] = [];
      let rcvNxt = 0; // stream offset of RCV.NXT
      let readTotal = 0;
      const have = new Uint8Array(capacity); // model: which window positions beyond RCV.NXT are held
      while (readTotal < total) {
        // A segment starting somewhere near RCV.NXT (some before it, some past the window).
        const start = Math.max(0, rcvNxt + rnd.below(capacity + 200) - 100);
        const len = Math.min(1 + rnd.below(600), total - start);
        if (len > 0) {
          const window = capacity - b.readable;
          // Model of the expected advance.
          const lo = Math.max(start, rcvNxt) - rcvNxt;
          const hi = Math.min(start + len - rcvNxt, window);
          for (let i = lo; i < hi; i++) have[i] = 1;
          let expected = 0;
          while (expected < window && have[expected] === 1) expected++;
          const fragmentsBefore = b.fragmentsDropped;
          const adv = b.insert(start - rcvNxt, source.subarray(start, start + len));
          if (b.fragmentsDropped !== fragmentsBefore) {
            for (let i = lo; i < hi; i++) have[i] = 0; // refused; (it was disjoint, so nothing else lost)
            expected = 0;
            while (expected < window && have[expected] === 1) expected++;
          }
          expect(adv).to.equal(expected);
          have.copyWithin(0, adv);
          have.fill(0, capacity - adv);
          rcvNxt += adv;
        }
        if (rnd.below(3) === 0) {
          const chunk = b.read(1 + rnd.below(capacity));
          if (chunk !== null) {
            received.push(chunk);
            readTotal += chunk.length; // `have` is relative to RCV.NXT: reads do not move it
          }
        }
        expect(b.storageBytes).to.be.at.most(capacity);
      }
      const all = Buffer.concat(received);
      expect(all.length).to.equal(total);
      expect(Buffer.compare(all, Buffer.from(source))).to.equal(0);
      expect(b.storageBytes).to.equal(0);
    }
  });
});
