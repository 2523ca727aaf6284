import { expect } from 'chai';
import { allocateCopy } from '../../src/tcp/byte-pool.js';
import type { TcpSegment } from '../../src/tcp/segment.js';
import { encodeSegment, encodeSegmentBytes, segmentFromRow } from '../../src/stack/segment-codec.js';
import { parseAddress } from '../../src/base/address.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { encodePacket } from '../../src/wire/encode.js';
import { LinkType } from '../../src/wire/constants.js';
import { Random } from '../helpers/random.js';

function randomSegment(r: Random): TcpSegment {
  const seg: TcpSegment = {
    srcPort: r.below(65536), dstPort: r.below(65536), seq: r.u32(), ack: r.u32(), flags: r.below(0x40),
    window: r.below(65536), urgentPointer: r.below(65536), payload: r.bytes(r.below(3) === 0 ? 0 : r.below(1400)),
  };
  if (r.below(2)) seg.mss = r.below(65536);
  if (r.below(2)) seg.windowScale = r.below(15);
  if (r.below(2)) seg.sackPermitted = true;
  if (r.below(2)) { seg.tsVal = r.u32(); seg.tsEcr = r.u32(); }
  const sackRoom = seg.mss !== undefined || seg.windowScale !== undefined || seg.sackPermitted ? 1 : seg.tsVal !== undefined ? 3 : 4;
  if (r.below(2)) seg.sack = Array.from({ length: 2 * (1 + r.below(sackRoom)) }, () => r.u32());
  return seg;
}

const ADDRESSES = [['192.0.2.1', '192.0.2.2'], ['2001:db8::1', '2001:db8::2']] as const;

describe('stack segment codec', () => {
  it('encodeSegmentBytes builds exactly what encodePacket builds, one segment after another', () => {
    const r = new Random(31);
    for (let i = 0; i < 2000; i++) {
      const seg = randomSegment(r);
      const [src, dst] = ADDRESSES[i % 2]!;
      // Leave every request field the fast path does not zero-fill set to something else first.
      const v4 = i % 4 === 0;
      encodePacket({
        ip: { src: v4 ? '10.0.0.1' : '2001:db8::9', dst: v4 ? '10.0.0.2' : '2001:db8::a', tos: 0xb8, id: 0x4242, flowLabel: v4 ? 0 : 0xabcde, ttl: 7, ...(v4 ? { options: new Uint8Array([1, 1, 1, 1]) } : {}) },
        tcp: { srcPort: 1, dstPort: 2, headerLength: 60, options: { kinds: [2, 1, 34], mss: 9, unknown: [{ kind: 34, data: new Uint8Array([1, 2]) }], sack: [[1, 2], [3, 4], [5, 6]] } },
        payload: new Uint8Array(3),
      });
      const fast = encodeSegmentBytes(seg, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(fast, `segment ${i}`).to.deep.equal(encodeSegment(seg, src, dst));
    }
  });

  it('a payload fresh from allocateCopy gets its headers written in front of it, once', () => {
    const r = new Random(33);
    for (let i = 0; i < 300; i++) {
      const seg = randomSegment(r);
      if (i % 2 === 0) {
        // Half of them as an established connection sends them: at most a timestamp option.
        delete seg.mss;
        delete seg.windowScale;
        delete seg.sackPermitted;
        delete seg.sack;
      }
      const bytes = seg.payload.length > 0 ? seg.payload : r.bytes(1 + r.below(1460));
      const payload = allocateCopy(bytes.length);
      payload.set(bytes);
      seg.payload = payload;
      const [src, dst] = ADDRESSES[i % 2]!;
      const expected = encodeSegment(seg, src, dst);
      const first = encodeSegmentBytes(seg, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(first, `segment ${i}`).to.deep.equal(expected);
      // Header and payload share the payload's buffer: no second copy of the payload.
      expect(first.buffer, `segment ${i} buffer`).to.equal(payload.buffer);
      expect(first.byteOffset + first.length).to.equal(payload.byteOffset + payload.length);
      expect([...payload], `segment ${i} payload intact`).to.deep.equal([...bytes]);
      // Encoding the same payload again must not write over the first packet's header.
      const again = encodeSegmentBytes({ ...seg, seq: (seg.seq + 1) >>> 0 }, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(again.buffer).to.not.equal(payload.buffer);
      expect(first, `segment ${i} after a second encode`).to.deep.equal(expected);
      // A subarray of a fresh copy has someone else's bytes before it: copied, never written around.
      const part = allocateCopy(bytes.length);
      part.set(bytes);
      const view = part.subarray(1);
      const before = [...part];
      const viaView = encodeSegmentBytes({ ...seg, payload: view }, 4, parseAddress('192.0.2.1').bytes, parseAddress('192.0.2.2').bytes);
      expect(viaView.buffer).to.not.equal(part.buffer);
      expect([...part]).to.deep.equal(before);
    }
  });

  it('segmentFromRow reads back every field and option of an encoded segment', () => {
    const r = new Random(32);
    const segs = Array.from({ length: 500 }, () => randomSegment(r));
    const packets = segs.map((seg, i) => encodeSegment(seg, ADDRESSES[i % 2]![0], ADDRESSES[i % 2]![1]));
    const table = decodeBatch(packets, LinkType.RAW);
    segs.forEach((seg, i) => {
      const back = segmentFromRow(table, i, packets[i]!);
      const expected: TcpSegment = { ...seg, payload: seg.payload };
      if (expected.sack !== undefined && expected.sack.length === 0) delete expected.sack;
      expect({ ...back, payload: [...back.payload] }, `segment ${i}`).to.deep.equal({ ...expected, payload: [...seg.payload] });
    });
  });
});
