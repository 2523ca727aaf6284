import { expect } from 'chai';
import type { TcpSegment } from '../../src/wire/segment.js';
import { chunkEnd, ReceivedBatch } from '../../src/wire/received-batch.js';
import { encodeSegment } from '../../src/wire/encode-segment.js';
import { segmentFromRow } from '../../src/wire/segment-row.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { LinkType } from '../../src/wire/constants.js';
import { BATCH_ROWS, INPUT_CHUNK_BYTES } from '../../src/wire/module.js';
import { Random } from '../helpers/random.js';

function randomSegment(r: Random): TcpSegment {
  const seg: TcpSegment = {
    srcPort: r.below(65536),
    dstPort: r.below(65536),
    seq: r.u32(),
    ack: r.u32(),
    flags: r.below(0x40),
    window: r.below(65536),
    urgentPointer: r.below(65536),
    payload: r.bytes(r.below(3) === 0 ? 0 : r.below(1400)),
  };
  if (r.below(3) === 0) seg.mss = r.below(65536);
  if (r.below(3) === 0) seg.windowScale = r.below(15);
  if (r.below(3) === 0) seg.sackPermitted = true;
  if (r.below(2)) {
    seg.tsVal = r.u32();
    seg.tsEcr = r.u32();
  }
  if (r.below(4) === 0 && seg.mss === undefined && seg.windowScale === undefined && !seg.sackPermitted) {
    seg.sack = Array.from({ length: 2 * (1 + r.below(seg.tsVal !== undefined ? 3 : 4)) }, () => r.u32());
  }
  return seg;
}

const ADDRESSES = [
  ['192.0.2.1', '192.0.2.2'],
  ['2001:db8::1', '2001:db8::2'],
] as const;

/** Good packets, plus corrupted, truncated, non-TCP and garbage ones. */
function randomPackets(r: Random, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const [src, dst] = ADDRESSES[r.below(2)]!;
    const packet = encodeSegment(randomSegment(r), src, dst);
    switch (r.below(8)) {
      case 0: {
        const bad = packet.slice();
        bad[r.below(bad.length)]! ^= 1 << r.below(8);
        return bad;
      }
      case 1:
        return packet.subarray(0, r.below(packet.length));
      case 2: {
        const other = packet.slice();
        other[packet[0]! >> 4 === 4 ? 9 : 6] = 17;
        return other;
      }
      case 3:
        return r.bytes(r.below(80));
      default:
        return i % 5 === 0 ? packet.slice() : packet;
    }
  });
}

describe('ReceivedBatch', () => {
  it('reads every row exactly as decodeBatch + segmentFromRow do, batch after batch with one decoder', () => {
    const r = new Random(71);
    const batch = new ReceivedBatch();
    for (let round = 0; round < 60; round++) {
      const packets = randomPackets(r, 1 + r.below(round % 10 === 0 ? 300 : 12));
      const table = decodeBatch(packets, LinkType.RAW);
      expect(chunkEnd(packets, 0)).to.equal(packets.length);
      batch.decode(packets, 0, packets.length);
      expect(batch.count).to.equal(packets.length);
      for (let i = 0; i < packets.length; i++) {
        const where = `round ${round} row ${i}`;
        expect(batch.status(i), where).to.equal(table.status[i]);
        if (table.status[i] !== 0) continue;
        expect(
          [batch.ipVersion(i), batch.checksumState(i), batch.srcAddressOffset(i), batch.dstAddressOffset(i)],
          where,
        ).to.deep.equal([
          table.ipVersion[i],
          table.checksumState[i],
          table.srcAddressOffset[i],
          table.dstAddressOffset[i],
        ]);
        const mine = batch.segment(i, packets[i]!);
        const theirs = segmentFromRow(table, i, packets[i]!);
        expect({ ...mine, payload: [...mine.payload] }, where).to.deep.equal({
          ...theirs,
          payload: [...theirs.payload],
        });
      }
    }
  });

  it('reads SACK blocks as the codec does, whatever else the option list holds', () => {
    const r = new Random(73);
    const batch = new ReceivedBatch();
    let withSack = 0;
    for (let round = 0; round < 40; round++) {
      const packets = Array.from({ length: 50 }, () => {
        const seg = randomSegment(r);
        seg.sack = Array.from({ length: 2 * (1 + r.below(3)) }, () => r.u32());
        delete seg.mss;
        delete seg.windowScale;
        if (r.below(2)) delete seg.sackPermitted;
        const packet = encodeSegment(seg, '192.0.2.1', '192.0.2.2');
        // Scramble an option byte or two now and then: EOL/NOP runs, a second SACK, odd lengths.
        const optionsAt = 40;
        const optionsEnd = 20 + (packet[32]! >> 4) * 4;
        for (let k = r.below(3); k > 0 && optionsEnd > optionsAt; k--) {
          packet[optionsAt + r.below(optionsEnd - optionsAt)] = [0, 1, 5, 10, 18, 26, r.below(256)][r.below(7)]!;
        }
        return packet;
      });
      const table = decodeBatch(packets, LinkType.RAW);
      batch.decode(packets, 0, packets.length);
      for (let i = 0; i < packets.length; i++) {
        expect(batch.status(i)).to.equal(table.status[i]);
        if (table.status[i] !== 0) continue;
        const mine = batch.segment(i, packets[i]!);
        const theirs = segmentFromRow(table, i, packets[i]!);
        if (theirs.sack !== undefined) withSack++;
        expect(mine.sack, `round ${round} row ${i}`).to.deep.equal(theirs.sack);
      }
    }
    expect(withSack).to.be.greaterThan(1000);
  });

  it('decodes a slice of the packets (rows count from its first packet)', () => {
    const r = new Random(72);
    const packets = randomPackets(r, 40);
    const table = decodeBatch(packets.slice(10, 30), LinkType.RAW);
    const batch = new ReceivedBatch();
    batch.decode(packets, 10, 30);
    expect(batch.count).to.equal(20);
    for (let i = 0; i < 20; i++) expect(batch.status(i)).to.equal(table.status[i]);
  });

  it('chunkEnd keeps a decode call within BATCH_ROWS packets and INPUT_CHUNK_BYTES bytes, at least one packet', () => {
    const small = Array.from({ length: BATCH_ROWS + 5 }, () => new Uint8Array(40));
    expect(chunkEnd(small, 0)).to.equal(BATCH_ROWS);
    expect(chunkEnd(small, BATCH_ROWS)).to.equal(BATCH_ROWS + 5);
    const big = [new Uint8Array(INPUT_CHUNK_BYTES - 10), new Uint8Array(20), new Uint8Array(INPUT_CHUNK_BYTES + 1)];
    expect(chunkEnd(big, 0)).to.equal(1);
    expect(chunkEnd(big, 1)).to.equal(2);
    expect(chunkEnd(big, 2)).to.equal(3);
    expect(() => chunkEnd([new Uint8Array(1), 'x' as unknown as Uint8Array], 0)).to.throw(TypeError, 'frame 1');
  });
});
