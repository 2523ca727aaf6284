import { expect } from 'chai';
import type { TcpSegment } from '../../src/tcp/segment.js';
import { encodeSegment, encodeSegmentBytes, segmentFromRow } from '../../src/stack/segment-codec.js';
import { parseAddress } from '../../src/wire/address.js';
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
