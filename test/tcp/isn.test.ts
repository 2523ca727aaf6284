// SipHash-2-4 against the 64 published reference vectors, and RFC 6528 ISNs: deterministic for
// a fixed secret, different per 4-tuple and per secret, advancing 250 per millisecond.

import { expect } from 'chai';
import { ISN_TICKS_PER_MS, IsnGenerator } from '../../src/tcp/isn.js';
import { seqDiff } from '../../src/tcp/seq.js';
import { sipHash24 } from '../../src/tcp/siphash.js';

// vectors_sip64 from the SipHash reference implementation: key 00..0f, message i = bytes 00..i-1,
// each output as its 8 little-endian bytes.
const VECTORS = `
310e0edd47db6f72 fd67dc93c539f874 5a4fa9d909806c0d 2d7efbd796666785 b7877127e09427cf 8da699cd64557618
cee3fe586e46c9cb 37d1018bf50002ab 6224939a79f5f593 b0e4a90bdf82009e f3b9dd94c5bb5d7a a7ad6b22462fb3f4
fbe50e86bc8f1e75 903d84c02756ea14 eef27a8e90ca23f7 e545be4961ca29a1 db9bc2577fcc2a3f 9447be2cf5e99a69
9cd38d96f0b3c14b bd6179a71dc96dbb 98eea21af25cd6be c7673b2eb0cbf2d0 883ea3e395675393 c8ce5ccd8c030ca8
94af49f6c650adb8 eab8858ade92e1bc f315bb5bb835d817 adcf6b0763612e2f a5c91da7acaa4dde 716595876650a2a6
28ef495c53a387ad 42c341d8fa92d832 ce7cf2722f512771 e37859f94623f3a7 381205bb1ab0e012 ae97a10fd434e015
b4a31508beff4d31 81396229f0907902 4d0cf49ee5d4dcca 5c73336a76d8bf9a d0a704536ba93e0e 925958fcd6420cad
a915c29bc8067318 952b79f3bc0aa6d4 f21df2e41d4535f9 87577519048f53a9 10a56cf5dfcd9adb eb75095ccd986cd0
51a9cb9ecba312e6 96afadfc2ce666c7 72fe52975a4364ee 5a1645b276d592a1 b274cb8ebf87870a 6f9bb4203de7b381
eaecb2a30b22a87f 9924a43cc1315724 bd838d3aafbf8db7 0b1a2a3265d51aea 135079a3231ce660 932b2846e4d70666
e1915f5cb1eca46c f325965ca16d629f 575ff28e60381be5 724506eb4c328a95`
  .trim()
  .split(/\s+/);

function range(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i);
}

function hexLe(out: Uint32Array): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, out[0]!, true);
  new DataView(b.buffer).setUint32(4, out[1]!, true);
  return Buffer.from(b).toString('hex');
}

const SECRET = range(16);
const V4_A = Uint8Array.of(192, 0, 2, 1);
const V4_B = Uint8Array.of(192, 0, 2, 2);
const V6_A = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
const V6_B = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);

describe('SipHash-2-4', function () {
  it('matches all 64 reference vectors', function () {
    expect(VECTORS.length).to.equal(64);
    for (let i = 0; i < 64; i++) {
      expect(hexLe(sipHash24(range(16), range(i))), `length ${i}`).to.equal(VECTORS[i]);
    }
  });

  it('writes into the given output array', function () {
    const out = new Uint32Array(2);
    expect(sipHash24(range(16), range(15), out)).to.equal(out);
    expect(hexLe(out)).to.equal('e545be4961ca29a1'); // 0xa129ca6149be45e5, the paper's example
  });

  it('rejects a key that is not 16 bytes', function () {
    expect(() => sipHash24(new Uint8Array(8), range(3))).to.throw(RangeError);
  });
});

describe('IsnGenerator (RFC 6528)', function () {
  it('is deterministic for a fixed secret', function () {
    const a = new IsnGenerator(SECRET);
    const b = new IsnGenerator(SECRET);
    expect(a.next(V4_A, 40000, V4_B, 80, 12345)).to.equal(b.next(V4_A, 40000, V4_B, 80, 12345));
    expect(a.next(V6_A, 40000, V6_B, 80, 0)).to.equal(b.next(V6_A, 40000, V6_B, 80, 0));
  });

  it('is M + F: the 4-µs clock plus SipHash of local address, remote address, ports', function () {
    const g = new IsnGenerator(SECRET);
    const message = Uint8Array.of(192, 0, 2, 1, 192, 0, 2, 2, 0x9c, 0x40, 0x00, 0x50);
    const f = sipHash24(SECRET, message)[0]!;
    expect(g.next(V4_A, 40000, V4_B, 80, 0)).to.equal(f);
    expect(g.next(V4_A, 40000, V4_B, 80, 1000)).to.equal((f + 250000) >>> 0);
  });

  it('differs between 4-tuples, secrets and address families', function () {
    const g = new IsnGenerator(SECRET);
    const isns = [
      g.next(V4_A, 40000, V4_B, 80, 0),
      g.next(V4_A, 40001, V4_B, 80, 0),
      g.next(V4_A, 40000, V4_B, 81, 0),
      g.next(V4_B, 40000, V4_A, 80, 0), // addresses swapped
      g.next(V4_A, 80, V4_B, 40000, 0), // ports swapped
      g.next(V6_A, 40000, V6_B, 80, 0),
      new IsnGenerator(range(16).reverse()).next(V4_A, 40000, V4_B, 80, 0),
    ];
    expect(new Set(isns).size).to.equal(isns.length);
  });

  it('spreads ISNs of neighbouring ports over the whole space', function () {
    const g = new IsnGenerator(SECRET);
    let high = 0;
    const seen = new Set<number>();
    for (let port = 49152; port < 49152 + 1000; port++) {
      const isn = g.next(V4_A, port, V4_B, 80, 0);
      seen.add(isn);
      if (isn >= 0x80000000) high++;
    }
    expect(seen.size).to.equal(1000);
    expect(high).to.be.within(400, 600); // top bit balanced: not a counter in disguise
  });

  it('advances by 250 per millisecond (one per 4 µs) for the same 4-tuple', function () {
    const g = new IsnGenerator(SECRET);
    const t0 = g.next(V4_A, 40000, V4_B, 80, 1000);
    expect(seqDiff(g.next(V4_A, 40000, V4_B, 80, 1001), t0)).to.equal(ISN_TICKS_PER_MS);
    expect(seqDiff(g.next(V4_A, 40000, V4_B, 80, 1000.004), t0)).to.equal(1);
    expect(seqDiff(g.next(V4_A, 40000, V4_B, 80, 1000.003), t0)).to.equal(0);
    expect(seqDiff(g.next(V4_A, 40000, V4_B, 80, 2000), t0)).to.equal(250000);
  });

  it('wraps modulo 2^32 after about 4.77 hours and handles wall-clock-sized times', function () {
    const g = new IsnGenerator(SECRET);
    const period = 2 ** 32 / ISN_TICKS_PER_MS; // ms for M to wrap
    expect(g.next(V4_A, 1, V4_B, 2, 5)).to.equal(g.next(V4_A, 1, V4_B, 2, 5 + period));
    const wall = 1_764_000_000_000; // a Date.now() in 2025
    const isn = g.next(V4_A, 1, V4_B, 2, wall);
    expect(Number.isInteger(isn) && isn >= 0 && isn <= 0xffffffff).to.equal(true);
    expect(seqDiff(g.next(V4_A, 1, V4_B, 2, wall + 10), isn)).to.equal(2500);
  });

  it('keeps its own copy of the secret', function () {
    const secret = range(16);
    const g = new IsnGenerator(secret);
    const before = g.next(V4_A, 1, V4_B, 2, 0);
    secret.fill(0);
    expect(g.next(V4_A, 1, V4_B, 2, 0)).to.equal(before);
  });

  it('draws a random secret by default', function () {
    const a = new IsnGenerator();
    const b = new IsnGenerator();
    // Three 4-tuples all colliding by chance has probability 2^-96.
    const tuples: Array<[Uint8Array, number, Uint8Array, number]> = [
      [V4_A, 1, V4_B, 2],
      [V4_A, 3, V4_B, 4],
      [V6_A, 5, V6_B, 6],
    ];
    expect(tuples.some((t) => a.next(...t, 0) !== b.next(...t, 0))).to.equal(true);
  });

  it('rejects bad secrets, mismatched addresses and non-finite times', function () {
    expect(() => new IsnGenerator(new Uint8Array(15))).to.throw(RangeError);
    const g = new IsnGenerator(SECRET);
    expect(() => g.next(V4_A, 1, V6_B, 2, 0)).to.throw(RangeError);
    expect(() => g.next(new Uint8Array(5), 1, new Uint8Array(5), 2, 0)).to.throw(RangeError);
    expect(() => g.next(V4_A, 1, V4_B, 2, NaN)).to.throw(RangeError);
  });
});
