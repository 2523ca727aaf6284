import { expect } from 'chai';
import { allocateCopy } from '../../src/tcp/byte-pool.js';
import { SEGMENT_HEADROOM, type TcpSegment } from '../../src/wire/segment.js';
import { decodeIp } from '../../src/wire/decode.js';
import { encodeSegment, encodeSegmentBytes } from '../../src/wire/encode-segment.js';
import { segmentFromRow } from '../../src/wire/segment-row.js';
import { parseAddress } from '../../src/base/address.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { encodePacket } from '../../src/wire/encode.js';
import { LinkType } from '../../src/wire/constants.js';
import { Random } from '../helpers/random.js';
import { randomSegment } from '../helpers/segments.js';

const ADDRESSES = [
  ['192.0.2.1', '192.0.2.2'],
  ['2001:db8::1', '2001:db8::2'],
] as const;

describe('segment encoder (encodeSegmentBytes)', () => {
  it('encodeSegmentBytes builds exactly what encodePacket builds, one segment after another', () => {
    const r = new Random(31);
    for (let i = 0; i < 2000; i++) {
      const seg = randomSegment(r);
      const [src, dst] = ADDRESSES[i % 2]!;
      // Leave every request field the fast path does not zero-fill set to something else first.
      const v4 = i % 4 === 0;
      encodePacket({
        ip: {
          src: v4 ? '10.0.0.1' : '2001:db8::9',
          dst: v4 ? '10.0.0.2' : '2001:db8::a',
          tos: 0xb8,
          id: 0x4242,
          flowLabel: v4 ? 0 : 0xabcde,
          ttl: 7,
          ...(v4 ? { options: new Uint8Array([1, 1, 1, 1]) } : {}),
        },
        tcp: {
          srcPort: 1,
          dstPort: 2,
          headerLength: 60,
          options: {
            kinds: [2, 1, 34],
            mss: 9,
            unknown: [{ kind: 34, data: new Uint8Array([1, 2]) }],
            sack: [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
          },
        },
        payload: new Uint8Array(3),
      });
      const fast = encodeSegmentBytes(seg, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(fast, `segment ${i}`).to.deep.equal(encodeSegment(seg, src, dst));
    }
  });

  it('a segment that declares headroom gets its headers written in front of its payload, once', () => {
    const r = new Random(33);
    for (let i = 0; i < 300; i++) {
      const seg = randomSegment(r);
      if (i % 2 === 0) {
        // Half of them as an established connection sends them: at most a timestamp option
        // (the JS path); the rest go through the WASM encoder's request.
        delete seg.mss;
        delete seg.windowScale;
        delete seg.sackPermitted;
        delete seg.sack;
      }
      // Payloads as the engine hands them out (allocateCopy, slab or not), and payloads in a
      // caller's own buffer: the contract is the declared number, not where the bytes came from.
      const bytes = seg.payload.length > 0 ? seg.payload : r.bytes(1 + r.below(1460));
      const big = i % 10 === 9;
      const data = big ? r.bytes(20000 + r.below(40000)) : bytes;
      let payload: Uint8Array;
      if (i % 3 === 2) {
        payload = new Uint8Array(new ArrayBuffer(SEGMENT_HEADROOM + data.length + 8), SEGMENT_HEADROOM, data.length);
      } else {
        payload = allocateCopy(data.length);
      }
      payload.set(data);
      seg.payload = payload;
      seg.headroom = SEGMENT_HEADROOM;
      const [src, dst] = ADDRESSES[i % 2]!;
      const expected = encodeSegment(seg, src, dst);
      expect(seg.headroom, 'encodeSegment never writes into the headroom').to.equal(SEGMENT_HEADROOM);
      const first = encodeSegmentBytes(seg, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(first, `segment ${i}`).to.deep.equal(expected);
      // Header and payload share the payload's buffer: no second copy of the payload.
      expect(first.buffer, `segment ${i} buffer`).to.equal(payload.buffer);
      expect(first.byteOffset + first.length).to.equal(payload.byteOffset + payload.length);
      expect(Buffer.from(payload).equals(Buffer.from(data)), `segment ${i} payload intact`).to.equal(true);
      expect(seg.headroom, 'the encoder claims the headroom').to.equal(0);
      // Encoding the same segment again must not write over the first packet's header.
      const again = encodeSegmentBytes(seg, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(again.buffer).to.not.equal(payload.buffer);
      expect(again).to.deep.equal(expected);
      expect(first, `segment ${i} after a second encode`).to.deep.equal(expected);
    }
  });

  it('a segment without headroom, or with too little for its headers, is copied and the bytes before it are left alone', () => {
    const r = new Random(34);
    for (let i = 0; i < 200; i++) {
      const seg = randomSegment(r);
      if (i % 2 === 0) {
        delete seg.mss;
        delete seg.windowScale;
        delete seg.sackPermitted;
        delete seg.sack;
      }
      const data = seg.payload.length > 0 ? seg.payload : r.bytes(1 + r.below(1460));
      // Room before the payload that belongs to someone else (a subarray of a bigger array).
      const whole = r.bytes(SEGMENT_HEADROOM + data.length);
      const payload = whole.subarray(SEGMENT_HEADROOM);
      payload.set(data);
      const before = Uint8Array.from(whole);
      seg.payload = payload;
      // Absent, 0, or fewer bytes than the smallest header (IPv4 20 + TCP 20).
      if (i % 4 === 1) seg.headroom = 0;
      if (i % 4 === 2) seg.headroom = 39;
      if (i % 4 === 3) {
        // Declared, but more than there is before the payload: not trusted, copied.
        seg.payload = Uint8Array.from(data);
        seg.headroom = SEGMENT_HEADROOM;
      }
      const [src, dst] = ADDRESSES[i % 2]!;
      const packet = encodeSegmentBytes(seg, i % 2 === 0 ? 4 : 6, parseAddress(src).bytes, parseAddress(dst).bytes);
      expect(packet.buffer, `segment ${i}`).to.not.equal(whole.buffer);
      expect(packet.buffer, `segment ${i}`).to.not.equal(seg.payload.buffer);
      expect(packet, `segment ${i}`).to.deep.equal(encodeSegment(seg, src, dst));
      expect(
        Buffer.from(whole).equals(Buffer.from(before)),
        `segment ${i}: bytes before the payload untouched`,
      ).to.equal(true);
    }
  });

  it('the ECN codepoint goes into the TOS / traffic class byte on both paths', () => {
    for (const [src, dst] of ADDRESSES) {
      for (const options of [{}, { mss: 1460 }]) {
        const seg: TcpSegment = {
          srcPort: 1,
          dstPort: 2,
          seq: 3,
          ack: 4,
          flags: 0x10,
          window: 5,
          urgentPointer: 0,
          payload: new Uint8Array([9]),
          ecn: 2,
          ...options,
        };
        const v = parseAddress(src).version;
        const packet = encodeSegmentBytes(seg, v, parseAddress(src).bytes, parseAddress(dst).bytes);
        expect(packet).to.deep.equal(encodeSegment(seg, src, dst));
        const ip = decodeIp(packet).ip;
        expect(ip.version === 4 ? ip.tos : ip.trafficClass).to.equal(2);
      }
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
      expect({ ...back, payload: [...back.payload] }, `segment ${i}`).to.deep.equal({
        ...expected,
        payload: [...seg.payload],
      });
    });
  });
});
