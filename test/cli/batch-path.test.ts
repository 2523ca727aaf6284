// The decode command formats from SegmentTable columns; the per-frame formatters (formatLine,
// toJson over decodeFrame) are the reference. Both paths must print the same bytes for every
// corpus capture, and for generated segments with every shape of option list.

import { expect } from 'chai';
import { DecodeError } from '../../src/wire/errors.js';
import { parseCapture, parseCaptureBatches, type CaptureRecord } from '../../src/pcap/index.js';
import { decodeFrame } from '../../src/wire/decode.js';
import { internetChecksum, pseudoHeaderSum } from '../../src/wire/checksum.js';
import { LinkType } from '../../src/wire/constants.js';
import {
  CHUNK_BYTES,
  CHUNK_RECORDS,
  ChunkPacker,
  fromMessage,
  recordAt,
  toMessage,
  type FrameColumns,
  type RecordChunk,
} from '../../src/cli/chunk.js';
import { formatLine, formatTime, toJson } from '../../src/cli/format.js';
import { ChunkProcessor, type OutputFormat } from '../../src/cli/process-chunk.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { Random } from '../helpers/random.js';
import { columnsOf, sliceRows } from './columns.js';

const NOT_TCP = new Set(['NOT_TCP', 'NOT_IP', 'FRAGMENT']);

/** The command's output as the per-frame path prints it: decodeFrame and formatLine / toJson. */
function perFrame(records: Iterable<CaptureRecord>, json: boolean): string {
  let out = '';
  for (const record of records) {
    try {
      const packet = decodeFrame(record.data, record.linkType, record.originalLength);
      out += `${json ? JSON.stringify(toJson(record, packet)) : formatLine(record, packet)}\n`;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      if (NOT_TCP.has(error.code)) continue;
      out += json
        ? `${JSON.stringify({ frame: record.index, timestampNs: record.timestampNs.toString(), error: { code: error.code, message: error.message } })}\n`
        : `${formatTime(record.timestampNs)} frame ${record.index}: ${error.code}: ${error.message}\n`;
    }
  }
  return out;
}

/** The batches packed into chunks as the command does for workers, each through a worker message. */
function chunksOf(batches: Iterable<FrameColumns>): RecordChunk[] {
  const packer = new ChunkPacker();
  const chunks: RecordChunk[] = [];
  for (const batch of batches) chunks.push(...packer.add(batch));
  const last = packer.flush();
  if (last) chunks.push(last);
  // A chunk's buffers are transferred to a worker: the worker sees only what the message carries.
  return chunks.map((c) => fromMessage(structuredClone(toMessage(c))));
}

/** The command's output for the rows, decoded batch by batch. */
function batched(batches: Iterable<FrameColumns>, format: OutputFormat): string {
  const processor = new ChunkProcessor({ format, stats: false });
  let out = '';
  for (const rows of batches) out += Buffer.from(processor.process(rows).bytes).toString();
  return out;
}

/** The rows cut into batches of seeded random sizes (1 to 600 rows). */
function cut(rows: FrameColumns, seed: number): FrameColumns[] {
  const rng = new Random(seed);
  const parts: FrameColumns[] = [];
  for (let from = 0; from < rows.count;) {
    const to = Math.min(rows.count, from + 1 + rng.below(600));
    parts.push(sliceRows(rows, from, to));
    from = to;
  }
  return parts;
}

describe('decode command: batch path == per-frame path', function () {
  for (const rel of corpusCaptures()) {
    it(`${rel}: text and JSON output identical, from the parser's batches and from worker chunks`, function () {
      const bytes = readCorpusFile(rel);
      const records = [...parseCapture(bytes)];
      const textReference = perFrame(records, false);
      const jsonReference = perFrame(records, true);
      expect(textReference.length, 'the capture prints something').to.be.greaterThan(0);
      const batches = [...parseCaptureBatches(bytes, 1000)];
      expect(batched(batches, 'text')).to.equal(textReference);
      expect(batched(batches, 'json')).to.equal(jsonReference);
      const chunks = chunksOf(batches);
      expect(batched(chunks, 'text')).to.equal(textReference);
      expect(batched(chunks, 'json')).to.equal(jsonReference);
    });
  }

  it('the echo capture spans several chunks and batches (so their boundaries are covered above)', function () {
    const batches = [...parseCaptureBatches(readCorpusFile('zeek-echo-connections.pcap.gz'), 1000)];
    expect(batches.length).to.be.greaterThan(10);
    expect(chunksOf(batches).length).to.be.greaterThan(3);
  });

  describe('ChunkPacker', function () {
    function frames(sizes: number[]): CaptureRecord[] {
      return sizes.map((size, k) => {
        const data = new Uint8Array(size).fill(k & 0xff);
        return {
          index: k + 1,
          linkType: LinkType.RAW,
          timestampNs: BigInt(k) * 1_000_000_007n - 3_000_000_000n,
          capturedLength: size,
          originalLength: size + (k % 3),
          data,
        };
      });
    }

    it('keeps every row (bytes and columns) across chunk boundaries, within the slot and byte limits', function () {
      const rng = new Random(0x5eed);
      const records = frames(Array.from({ length: 9000 }, () => 40 + rng.below(1500)));
      const chunks = chunksOf(cut(columnsOf(records), 0xc0ffee));
      expect(chunks.length).to.be.greaterThan(5);
      let next = 1;
      chunks.forEach((chunk, c) => {
        expect(chunk.sequence).to.equal(c);
        expect(chunk.firstIndex).to.equal(next);
        expect(chunk.count).to.be.within(1, CHUNK_RECORDS);
        expect(chunk.offsets[chunk.count - 1]! + chunk.lengths[chunk.count - 1]!).to.be.at.most(CHUNK_BYTES);
        for (let i = 0; i < chunk.count; i++) {
          const want = records[next - 1 + i]!;
          const got = recordAt(chunk, i);
          expect(got.index).to.equal(want.index);
          expect(got.timestampNs).to.equal(want.timestampNs);
          expect(got.originalLength).to.equal(want.originalLength);
          expect(Buffer.from(got.data).equals(want.data)).to.equal(true);
        }
        next += chunk.count;
      });
      expect(next).to.equal(records.length + 1);
    });

    it('gives a frame larger than a chunk a chunk of its own', function () {
      const records = frames([100, CHUNK_BYTES + 5, 200]);
      const chunks = chunksOf([columnsOf(records)]);
      expect(chunks.map((c) => c.count)).to.deep.equal([1, 1, 1]);
      expect(chunks[1]!.lengths[0]).to.equal(CHUNK_BYTES + 5);
      expect(recordAt(chunks[1]!, 0).data[CHUNK_BYTES + 4]).to.equal(1);
    });

    it('reuses a recycled chunk and fills it with the new rows only', function () {
      const packer = new ChunkPacker();
      const first = packer.add(columnsOf(frames(Array.from({ length: CHUNK_RECORDS }, () => 60))));
      expect(first).to.have.length(1);
      packer.recycle(first[0]!);
      const rows = columnsOf(frames([70, 80]));
      expect(packer.add(rows)).to.have.length(0);
      const last = packer.flush()!;
      expect(last).to.equal(first[0]);
      expect(last.count).to.equal(2);
      expect(last.sequence).to.equal(1);
      expect(recordAt(last, 1).data.length).to.equal(80);
    });
  });

  describe('generated option lists (duplicates, malformed known kinds, unknown kinds, EOL padding)', function () {
    const SRC = '192.0.2.1';
    const DST = '192.0.2.2';

    function option(rng: Random): number[] {
      switch (rng.below(12)) {
        case 0:
          return [1];
        case 1:
          return [2, 4, rng.below(256), rng.below(256)];
        case 2:
          return [2, 3, rng.below(256)]; // MSS with the wrong length: kept raw
        case 3:
          return [3, 3, rng.below(20)];
        case 4:
          return [4, 2];
        case 5: {
          const blocks = 1 + rng.below(4);
          return [5, 2 + 8 * blocks, ...rng.bytes(8 * blocks)];
        }
        case 6:
          return [5, 6, ...rng.bytes(4)]; // SACK of half a block: raw
        case 7:
          return [8, 10, ...rng.bytes(8)];
        case 8:
          return [8, 6, ...rng.bytes(4)]; // timestamp too short: raw
        case 9: {
          const kind = [6, 7, 19, 27, 28, 29, 30, 34, 200, 253, 254][rng.below(11)]!;
          const length = 2 + rng.below(7);
          return [kind, length, ...rng.bytes(length - 2)];
        }
        case 10:
          return [0];
        default:
          return [3, 4, 1, 2]; // window scale of the wrong length
      }
    }

    /** A raw IPv4 TCP segment with a correct checksum and the given option bytes. */
    function segment(rng: Random, options: number[]): Uint8Array {
      const payload = rng.bytes(rng.below(3) === 0 ? 0 : rng.below(40));
      const tcpLength = 20 + options.length + payload.length;
      const frame = new Uint8Array(20 + tcpLength);
      const dv = new DataView(frame.buffer);
      frame[0] = 0x45;
      dv.setUint16(2, frame.length);
      frame[8] = 64;
      frame[9] = 6;
      frame.set([192, 0, 2, 1, 192, 0, 2, 2], 12);
      dv.setUint16(10, 0);
      let sum = 0;
      for (let k = 0; k < 20; k += 2) sum += dv.getUint16(k);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      dv.setUint16(10, ~sum & 0xffff);
      const t = 20;
      dv.setUint16(t, 1024 + rng.below(60000));
      dv.setUint16(t + 2, 80);
      dv.setUint32(t + 4, rng.u32());
      dv.setUint32(t + 8, rng.u32());
      dv.setUint16(t + 12, (((20 + options.length) / 4) << 12) | (rng.u32() & 0x1ff));
      dv.setUint16(t + 14, rng.below(65536));
      dv.setUint16(t + 18, rng.below(65536));
      frame.set(options, t + 20);
      frame.set(payload, t + 20 + options.length);
      dv.setUint16(t + 16, internetChecksum(frame.subarray(t), pseudoHeaderSum(SRC, DST, 6, tcpLength)));
      return frame;
    }

    it('2,000 seeded segments print the same through both paths', function () {
      const rng = new Random(0x7c9a11);
      const records: CaptureRecord[] = [];
      for (let n = 0; n < 2000; n++) {
        const options: number[] = [];
        const wanted = rng.below(6);
        for (let k = 0; k < wanted; k++) {
          const next = option(rng);
          if (options.length + next.length > 40) break;
          options.push(...next);
        }
        while (options.length % 4 !== 0) options.push(rng.below(2) === 0 ? 1 : 0);
        const data = segment(rng, options);
        // Now and then a timestamp from an edge of the text path: before 1970, the epoch itself,
        // the last exact microsecond range (high word near 2e9), and the largest 64-bit count.
        const edge = [
          -1_500_000_000_000_000_001n,
          0n,
          999n,
          (2_000_000_000n << 32n) - 1n,
          2_000_000_000n << 32n,
          (1n << 63n) - 1n,
        ];
        const timestampNs =
          n % 97 === 0 ? edge[(n / 97) % edge.length]! : 1_700_000_000_123_456_789n + BigInt(n) * 1_000_001n;
        records.push({
          index: n + 1,
          linkType: LinkType.RAW,
          timestampNs,
          capturedLength: data.length,
          originalLength: data.length,
          data,
        });
      }
      const reference = perFrame(records, false);
      const lines = reference.trim().split('\n');
      // Preconditions that make the comparison meaningful: most rows decode with a good checksum
      // and carry options, raw ones included.
      expect(lines.filter((l) => l.endsWith('(correct)')).length).to.be.greaterThan(1500);
      expect(
        lines.filter((l) => /opt-|\b(md5|uto|mptcp|tfo|exp|quick-start|tcp-ao) /.test(l)).length,
      ).to.be.greaterThan(300);
      expect(lines.filter((l) => /\bsack \d/.test(l)).length).to.be.greaterThan(100);
      expect(lines.some((l) => l.startsWith('00:00:00.000000 '))).to.equal(true);
      const rows = columnsOf(records);
      expect(batched([rows], 'text')).to.equal(reference);
      expect(batched(cut(rows, 0x51ce), 'text')).to.equal(reference);
      expect(batched(chunksOf(cut(rows, 0x51ce)), 'text')).to.equal(reference);
    });
  });
});
