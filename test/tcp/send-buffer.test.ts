// SendBuffer: capacity limits, clamped peeks, ring wrap-around, lazy growth and release of
// storage, and a seeded model check against a plain array of bytes.

import { expect } from 'chai';
import { SendBuffer } from '../../src/tcp/send-buffer.js';
import { Random } from '../helpers/random.js';

function seq(start: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i) & 0xff;
  return out;
}

describe('SendBuffer', function () {
  it('rejects a capacity that is not a positive integer', function () {
    expect(() => new SendBuffer(0)).to.throw(RangeError);
    expect(() => new SendBuffer(-1)).to.throw(RangeError);
    expect(() => new SendBuffer(1.5)).to.throw(RangeError);
  });

  it('starts empty with no storage allocated', function () {
    const b = new SendBuffer(256 * 1024);
    expect([b.capacity, b.length, b.free, b.storageBytes]).to.deep.equal([262144, 0, 262144, 0]);
  });

  it('accepts at most its free space and reports how much it took', function () {
    const b = new SendBuffer(10);
    expect(b.write(seq(0, 6))).to.equal(6);
    expect(b.write(seq(6, 6))).to.equal(4);
    expect([b.length, b.free]).to.deep.equal([10, 0]);
    expect(b.write(seq(0, 1))).to.equal(0);
    expect(Array.from(b.peek(0, 10))).to.deep.equal(Array.from(seq(0, 10)));
  });

  it('accepts an empty write without allocating', function () {
    const b = new SendBuffer(100);
    expect(b.write(new Uint8Array(0))).to.equal(0);
    expect(b.storageBytes).to.equal(0);
  });

  it('copies written data (later changes to the source do not leak in)', function () {
    const b = new SendBuffer(100);
    const src = seq(1, 8);
    b.write(src);
    src.fill(0);
    expect(Array.from(b.peek(0, 8))).to.deep.equal(Array.from(seq(1, 8)));
  });

  it('peek returns a copy that later writes and consumes do not change', function () {
    const b = new SendBuffer(5000);
    b.write(seq(0, 4000));
    const p = b.peek(100, 50);
    b.consume(4000);
    b.write(new Uint8Array(4000).fill(0xee));
    expect(Array.from(p)).to.deep.equal(Array.from(seq(100, 50)));
  });

  it('successive peeks are independent copies', function () {
    const b = new SendBuffer(100000);
    b.write(seq(0, 90000));
    const segments = [];
    for (let off = 0; off < 90000; off += 1460) segments.push(b.peek(off, 1460));
    for (const s of segments) s.fill(0); // scribbling over one copy ...
    const again = b.peek(0, 90000);
    expect(Array.from(again)).to.deep.equal(Array.from(seq(0, 90000))); // ... leaves the buffer intact
    const x = b.peek(10, 5);
    const y = b.peek(10, 5);
    x.fill(0xff);
    expect(Array.from(y)).to.deep.equal([10, 11, 12, 13, 14]); // and the other copies too
  });

  it('clamps peeks to the bytes held', function () {
    const b = new SendBuffer(100);
    b.write(seq(0, 20));
    expect(Array.from(b.peek(15, 10))).to.deep.equal(Array.from(seq(15, 5)));
    expect(b.peek(20, 10).length).to.equal(0);
    expect(b.peek(25, 10).length).to.equal(0);
    expect(b.peek(5, 0).length).to.equal(0);
    expect(b.peek(5, -3).length).to.equal(0);
    expect(Array.from(b.peek(-5, 3))).to.deep.equal([0, 1, 2]);
  });

  it('consume drops bytes from the front and clamps to the length', function () {
    const b = new SendBuffer(100);
    b.write(seq(0, 30));
    b.consume(10);
    expect(b.length).to.equal(20);
    expect(Array.from(b.peek(0, 3))).to.deep.equal([10, 11, 12]);
    b.consume(0);
    b.consume(-4);
    expect(b.length).to.equal(20);
    b.consume(21); // e.g. an ACK that also covers the FIN
    expect([b.length, b.free]).to.deep.equal([0, 100]);
  });

  it('wraps around the end of its storage', function () {
    const b = new SendBuffer(4096);
    b.write(seq(0, 3000));
    b.consume(2000);
    expect(b.write(seq(3000, 3096))).to.equal(3096); // occupies [2000, 4096) then [0, 2000)
    expect(b.length).to.equal(4096);
    expect(b.storageBytes).to.equal(4096);
    expect(Array.from(b.peek(0, 4096))).to.deep.equal(Array.from(seq(2000, 4096)));
    expect(Array.from(b.peek(2000, 200))).to.deep.equal(Array.from(seq(4000, 200)));
  });

  it('grows while wrapped and keeps the bytes in order', function () {
    const b = new SendBuffer(64 * 1024);
    b.write(seq(0, 3500));
    b.consume(3000);
    b.write(seq(3500, 3000)); // wraps inside 4 KiB storage
    expect(b.storageBytes).to.equal(4096);
    b.write(seq(6500, 10000)); // forces growth from a wrapped state
    expect(b.storageBytes).to.equal(16384);
    expect(b.length).to.equal(13500);
    expect(Array.from(b.peek(0, 13500))).to.deep.equal(Array.from(seq(3000, 13500)));
  });

  it('grows only on demand and never beyond its capacity', function () {
    const b = new SendBuffer(100000);
    b.write(seq(0, 100));
    expect(b.storageBytes).to.equal(4096);
    b.write(seq(0, 5000));
    expect(b.storageBytes).to.equal(8192);
    b.write(new Uint8Array(200000));
    expect(b.length).to.equal(100000);
    expect(b.storageBytes).to.equal(100000);
  });

  it('uses exactly its capacity when that is below the minimum chunk', function () {
    const b = new SendBuffer(10);
    b.write(seq(0, 3));
    expect(b.storageBytes).to.equal(10);
  });

  it('releases its storage when everything is acknowledged', function () {
    const b = new SendBuffer(256 * 1024);
    b.write(new Uint8Array(50000));
    expect(b.storageBytes).to.be.greaterThan(0);
    b.consume(49999);
    expect(b.storageBytes).to.be.greaterThan(0);
    b.consume(1);
    expect(b.storageBytes).to.equal(0);
    expect(b.write(seq(7, 10))).to.equal(10);
    expect(Array.from(b.peek(0, 10))).to.deep.equal(Array.from(seq(7, 10)));
  });

  it('matches a plain byte-array model under seeded random operations', function () {
    for (const capacity of [1, 7, 4096, 5000, 70000]) {
      const rnd = new Random(capacity);
      const b = new SendBuffer(capacity);
      let model: number[] = [];
      let counter = 0;
      for (let step = 0; step < 3000; step++) {
        const op = rnd.below(3);
        if (op === 0) {
          const n = rnd.below(Math.max(2, Math.floor(capacity / 2)));
          const data = seq(counter, n);
          const took = b.write(data);
          expect(took).to.equal(Math.min(n, capacity - model.length));
          for (let i = 0; i < took; i++) model.push(data[i]!);
          counter += took;
        } else if (op === 1) {
          const off = rnd.below(model.length + 3);
          const len = rnd.below(model.length + 3);
          const got = b.peek(off, len);
          expect(Array.from(got)).to.deep.equal(model.slice(off, off + len));
        } else {
          const n = rnd.below(model.length + 2);
          b.consume(n);
          model = model.slice(Math.min(n, model.length));
        }
        expect(b.length).to.equal(model.length);
        expect(b.free).to.equal(capacity - model.length);
        expect(b.storageBytes).to.be.at.most(capacity);
        if (model.length === 0) expect(b.storageBytes).to.equal(0);
      }
    }
  });
});
