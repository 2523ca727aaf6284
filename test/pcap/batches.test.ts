// RecordBatch readers (parseCaptureBatches, readCaptureBatches, CaptureParser.drainBatches):
// the same records, timestamps and faults as the one-object-per-record readers, and batches
// that decodeBatch takes as they are.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CaptureParser,
  DecodeError,
  RecordBatch,
  decodeBatch,
  parseCapture,
  parseCaptureBatches,
  readCaptureBatches,
  type CaptureRecord,
} from '../../src/index.js';
import { CORPUS_DIR, corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import {
  MAGIC_US,
  buildPcap,
  concatBytes,
  ngEpb,
  ngIdb,
  ngShb,
  tsoffsetOption,
  tsresolOption,
} from '../helpers/capture-bytes.js';
import { Random } from '../helpers/random.js';

interface Outcome {
  records: CaptureRecord[];
  batches: RecordBatch[];
  error: unknown;
}

function collect(batches: Iterable<RecordBatch>): Outcome {
  const out: Outcome = { records: [], batches: [], error: undefined };
  try {
    for (const b of batches) {
      out.batches.push(b);
      for (let i = 0; i < b.count; i++) out.records.push(b.record(i));
    }
  } catch (error) {
    out.error = error;
  }
  return out;
}

function objects(bytes: Uint8Array): { records: CaptureRecord[]; error: unknown } {
  const records: CaptureRecord[] = [];
  try {
    for (const r of parseCapture(bytes)) records.push(r);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

/** CaptureParser fed in chunks, drained as batches after each; end() at the end. */
function* chunked(chunks: Uint8Array[], maxRecords: number): Generator<RecordBatch> {
  const parser = new CaptureParser();
  for (const chunk of chunks) {
    parser.push(chunk);
    yield* parser.drainBatches(maxRecords);
  }
  parser.end();
}

function randomChunks(bytes: Uint8Array, random: Random, maxChunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + random.below(maxChunk);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

/** Chunks of 1 KiB..64 KiB: big enough next to a record that straddling records get bridged. */
function largeChunks(bytes: Uint8Array, random: Random): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1024 + random.below(64 * 1024);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

function expectSameRecords(actual: CaptureRecord[], expected: CaptureRecord[], where: string): void {
  expect(actual.length, `${where}: record count`).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    expect({ ...a, data: undefined }, `${where}: record ${i}`).to.deep.equal({ ...e, data: undefined });
    expect(Buffer.compare(a.data, e.data), `${where}: record ${i} data`).to.equal(0);
  }
}

function expectSameError(actual: unknown, expected: unknown, where: string): void {
  if (expected === undefined) {
    expect(actual, where).to.equal(undefined);
    return;
  }
  expect(actual, where).to.be.instanceOf(DecodeError);
  const a = actual as DecodeError;
  const e = expected as DecodeError;
  expect([a.code, a.offset, a.message], where).to.deep.equal([e.code, e.offset, e.message]);
}

/** Every batch's columns agree with its own records, and timestamps split into floor seconds + ns. */
function expectConsistentColumns(batches: RecordBatch[], maxRecords: number): void {
  let next = 1;
  for (const b of batches) {
    expect(b.count).to.be.within(1, maxRecords);
    expect(b.firstIndex).to.equal(next);
    next += b.count;
    for (const column of [b.offsets, b.lengths, b.originalLengths, b.linkTypes, b.seconds, b.nanoseconds]) {
      expect(column.length).to.equal(b.count);
    }
    for (let i = 0; i < b.count; i++) {
      expect(b.nanoseconds[i]).to.be.below(1e9);
      expect(BigInt(b.seconds[i]!) * 1_000_000_000n + BigInt(b.nanoseconds[i]!)).to.equal(b.timestampNs(i));
      expect(b.offsets[i]! + b.lengths[i]!).to.be.at.most(b.data.length);
    }
  }
}

describe('record batches', function () {
  let tempDir = '';
  before(function () {
    tempDir = mkdtempSync(join(tmpdir(), 'tcpwasm-batches-test-'));
  });
  after(function () {
    rmSync(tempDir, { recursive: true, force: true });
  });

  for (const file of corpusCaptures()) {
    it(`${file}: parseCaptureBatches and readCaptureBatches give parseCapture's records`, async function () {
      const bytes = readCorpusFile(file);
      const expected = objects(bytes);
      for (const max of bytes.length > 200_000 ? [4096, 7] : [4096, 7, 1]) {
        const got = collect(parseCaptureBatches(bytes, max));
        expectSameRecords(got.records, expected.records, `${file}, batches of ${max}`);
        expectSameError(got.error, expected.error, `${file}, batches of ${max}`);
        expectConsistentColumns(got.batches, max);
      }
      const streamed: CaptureRecord[] = [];
      for await (const b of readCaptureBatches(join(CORPUS_DIR, file), 100)) {
        for (let i = 0; i < b.count; i++) streamed.push(b.record(i));
      }
      if (expected.error === undefined) expectSameRecords(streamed, expected.records, `${file}, readCaptureBatches`);
    });
  }

  it('a batch goes to decodeBatch as is, with the same rows as decoding the record objects', function () {
    const bytes = readCorpusFile('zeek-http-206-sack.pcap');
    const records = objects(bytes).records;
    const [batch] = parseCaptureBatches(bytes, 4096);
    expect(batch!.count).to.equal(Math.min(4096, records.length));
    const fromBatch = decodeBatch(batch!, batch!.linkTypes, { originalLengths: batch!.originalLengths });
    const slice = records.slice(0, batch!.count);
    const fromObjects = decodeBatch(
      slice.map((r) => r.data),
      slice.map((r) => r.linkType),
      { originalLengths: slice.map((r) => r.originalLength) },
    );
    for (const column of [
      'status',
      'checksumState',
      'seq',
      'ack',
      'srcPort',
      'capturedPayloadLength',
      'payloadOffset',
    ] as const) {
      expect(Array.from(fromBatch[column]), column).to.deep.equal(Array.from(fromObjects[column]));
    }
    expect(fromBatch.srcAddress(3)).to.equal(fromObjects.srcAddress(3));
  });

  it('chunked input: batches never straddle chunks and hold exactly the records drain() would give', function () {
    const bytes = readCorpusFile('edge/zeek-tcp-options.pcap');
    const expected = objects(bytes);
    const random = new Random(0x5eed_0b01);
    for (const maxChunk of [1, 17, 300, 5000]) {
      const got = collect(chunked(randomChunks(bytes, random, maxChunk), 3));
      expectSameRecords(got.records, expected.records, `chunks up to ${maxChunk} B`);
      expect(got.error).to.equal(undefined);
      expectConsistentColumns(got.batches, 3);
    }
  });

  it('large chunks (a record bridging two chunks is copied alone): drain and drainBatches equal parseCapture, faults too', function () {
    const random = new Random(0x5eed_0b02);
    for (const file of corpusCaptures()) {
      let bytes: Uint8Array = readCorpusFile(file);
      if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
      for (const cut of [bytes.length, 24 + random.below(Math.max(1, bytes.length - 24))]) {
        const prefix = bytes.subarray(0, cut);
        const expected = objects(prefix);
        const chunks = largeChunks(prefix, random);
        const viaBatches = collect(chunked(chunks, 1000));
        expectSameRecords(viaBatches.records, expected.records, `${file} cut at ${cut}, batches`);
        expectSameError(viaBatches.error, expected.error, `${file} cut at ${cut}, batches`);
        const viaDrain: CaptureRecord[] = [];
        let error: unknown;
        try {
          const parser = new CaptureParser();
          for (const chunk of chunks) {
            parser.push(chunk);
            for (const r of parser.drain()) viaDrain.push(r);
          }
          parser.end();
        } catch (e) {
          error = e;
        }
        expectSameRecords(viaDrain, expected.records, `${file} cut at ${cut}, drain`);
        expectSameError(error, expected.error, `${file} cut at ${cut}, drain`);
      }
    }
  });

  it('two pushes without a drain between them (one may leave a bridge) lose nothing', function () {
    const bytes = readCorpusFile('zeek-http-206-sack.pcap');
    const expected = objects(bytes).records;
    const random = new Random(0x5eed_0b03);
    const chunks = largeChunks(bytes, random);
    const parser = new CaptureParser();
    const got: CaptureRecord[] = [];
    chunks.forEach((chunk, i) => {
      parser.push(chunk);
      if (i % 2 === 1) for (const r of parser.drain()) got.push(r);
    });
    for (const r of parser.drain()) got.push(r);
    parser.end();
    expectSameRecords(got, expected, 'pairs of pushes');
  });

  it('a truncated or corrupt capture: the records before the fault in a last batch, then the same DecodeError', function () {
    const full = readCorpusFile('edge/zeek-tcp-options.pcap');
    for (let length = 0; length <= full.length; length += 13) {
      const prefix = full.subarray(0, length);
      const expected = objects(prefix);
      for (const max of [4096, 2]) {
        const got = collect(chunked([prefix], max));
        expectSameRecords(got.records, expected.records, `prefix ${length}, batches of ${max}`);
        expectSameError(got.error, expected.error, `prefix ${length}, batches of ${max}`);
      }
    }
    // A corrupt length in the middle of a file.
    const records = [0, 1, 2].map((i) => ({
      seconds: 1_700_000_000 + i,
      fraction: i,
      data: new Uint8Array(60).fill(i),
    }));
    const corrupt = buildPcap({
      magic: MAGIC_US,
      little: true,
      network: 1,
      records: [...records, { ...records[0]!, inclLength: 0x7fffffff }],
    });
    const expected = objects(corrupt);
    const got = collect(parseCaptureBatches(corrupt, 2));
    expect(got.batches.map((b) => b.count)).to.deep.equal([2, 1]);
    expectSameRecords(got.records, expected.records, 'corrupt length');
    expectSameError(got.error, expected.error, 'corrupt length');
    expect((got.error as DecodeError).code).to.equal('BAD_CAPTURE');
  });

  it('timestamps: negative pcapng times split into floor seconds, and an overlong microsecond fraction carries', function () {
    const LE = true;
    const data = new Uint8Array(40).fill(9);
    // Interface with 2^-10 s units and a -2 s offset: the first packets fall before the epoch.
    const ng = concatBytes(
      ngShb(LE),
      ngIdb(LE, 101, 0, [tsresolOption(0x80 | 10, LE), tsoffsetOption(-2n, LE)]),
      ngEpb(LE, 0, 1n, data),
      ngEpb(LE, 0, 1024n + 512n, data),
      ngEpb(LE, 0, 5000n, data),
    );
    const pcap = buildPcap({
      magic: MAGIC_US,
      little: true,
      network: 1,
      records: [
        { seconds: 10, fraction: 999_999, data },
        { seconds: 10, fraction: 2_500_000, data },
      ],
    });
    for (const bytes of [ng, pcap]) {
      const expected = objects(bytes);
      const got = collect(parseCaptureBatches(bytes));
      expectSameRecords(got.records, expected.records, 'timestamps');
      expectConsistentColumns(got.batches, 4096);
    }
    const [first] = parseCaptureBatches(ng);
    expect(first!.timestampNs(0)).to.equal(-2_000_000_000n + 976_562n); // 2^-10 s = 976562.5 ns, floored
    expect([first!.seconds[0], first!.nanoseconds[0]]).to.deep.equal([-2, 976_562]);
    const [second] = parseCaptureBatches(pcap);
    expect(second!.timestampNs(1)).to.equal(12_500_000_000n);
  });

  it('rejects a bad batch size and out-of-range record indexes', function () {
    const bytes = readCorpusFile('edge/zeek-tcp-options.pcap');
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => parseCaptureBatches(bytes, bad), String(bad)).to.throw(RangeError);
      expect(() => readCaptureBatches(join(CORPUS_DIR, 'edge/zeek-tcp-options.pcap'), bad), String(bad)).to.throw(
        RangeError,
      );
      expect(() => [...new CaptureParser().drainBatches(bad)], String(bad)).to.throw(RangeError);
    }
    const [batch] = parseCaptureBatches(bytes);
    for (const bad of [-1, batch!.count, 0.5]) expect(() => batch!.record(bad), String(bad)).to.throw(RangeError);
  });

  it('readCaptureBatches streams a file written to disk', async function () {
    const bytes = readCorpusFile('zeek-http-206-sack.pcap');
    const path = join(tempDir, 'copy.pcap');
    writeFileSync(path, bytes);
    let count = 0;
    let largest = 0;
    for await (const b of readCaptureBatches(path, 50)) {
      count += b.count;
      largest = Math.max(largest, b.count);
    }
    expect(count).to.equal(objects(bytes).records.length);
    expect(largest).to.equal(50);
  });
});
