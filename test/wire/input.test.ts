// Zero-copy input (inputArea) and the ways decodeBatch stages frames: every path must give the
// same answers as the ordinary copy-in path, and no copy may overwrite a frame still to be read.

import { expect } from 'chai';
import {
  LinkType,
  TcpFlags,
  decodeBatch,
  decodeFrame,
  inputArea,
  internetChecksum,
  onesComplementSum,
  type SegmentTable,
} from '../../src/index.js';
import { codec } from '../../src/wire/module.js';
import { SAMPLE_TCP, ipv4Packet, ipv6Packet } from '../helpers/frames.js';
import { Random } from '../helpers/random.js';

const COLUMNS = [
  'status',
  'ipVersion',
  'checksumState',
  'headerLength',
  'optionMask',
  'flags',
  'srcPort',
  'dstPort',
  'window',
  'checksum',
  'seq',
  'ack',
  'tsValue',
  'tsEcho',
  'payloadOffset',
  'capturedPayloadLength',
  'payloadLength',
  'srcAddressOffset',
  'dstAddressOffset',
] as const;

function rows(t: SegmentTable): number[][] {
  return COLUMNS.map((c) => Array.from(t[c]));
}

/** Frames of several kinds and sizes, some with bad checksums, all raw IP. */
function sampleFrames(random: Random, count: number): Uint8Array[] {
  const bytes = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.from(random.bytes(n));
  return Array.from({ length: count }, (_, i) => {
    const payload = bytes(random.below(3) === 0 ? 1200 : random.below(40));
    const tcp = { ...SAMPLE_TCP, seq: random.u32(), flags: TcpFlags.ACK };
    const frame = (i % 2 === 0 ? ipv4Packet(tcp, payload) : ipv6Packet(tcp, payload)).slice();
    if (i % 7 === 3) frame[frame.length - 1]! ^= 1; // bad checksum (or bad payload byte)
    return frame;
  });
}

/** The frames copied back to back into `area` from `at`, as subarrays of it. */
function placeIn(area: Uint8Array, at: number, frames: Uint8Array[]): Uint8Array[] {
  return frames.map((f) => {
    area.set(f, at);
    const view = area.subarray(at, at + f.length);
    at += f.length + 5;
    return view;
  });
}

describe('inputArea (zero-copy input)', function () {
  const random = new Random(0x5eed_1a01);

  it('is a view of WASM memory at the start of the input area, of the length asked for', function () {
    const c = codec();
    const view = inputArea(1000);
    expect(view.length).to.equal(1000);
    expect(view.buffer).to.equal(c.exports.memory.buffer);
    expect(view.byteOffset).to.equal(c.inputBase);
    expect(c.isResident(view)).to.equal(true);
    expect(c.isResident(view.slice())).to.equal(false);
    // A view of WASM memory below the input area (the codec's own records) is not trusted.
    expect(c.isResident(new Uint8Array(c.exports.memory.buffer, c.detail, 64))).to.equal(false);
  });

  it('checksums of bytes in the area equal checksums of the same bytes elsewhere, at any offset and length', function () {
    for (let n = 0; n < 300; n++) {
      const length = random.below(n < 200 ? 200 : 70000);
      const offset = random.below(64);
      const bytes = random.bytes(length);
      inputArea(offset + length + 64).set(bytes, offset);
      // A fresh view for each call: checksumming `bytes` may grow memory, detaching older views.
      const view = () => inputArea(offset + length + 64).subarray(offset, offset + length);
      const initial = random.below(2) === 0 ? 0 : random.u32();
      const where = `length ${length} offset ${offset}`;
      const expected = internetChecksum(bytes, initial);
      expect(internetChecksum(view(), initial), where).to.equal(expected);
      const expectedSum = onesComplementSum(bytes, initial);
      expect(onesComplementSum(view(), initial), where).to.equal(expectedSum);
    }
  });

  it('decodeFrame reads a frame in the area exactly as a copy of it', function () {
    const frames = sampleFrames(random, 20);
    for (const f of frames) {
      const copied = decodeFrame(f, LinkType.RAW);
      const view = inputArea(64 * 1024).subarray(100, 100 + f.length);
      view.set(f);
      const inPlace = decodeFrame(view, LinkType.RAW);
      // The payload is a view into the input area, not a copy.
      expect(inPlace.payload.buffer).to.equal(view.buffer);
      expect({ ...inPlace, payload: Array.from(inPlace.payload) }).to.deep.equal({
        ...copied,
        payload: Array.from(copied.payload),
      });
    }
  });

  it('decodeBatch: packed data in the area, frames that are views of it, and a mix with ordinary frames agree', function () {
    const frames = sampleFrames(random, 300);
    const expected = rows(decodeBatch(frames, LinkType.RAW));
    // An area reaching the end of memory: the mixed call's copies then have to grow it.
    const areaLength = codec().exports.memory.buffer.byteLength - codec().inputBase;
    const area = inputArea(areaLength);
    const views = placeIn(area, 64, frames);
    expect(rows(decodeBatch(views, LinkType.RAW))).to.deep.equal(expected);
    const offsets = views.map((v) => v.byteOffset - area.byteOffset);
    const lengths = views.map((v) => v.length);
    expect(rows(decodeBatch({ data: area, offsets, lengths }, LinkType.RAW))).to.deep.equal(expected);
    // Every other frame resident: copying the others in (which grows memory here, detaching
    // the views passed in) must neither lose the resident frames nor overwrite them.
    const before = codec().exports.memory.buffer.byteLength;
    const mixed = frames.map((f, i) => (i % 2 === 0 ? views[i]! : f));
    expect(rows(decodeBatch(mixed, LinkType.RAW))).to.deep.equal(expected);
    expect(codec().exports.memory.buffer.byteLength, 'the copies grew memory').to.be.greaterThan(before);
    expect(views[0]!.length, 'so the views passed in are detached').to.equal(0);
    const area2 = inputArea(areaLength);
    frames.forEach((f, i) => {
      const now = area2.subarray(offsets[i]!, offsets[i]! + f.length);
      expect(Buffer.compare(now, f), `frame ${i}`).to.equal(0);
    });
  });

  it('after memory grows, older views read as empty and a new one works', function () {
    const c = codec();
    const old = inputArea(16);
    const before = c.exports.memory.buffer.byteLength;
    const big = inputArea(before + (1 << 20));
    expect(c.exports.memory.buffer.byteLength).to.be.greaterThan(before);
    expect(old.length).to.equal(0);
    expect(c.isResident(old)).to.equal(false);
    big.set([0x45, 0, 0, 20], 0);
    expect(internetChecksum(big.subarray(0, 4))).to.equal(internetChecksum(Uint8Array.of(0x45, 0, 0, 20)));
  });

  it('rejects lengths that are not non-negative integers', function () {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 31, '10' as unknown as number]) {
      expect(() => inputArea(bad), String(bad)).to.throw(RangeError);
    }
    expect(inputArea(0).length).to.equal(0);
  });
});

describe('decodeBatch staging', function () {
  const random = new Random(0x5eed_1a02);

  it('frames of one buffer (in order, shuffled, thinly scattered) and of many buffers give the same rows', function () {
    const frames = sampleFrames(random, 500);
    const expected = rows(decodeBatch(frames, LinkType.RAW));
    // Dense: one buffer, small gaps (copied as one span).
    const dense = new Uint8Array(frames.reduce((n, f) => n + f.length + 16, 0));
    const denseViews = placeIn(dense, 16, frames);
    expect(rows(decodeBatch(denseViews, LinkType.RAW))).to.deep.equal(expected);
    // Shuffled order within the buffer: offsets need not increase.
    const order = frames.map((_, i) => i).sort(() => random.below(3) - 1);
    const shuffledBuffer = new Uint8Array(dense.length);
    const placed = new Array<Uint8Array>(frames.length);
    let at = 0;
    for (const i of order) {
      shuffledBuffer.set(frames[i]!, at);
      placed[i] = shuffledBuffer.subarray(at, at + frames[i]!.length);
      at += frames[i]!.length + 3;
    }
    expect(rows(decodeBatch(placed, LinkType.RAW))).to.deep.equal(expected);
    const packedShuffled = {
      data: shuffledBuffer,
      offsets: placed.map((p) => p.byteOffset),
      lengths: placed.map((p) => p.length),
    };
    expect(rows(decodeBatch(packedShuffled, LinkType.RAW))).to.deep.equal(expected);
    // Sparse: frames spread over a buffer far larger than they are (copied one by one).
    const sparse = new Uint8Array(frames.length * 20000);
    const sparseViews = frames.map((f, i) => {
      sparse.set(f, i * 20000);
      return sparse.subarray(i * 20000, i * 20000 + f.length);
    });
    expect(rows(decodeBatch(sparseViews, LinkType.RAW))).to.deep.equal(expected);
    expect(
      rows(
        decodeBatch(
          { data: sparse, offsets: sparseViews.map((v) => v.byteOffset), lengths: sparseViews.map((v) => v.length) },
          LinkType.RAW,
        ),
      ),
    ).to.deep.equal(expected);
  });

  it('tables at and around the one-copy limit (4096 rows) match per-frame decoding', function () {
    for (const count of [1, 4095, 4096, 4097]) {
      const frames = Array.from({ length: count }, (_, i) =>
        ipv4Packet({ ...SAMPLE_TCP, seq: i, flags: TcpFlags.ACK }, new Uint8Array(i % 5)),
      );
      const t = decodeBatch(frames, LinkType.RAW);
      expect(t.length).to.equal(count);
      for (const i of [0, count >> 1, count - 1]) {
        const p = decodeFrame(frames[i]!, LinkType.RAW);
        expect([t.seq[i], t.capturedPayloadLength[i], t.checksumState[i], t.srcAddress(i)]).to.deep.equal([
          p.tcp.seq,
          p.payload.length,
          0,
          p.ip.src,
        ]);
      }
    }
  });

  it('a packed offset or length that is not a non-negative integer is a RangeError', function () {
    const f = ipv4Packet();
    for (const [offsets, lengths] of [
      [[0.5], [f.length - 1]],
      [[Number.NaN], [1]],
      [[0], [-1]],
      [[-1], [2]],
    ] as const) {
      expect(() => decodeBatch({ data: f, offsets: [...offsets], lengths: [...lengths] }, LinkType.RAW)).to.throw(
        RangeError,
      );
    }
  });
});
