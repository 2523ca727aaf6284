// StreamReassembler without any engine or capture: scripted segments, checked byte for byte.

import { expect } from 'chai';
import { SegmentVerdict, StreamReassembler } from '../../src/flows/reassembler.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A reassembler recording what it delivers and the gaps it reports. */
function recorder(options: { maxBufferedBytes?: number; maxRanges?: number } = {}) {
  const out: Array<[number, string]> = [];
  const gaps: Array<[number, number]> = [];
  const r = new StreamReassembler({
    ...options,
    onData: (bytes, offset) => out.push([offset, new TextDecoder().decode(bytes)]),
    onGap: (length, offset) => gaps.push([offset, length]),
  });
  const joined = () => out.map(([, s]) => s).join('');
  return { r, out, gaps, joined };
}

describe('StreamReassembler', () => {
  it('delivers in-order data from the byte after the SYN', () => {
    const { r, out } = recorder();
    r.start(1000);
    expect(r.segment(1001, 5, text('hello'))).to.equal(SegmentVerdict.IN_ORDER);
    expect(r.segment(1006, 6, text(' world'))).to.equal(SegmentVerdict.IN_ORDER);
    expect(out).to.deep.equal([
      [0, 'hello'],
      [5, ' world'],
    ]);
    expect(r.uniqueBytes).to.equal(11);
  });

  it('keeps the first copy of retransmitted and overlapping bytes', () => {
    const { r, joined } = recorder();
    r.start(0);
    r.segment(1, 4, text('abcd'));
    expect(r.segment(1, 4, text('XXXX')), 'full retransmission').to.equal(SegmentVerdict.RETRANSMISSION);
    expect(r.segment(3, 4, text('YYef')), 'overlap with new tail').to.equal(SegmentVerdict.RETRANSMISSION);
    expect(joined()).to.equal('abcdef');
    expect(r.uniqueBytes).to.equal(6);
  });

  it('holds out-of-order data until the hole fills, and says which segment did what', () => {
    const { r, out } = recorder();
    r.start(99);
    expect(r.segment(100, 3, text('abc'))).to.equal(SegmentVerdict.IN_ORDER);
    expect(r.segment(106, 3, text('ghi')), 'beyond a hole').to.equal(SegmentVerdict.AHEAD);
    expect(r.bufferedBytes).to.equal(3);
    expect(r.segment(103, 3, text('def')), 'fills the hole').to.equal(SegmentVerdict.OUT_OF_ORDER);
    expect(out).to.deep.equal([
      [0, 'abc'],
      [3, 'def'],
      [6, 'ghi'],
    ]);
    expect(r.bufferedBytes).to.equal(0);
  });

  it('first-seen wins also against bytes still waiting out of order', () => {
    const { r, joined } = recorder();
    r.start(0);
    r.segment(5, 3, text('EFG'));
    // Covers the hole and the waiting range with other bytes: only the hole's bytes are taken.
    expect(r.segment(1, 7, text('abcdxyz'))).to.equal(SegmentVerdict.RETRANSMISSION);
    expect(joined()).to.equal('abcdEFG');
  });

  it('reports a hole left at finish() as a gap, and bytes missing before a FIN', () => {
    const { r, out, gaps } = recorder();
    r.start(0);
    r.segment(1, 2, text('ab'));
    r.segment(6, 2, text('fg'));
    r.finish(12); // FIN at offset 11: bytes 7..10 never seen
    expect(gaps).to.deep.equal([
      [2, 3],
      [7, 4],
    ]);
    expect(out).to.deep.equal([
      [0, 'ab'],
      [5, 'fg'],
    ]);
    expect([r.gapBytes, r.gaps]).to.deep.equal([7, 2]);
  });

  it('gives up the oldest hole when out-of-order data passes its byte bound', () => {
    const { r, gaps, joined } = recorder({ maxBufferedBytes: 4 });
    r.start(0);
    r.segment(11, 3, text('klm'));
    expect(gaps).to.deep.equal([]);
    r.segment(21, 3, text('uvw')); // 6 bytes waiting > 4: the hole before 'klm' goes
    expect(gaps).to.deep.equal([[0, 10]]);
    expect(joined()).to.equal('klm');
    expect(r.bufferedBytes).to.equal(3);
  });

  it('bounds the waiting ranges when it keeps no bytes', () => {
    const r = new StreamReassembler({ maxRanges: 3 });
    r.start(0);
    for (let k = 0; k < 10; k++) r.segment(1 + 10 * k + 5, 1, undefined);
    expect(r.gaps).to.be.greaterThan(0);
    r.finish();
    expect(r.uniqueBytes).to.equal(10);
    expect(r.next).to.equal(96);
    expect(r.gapBytes).to.equal(86);
  });

  it('follows a stream across sequence-number wrap-around', () => {
    const { r, out, gaps } = recorder();
    r.start(0xfffffffc);
    r.segment(0xfffffffd, 2, text('ab'));
    r.segment(0xffffffff, 4, text('cdef')); // wraps: bytes at 2^32-1, 0, 1, 2
    r.segment(6, 2, text('ij'));
    r.segment(3, 3, text('ghX'.slice(0, 3)));
    expect(gaps).to.deep.equal([]);
    expect(out.map(([o]) => o)).to.deep.equal([0, 2, 6, 9]);
    expect(out.map(([, s]) => s).join('')).to.equal('abcdefghXij');
    expect(r.offsetOf(8)).to.equal(11);
  });

  it('counts streams past 4 GiB by offset without wrapping the offset', () => {
    const r = new StreamReassembler();
    r.start(0);
    const step = 0x40000000; // 1 GiB
    let seq = 1;
    for (let k = 0; k < 5; k++) {
      expect(r.segment(seq, step)).to.equal(SegmentVerdict.IN_ORDER);
      seq = (seq + step) >>> 0;
    }
    expect(r.next).to.equal(5 * step);
    expect(r.segment((1 + 4 * step) >>> 0, 10), 'the last GiB again').to.equal(SegmentVerdict.RETRANSMISSION);
  });

  it('starts at the first payload when no SYN was seen', () => {
    const { r, out } = recorder();
    expect(r.segment(5000, 2, text('hi'))).to.equal(SegmentVerdict.IN_ORDER);
    expect(r.segment(4990, 3, text('old')), 'before the start').to.equal(SegmentVerdict.RETRANSMISSION);
    expect(out).to.deep.equal([[0, 'hi']]);
  });
});
