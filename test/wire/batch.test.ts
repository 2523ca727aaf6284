// decodeBatch / SegmentTable: input shapes, chunking, per-row errors and states.

import { expect } from 'chai';
import { ChecksumState, LinkType, OptionBit, TcpFlags, decodeBatch, decodeFrame } from '../../src/index.js';
import { SAMPLE_TCP, V6, concat, ethernet, ipv4Packet, ipv6Packet } from '../helpers/frames.js';

describe('decodeBatch', function () {
  const good4 = ipv4Packet();
  const good6 = ipv6Packet({ ...SAMPLE_TCP, options: { mss: 1220, windowScale: 8, sack: [[5, 9]] } });
  const bad = good4.slice();
  bad[bad.length - 1]! ^= 0x40;
  const udp = good4.slice();
  udp[9] = 17;

  it('fills every column of a row the way decodeFrame reads the frame', function () {
    const t = decodeBatch([good4, good6], LinkType.RAW);
    expect(t.length).to.equal(2);
    for (let i = 0; i < 2; i++) {
      const p = decodeFrame([good4, good6][i]!, LinkType.RAW);
      expect(t.status[i]).to.equal(0);
      expect(t.error(i)).to.equal(undefined);
      expect(t.ipVersion[i]).to.equal(p.ip.version);
      expect([
        t.srcPort[i],
        t.dstPort[i],
        t.seq[i],
        t.ack[i],
        t.flags[i],
        t.window[i],
        t.headerLength[i],
        t.checksum[i],
        t.urgentPointer[i],
      ]).to.deep.equal([
        p.tcp.srcPort,
        p.tcp.dstPort,
        p.tcp.seq,
        p.tcp.ack,
        p.tcp.flags,
        p.tcp.window,
        p.tcp.headerLength,
        p.tcp.checksum,
        p.tcp.urgentPointer,
      ]);
      expect([t.payloadOffset[i], t.capturedPayloadLength[i], t.payloadLength[i]]).to.deep.equal([
        p.offsets.payload,
        p.payload.length,
        p.payloadLength,
      ]);
      expect(t.srcAddress(i)).to.equal(p.ip.src);
      expect(t.dstAddress(i)).to.equal(p.ip.dst);
      expect(Array.from(t.payload(i))).to.deep.equal(Array.from(p.payload));
    }
    expect(t.optionMask[0]).to.equal(OptionBit.TIMESTAMP);
    expect([t.tsValue[0], t.tsEcho[0]]).to.deep.equal([1000, 2000]);
    expect(t.optionMask[1]).to.equal(OptionBit.MSS | OptionBit.WINDOW_SCALE | OptionBit.SACK);
    expect([t.mss[1], t.windowScale[1]]).to.deep.equal([1220, 8]);
    expect(t.srcAddress(1)).to.equal(V6.src);
  });

  it('reports checksum states and per-row errors without throwing', function () {
    const t = decodeBatch([good4, bad, udp, good4.subarray(0, 30), new Uint8Array(0)], LinkType.RAW);
    expect(Array.from(t.checksumState.subarray(0, 2))).to.deep.equal([ChecksumState.GOOD, ChecksumState.BAD]);
    expect([t.error(2), t.error(3), t.error(4)]).to.deep.equal(['NOT_TCP', 'TRUNCATED', 'TRUNCATED']);
    // Failed rows are zeroed, not left with a neighbour's values.
    expect([t.seq[2], t.srcPort[3], t.capturedPayloadLength[4]]).to.deep.equal([0, 0, 0]);
    expect(() => t.srcAddress(2)).to.throw(/did not decode/);
    const unchecked = decodeBatch([good4, bad], LinkType.RAW, { verifyChecksums: false });
    expect(Array.from(unchecked.checksumState)).to.deep.equal([ChecksumState.UNCHECKED, ChecksumState.UNCHECKED]);
    const cut = decodeBatch([good4.subarray(0, good4.length - 3)], LinkType.RAW);
    expect(cut.checksumState[0]).to.equal(ChecksumState.UNVERIFIABLE);
  });

  it('takes frames packed in one buffer, with a link type per frame', function () {
    const frames = [ethernet(good4, 0x0800), good6, ethernet(good6, 0x86dd)];
    const data = concat(new Uint8Array(5), ...frames);
    const offsets = [5, 5 + frames[0]!.length, 5 + frames[0]!.length + frames[1]!.length];
    const t = decodeBatch({ data, offsets, lengths: frames.map((f) => f.length) }, [
      LinkType.ETHERNET,
      LinkType.RAW,
      LinkType.ETHERNET,
    ]);
    expect(Array.from(t.status)).to.deep.equal([0, 0, 0]);
    expect(Array.from(t.ipVersion)).to.deep.equal([4, 6, 6]);
    // Ethernet + IPv4 + TCP with timestamps; IPv6 + TCP with MSS, window scale and one SACK block.
    expect(Array.from(t.payloadOffset)).to.deep.equal([14 + 20 + 32, 40 + 40, 14 + 40 + 40]);
    expect(t.frame(1)).to.deep.equal(good6);
    expect(Array.from(t.payload(2))).to.deep.equal(new Array(10).fill(0x62));
  });

  it('bounds IP lengths by originalLengths like decodeFrame does', function () {
    const long = ipv4Packet(SAMPLE_TCP, new Uint8Array(100));
    const cut = long.subarray(0, long.length - 40);
    const t = decodeBatch([cut, cut], LinkType.RAW, { originalLengths: [cut.length, long.length] });
    expect(Array.from(t.payloadLength)).to.deep.equal([60, 100]);
    expect(Array.from(t.checksumState)).to.deep.equal([ChecksumState.UNVERIFIABLE, ChecksumState.UNVERIFIABLE]);
  });

  it('splits large batches into WASM-sized chunks, by rows and by bytes', function () {
    const frames = Array.from({ length: 10000 }, (_, i) =>
      ipv4Packet({ ...SAMPLE_TCP, seq: i, flags: TcpFlags.ACK }, new Uint8Array(i % 3 === 0 ? 1400 : 0)),
    );
    const t = decodeBatch(frames, LinkType.RAW);
    expect(t.length).to.equal(10000);
    expect(Array.from(t.seq).every((s, i) => s === i)).to.equal(true);
    expect(Array.from(t.checksumState).every((s) => s === ChecksumState.GOOD)).to.equal(true);
    // 8 MiB of input per WASM call: 200 frames of 64 KiB cross that limit several times.
    const big = Array.from({ length: 200 }, (_, i) =>
      ipv6Packet({ ...SAMPLE_TCP, seq: i }, new Uint8Array(65000).fill(i & 0xff)),
    );
    const tb = decodeBatch(big, LinkType.RAW);
    expect(Array.from(tb.seq).every((s, i) => s === i)).to.equal(true);
    expect(Array.from(tb.checksumState).every((s) => s === ChecksumState.GOOD)).to.equal(true);
    expect(tb.payload(199)[0]).to.equal(199);
  });

  /** Every column of a table as plain arrays, to compare two tables row for row. */
  const columnsOf = (t: object) =>
    Object.fromEntries(
      Object.entries(t)
        .filter(([, v]) => ArrayBuffer.isView(v))
        .map(([k, v]) => [k, Array.from(v as Uint8Array)]),
    );

  it('fills a table passed as `into` again, row for row as a new table, when the row count matches', function () {
    const first = decodeBatch([good4, good6], LinkType.RAW);
    const other = ipv4Packet({ ...SAMPLE_TCP, seq: 77, flags: TcpFlags.ACK }, new Uint8Array(3).fill(0x7a));
    // Row 0 turns from a decoded IPv4 segment into a non-TCP frame: no value of the old row may survive.
    const frames = [udp, other];
    const again = decodeBatch(frames, LinkType.RAW, { into: first });
    expect(again).to.equal(first);
    expect(columnsOf(again)).to.deep.equal(columnsOf(decodeBatch(frames, LinkType.RAW)));
    expect(again.error(0)).to.equal('NOT_TCP');
    expect(again.seq[1]).to.equal(77);
    // frame() and payload() are views of the new batch's frames.
    expect(again.frame(1)).to.equal(other);
    expect(Array.from(again.payload(1))).to.deep.equal([0x7a, 0x7a, 0x7a]);
    expect(again.srcAddress(1)).to.equal(decodeFrame(other, LinkType.RAW).ip.src);
  });

  it('makes a new table when `into` has another row count, and reuses one across WASM chunks', function () {
    const small = decodeBatch([good4], LinkType.RAW);
    const t = decodeBatch([good4, good6], LinkType.RAW, { into: small });
    expect(t).to.not.equal(small);
    expect([t.length, small.length, small.ipVersion[0]]).to.deep.equal([2, 1, 4]);
    // More rows than one WASM call takes: the reused table is filled chunk by chunk.
    const batch = (base: number) =>
      Array.from({ length: 5000 }, (_, i) => ipv4Packet({ ...SAMPLE_TCP, seq: base + i, flags: TcpFlags.ACK }));
    const big = decodeBatch(batch(0), LinkType.RAW);
    const next = batch(1_000_000);
    const refilled = decodeBatch(next, LinkType.RAW, { into: big });
    expect(refilled).to.equal(big);
    expect(columnsOf(refilled)).to.deep.equal(columnsOf(decodeBatch(next, LinkType.RAW)));
    expect(refilled.seq[4999]).to.equal(1_004_999);
  });

  it('an empty batch is an empty table', function () {
    expect(decodeBatch([], LinkType.RAW).length).to.equal(0);
  });

  it('rejects inputs that do not describe frames', function () {
    expect(() => decodeBatch([good4], [1, 1])).to.throw(RangeError);
    expect(() => decodeBatch({ data: good4, offsets: [0, 1], lengths: [1] }, LinkType.RAW)).to.throw(RangeError);
    expect(() => decodeBatch({ data: good4, offsets: [10], lengths: [good4.length] }, LinkType.RAW)).to.throw(
      RangeError,
    );
    expect(() => decodeBatch([good4, 'x' as unknown as Uint8Array], LinkType.RAW)).to.throw(TypeError);
    expect(() => decodeBatch([good4], 70000)).to.throw(TypeError);
    expect(() => decodeBatch([good4], LinkType.RAW, { originalLengths: [] })).to.throw(RangeError);
  });
});
