// parseCapture / readCapture / CaptureParser: corpus files, hand-built pcap and pcapng bytes,
// writer round trips, and faults (truncation, corrupt lengths, bad blocks).

import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import {
  CaptureParser,
  DecodeError,
  PcapWriter,
  parseCapture,
  readCapture,
  writePcap,
  writePcapng,
  type CaptureRecord,
  type DecodeErrorCode,
  type WritableRecord,
} from '../../src/index.js';
import { MAX_RECORD_BYTES } from '../../src/pcap/parser.js';
import { CORPUS_DIR, corpusCaptures, readCorpusFile, readTruth } from '../helpers/corpus.js';
import { Random } from '../helpers/random.js';
import {
  MAGIC_KUZNETSOV,
  MAGIC_NS,
  MAGIC_US,
  buildPcap,
  concatBytes,
  ngBlock,
  ngEpb,
  ngIdb,
  ngOption,
  ngPb,
  ngShb,
  ngSpb,
  tsoffsetOption,
  tsresolOption,
  walkPcap,
  walkPcapng,
  walkedTimestampNs,
  type RawPcapRecord,
} from '../helpers/capture-bytes.js';

// ---------------------------------------------------------------------------------------------
// helpers

interface Outcome {
  records: CaptureRecord[];
  error: unknown;
}

function parseAll(bytes: Uint8Array): Outcome {
  const records: CaptureRecord[] = [];
  try {
    for (const r of parseCapture(bytes)) records.push(r);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

async function readAll(path: string): Promise<Outcome> {
  const records: CaptureRecord[] = [];
  try {
    for await (const r of readCapture(path)) records.push(r);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

/** Feeds chunks to a CaptureParser, draining after each; calls end() unless told not to. */
function feed(chunks: Iterable<Uint8Array>, callEnd = true): Outcome {
  const parser = new CaptureParser();
  const records: CaptureRecord[] = [];
  try {
    for (const chunk of chunks) {
      parser.push(chunk);
      for (const r of parser.drain()) records.push(r);
    }
    if (callEnd) parser.end();
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

function* bytewise(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

/** Splits bytes at seeded random points (chunks of 1..maxChunk bytes, copied). */
function randomChunks(bytes: Uint8Array, random: Random, maxChunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + random.below(maxChunk);
    out.push(Uint8Array.from(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

function ok(outcome: Outcome): CaptureRecord[] {
  if (outcome.error !== undefined) throw outcome.error;
  return outcome.records;
}

function expectDecodeError(error: unknown, code: DecodeErrorCode, offset?: number): void {
  expect(error, 'expected a DecodeError').to.be.instanceOf(DecodeError);
  const e = error as DecodeError;
  expect(e.code, e.message).to.equal(code);
  if (offset !== undefined) expect(e.offset, `offset of: ${e.message}`).to.equal(offset);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** Field-by-field differences between two record lists (at most 10 reported). */
function recordDiffs(actual: readonly CaptureRecord[], expected: readonly CaptureRecord[]): string[] {
  const diffs: string[] = [];
  if (actual.length !== expected.length) diffs.push(`record count ${actual.length} != expected ${expected.length}`);
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n && diffs.length < 10; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    for (const key of ['index', 'linkType', 'timestampNs', 'capturedLength', 'originalLength'] as const) {
      if (a[key] !== e[key]) diffs.push(`record ${i}: ${key} ${String(a[key])} != expected ${String(e[key])}`);
    }
    if (!bytesEqual(a.data, e.data))
      diffs.push(`record ${i}: data differs (${a.data.length} vs ${e.data.length} bytes)`);
  }
  return diffs.slice(0, 10);
}

function expectRecords(actual: readonly CaptureRecord[], expected: readonly CaptureRecord[]): void {
  expect(recordDiffs(actual, expected)).to.deep.equal([]);
}

function rec(
  index: number,
  linkType: number,
  timestampNs: bigint,
  data: Uint8Array,
  originalLength = data.length,
  capturedLength = data.length,
): CaptureRecord {
  return { index, linkType, timestampNs, capturedLength, originalLength, data: data.subarray(0, capturedLength) };
}

/** The records a plain pcap holds, by an independent walk of its bytes. */
function walkedRecords(bytes: Uint8Array): CaptureRecord[] {
  const file = walkPcap(bytes);
  return file.records.map((r, i) =>
    rec(i + 1, file.network & 0xffff, walkedTimestampNs(file, r), r.data, r.originalLength),
  );
}

const NS = 1_000_000_000n;

let tempDir = '';
let tempCount = 0;

function tempFile(bytes: Uint8Array, suffix = '.pcap'): string {
  const path = join(tempDir, `capture-${tempCount++}${suffix}`);
  writeFileSync(path, bytes);
  return path;
}

before(function () {
  tempDir = mkdtempSync(join(tmpdir(), 'tcpwasm-parse-test-'));
});

after(function () {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('pcap/pcapng parsing', function () {
  describe('corpus files', function () {
    const files = corpusCaptures();

    it('the corpus has pcap, nanosecond pcap, pcapng and gzip captures', function () {
      expect(files).to.include.members([
        'edge/zeek-tcp-options.pcap',
        'edge/tcpdump-tcp-handshake-nano.pcap',
        'edge/zeek-tcp-retransmit-timeout.pcapng',
        'edge/zeek-trunc-ip-discarder-truncated-tcp-oob.pcapng',
        'zeek-echo-connections.pcap.gz',
      ]);
    });

    for (const file of files.filter((f) => !f.endsWith('.pcapng'))) {
      it(`${file}: parseCapture matches an independent walk of the pcap records`, function () {
        const raw = readCorpusFile(file);
        const plain = file.endsWith('.gz') ? gunzipSync(raw) : raw;
        const expected = walkedRecords(plain);
        expect(walkPcap(plain).incompleteAt, 'corpus file ends inside a record').to.equal(undefined);
        expect(expected.length).to.be.greaterThan(0);
        expectRecords(ok(parseAll(raw)), expected);
      });
    }

    for (const file of files) {
      it(`${file}: readCapture yields exactly the records parseCapture yields`, async function () {
        const expected = ok(parseAll(readCorpusFile(file)));
        const actual = ok(await readAll(join(CORPUS_DIR, file)));
        expectRecords(actual, expected);
      });
    }

    for (const file of files) {
      it(`${file}: frame lengths agree with the tshark truth table`, function () {
        const records = ok(parseAll(readCorpusFile(file)));
        const truth = readTruth(file);
        const diffs: string[] = [];
        for (const [frame, row] of truth) {
          const r = records[frame - 1];
          if (r === undefined) {
            diffs.push(`frame ${frame} missing (${records.length} records)`);
            continue;
          }
          if (r.index !== frame) diffs.push(`frame ${frame}: index ${r.index}`);
          if (r.originalLength !== Number(row['frame.len']))
            diffs.push(`frame ${frame}: frame.len ${row['frame.len']} != ${r.originalLength}`);
          if (r.capturedLength !== Number(row['frame.cap_len']))
            diffs.push(`frame ${frame}: cap_len ${row['frame.cap_len']} != ${r.capturedLength}`);
          if (r.data.length !== r.capturedLength)
            diffs.push(`frame ${frame}: data.length ${r.data.length} != capturedLength`);
        }
        expect(diffs.slice(0, 10)).to.deep.equal([]);
      });
    }

    it('edge/tcpdump-tcp-handshake-nano.pcap: nanosecond timestamps exactly as the record headers hold them', function () {
      const raw = readCorpusFile('edge/tcpdump-tcp-handshake-nano.pcap');
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      expect(view.getUint32(0, true)).to.equal(MAGIC_NS);
      const records = ok(parseAll(raw));
      expect(records).to.have.length(3);
      // Walk the record headers by hand: seconds, nanoseconds, incl_len, orig_len.
      let at = 24;
      for (const r of records) {
        const seconds = BigInt(view.getUint32(at, true));
        const nanos = BigInt(view.getUint32(at + 4, true));
        expect(nanos < NS, 'nanosecond field in range').to.equal(true);
        expect(r.timestampNs).to.equal(seconds * NS + nanos);
        expect(r.capturedLength).to.equal(view.getUint32(at + 8, true));
        expect(r.originalLength).to.equal(view.getUint32(at + 12, true));
        at += 16 + r.capturedLength;
      }
      expect(at).to.equal(raw.length);
      // The same instants tshark prints as frame.time_epoch: sub-microsecond digits survive.
      expect(records.map((r) => r.timestampNs)).to.deep.equal([
        1418145369924505488n,
        1418145370052027262n,
        1418145370052115157n,
      ]);
      expect(records.map((r) => r.linkType)).to.deep.equal([113, 113, 113]);
    });

    it('edge/tcpdump-heapoverflow-tcp_print.pcap: FCS flag bits in the link-type field are masked off', function () {
      const raw = readCorpusFile('edge/tcpdump-heapoverflow-tcp_print.pcap');
      const network = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(20, true);
      expect(network).to.equal(0x30000001);
      const records = ok(parseAll(raw));
      expect(records).to.have.length(1);
      expect(records[0]!.linkType).to.equal(1);
    });

    it('edge/zeek-tcp-retransmit-timeout.pcapng: EPB timestamps in default microseconds', function () {
      const raw = readCorpusFile('edge/zeek-tcp-retransmit-timeout.pcapng');
      const walk = walkPcapng(raw);
      expect(walk.incompleteAt).to.equal(undefined);
      expect(walk.packets).to.have.length(3);
      const records = ok(parseAll(raw));
      expectRecords(
        records,
        walk.packets.map((p, i) => rec(i + 1, p.linkType, p.units * 1000n, p.data, p.originalLength)),
      );
      expect(records.map((r) => r.linkType)).to.deep.equal([1, 1, 1]);
      // tshark's frame.time_epoch for the three frames.
      expect(records.map((r) => r.timestampNs)).to.deep.equal([
        629503200000030000n,
        629503200000040000n,
        629503500000040000n,
      ]);
      expect(records.map((r) => r.capturedLength)).to.deep.equal([72, 54, 72]);
    });

    it('edge/zeek-trunc-ip-discarder-truncated-tcp-oob.pcapng: a snap-truncated EPB keeps both lengths', function () {
      const raw = readCorpusFile('edge/zeek-trunc-ip-discarder-truncated-tcp-oob.pcapng');
      const records = ok(parseAll(raw));
      expect(records).to.have.length(1);
      const r = records[0]!;
      expect([r.index, r.linkType, r.timestampNs, r.capturedLength, r.originalLength]).to.deep.equal([
        1,
        1,
        1000n,
        34,
        54,
      ]);
      expect(bytesEqual(r.data, raw.subarray(0x4c, 0x4c + 34))).to.equal(true);
    });

    it('zeek-echo-connections.pcap.gz: every one of the 82582 records, counted three independent ways', async function () {
      const raw = readCorpusFile('zeek-echo-connections.pcap.gz');
      const walked = walkPcap(gunzipSync(raw));
      expect(walked.incompleteAt).to.equal(undefined);
      const truth = readTruth('zeek-echo-connections.pcap.gz');
      const maxFrame = Math.max(...truth.keys());
      // Every frame of this capture is TCP, so the truth table's last frame number is the count.
      expect(truth.size).to.equal(maxFrame);
      expect(maxFrame).to.equal(82582);
      expect(walked.records.length).to.equal(maxFrame);
      let parsed = 0;
      let misnumbered = 0;
      for (const r of parseCapture(raw)) if (r.index !== ++parsed) misnumbered++;
      expect(parsed).to.equal(maxFrame);
      expect(misnumbered).to.equal(0);
      let streamed = 0;
      misnumbered = 0;
      for await (const r of readCapture(join(CORPUS_DIR, 'zeek-echo-connections.pcap.gz')))
        if (r.index !== ++streamed) misnumbered++;
      expect(streamed).to.equal(maxFrame);
      expect(misnumbered).to.equal(0);
    });

    it('readCapture of a 6.8 MB plain pcap (records straddle read chunks) equals parseCapture', async function () {
      const plain = gunzipSync(readCorpusFile('zeek-echo-connections.pcap.gz'));
      expect(plain.length).to.be.greaterThan(4 << 20);
      const path = tempFile(plain);
      const expected = walkedRecords(plain);
      expectRecords(ok(parseAll(plain)), expected);
      expectRecords(ok(await readAll(path)), expected);
    });
  });

  describe('hand-built pcap', function () {
    const random = new Random(0x5eed_0001);

    function randomRecords(count: number, nanosecond: boolean): RawPcapRecord[] {
      const out: RawPcapRecord[] = [];
      for (let i = 0; i < count; i++) {
        const data = random.bytes(random.below(200));
        out.push({
          seconds: random.u32(),
          fraction: random.below(nanosecond ? 1_000_000_000 : 1_000_000),
          data,
          originalLength: data.length + (i % 3 === 0 ? random.below(1500) : 0),
        });
      }
      return out;
    }

    const variants = [
      { name: 'little-endian microsecond', magic: MAGIC_US, little: true, ns: false },
      { name: 'big-endian microsecond', magic: MAGIC_US, little: false, ns: false },
      { name: 'little-endian nanosecond', magic: MAGIC_NS, little: true, ns: true },
      { name: 'big-endian nanosecond', magic: MAGIC_NS, little: false, ns: true },
      {
        name: 'little-endian Kuznetsov modified (24-byte record headers)',
        magic: MAGIC_KUZNETSOV,
        little: true,
        ns: false,
      },
      {
        name: 'big-endian Kuznetsov modified (24-byte record headers)',
        magic: MAGIC_KUZNETSOV,
        little: false,
        ns: false,
      },
    ];

    for (const v of variants) {
      it(`${v.name}: every field of every record`, function () {
        const records = randomRecords(25, v.ns);
        records.push({ seconds: 0xffffffff, fraction: v.ns ? 999_999_999 : 999_999, data: Uint8Array.of(1, 2, 3) });
        records.push({ seconds: 0, fraction: 0, data: new Uint8Array(0), originalLength: 60 });
        const bytes = buildPcap({ magic: v.magic, little: v.little, network: 228, records });
        const expected = records.map((r, i) =>
          rec(i + 1, 228, BigInt(r.seconds) * NS + BigInt(r.fraction) * (v.ns ? 1n : 1000n), r.data, r.originalLength),
        );
        expectRecords(ok(parseAll(bytes)), expected);
        // Same records when the bytes arrive one at a time and in random chunks.
        expectRecords(ok(feed(bytewise(bytes))), expected);
        expectRecords(ok(feed(randomChunks(bytes, random, 64))), expected);
      });
    }

    it('Kuznetsov file: the extra 8 header bytes are not part of the packet', function () {
      const data = Uint8Array.of(0x45, 0, 0, 20);
      const bytes = buildPcap({
        magic: MAGIC_KUZNETSOV,
        little: true,
        network: 1,
        records: [
          { seconds: 1, fraction: 2, data },
          { seconds: 3, fraction: 4, data },
        ],
      });
      expect(bytes.length).to.equal(24 + 2 * (24 + 4));
      const records = ok(parseAll(bytes));
      expect(records.map((r) => [...r.data])).to.deep.equal([
        [0x45, 0, 0, 20],
        [0x45, 0, 0, 20],
      ]);
      expect(records.map((r) => r.timestampNs)).to.deep.equal([1_000_002_000n, 3_000_004_000n]);
    });

    for (const [network, expected] of [
      [0x30000001, 1],
      [0x10000069, 105],
      [0xf0000000 + 228, 228],
      [0x03ff0071, 113],
      [0xffffffff, 0xffff],
    ] as const) {
      it(`network field 0x${network.toString(16).padStart(8, '0')} reports link type ${expected} (low 16 bits)`, function () {
        for (const little of [true, false]) {
          const bytes = buildPcap({
            magic: MAGIC_US,
            little,
            network,
            records: [{ seconds: 1, fraction: 1, data: Uint8Array.of(9) }],
          });
          const records = ok(parseAll(bytes));
          expect(records.map((r) => r.linkType)).to.deep.equal([expected]);
        }
      });
    }

    it('a pcap with a file header and no records yields nothing and no error', function () {
      const bytes = buildPcap({ magic: MAGIC_US, little: false, network: 1, records: [] });
      expect(ok(parseAll(bytes))).to.deep.equal([]);
    });

    it('records handed out stay intact while the parser takes further chunks', function () {
      const records = randomRecords(40, true);
      const bytes = buildPcap({ magic: MAGIC_NS, little: true, network: 1, records });
      const chunks = randomChunks(bytes, random, 300);
      const parser = new CaptureParser();
      const got: CaptureRecord[] = [];
      const copies: Uint8Array[] = [];
      for (const chunk of chunks) {
        parser.push(chunk);
        for (const r of parser.drain()) {
          got.push(r);
          copies.push(Uint8Array.from(r.data));
        }
      }
      parser.end();
      expect(parser.offset).to.equal(bytes.length);
      expect(got).to.have.length(records.length);
      got.forEach((r, i) => expect(bytesEqual(r.data, copies[i]!), `record ${i + 1}`).to.equal(true));
      got.forEach((r, i) => expect(bytesEqual(r.data, records[i]!.data), `record ${i + 1}`).to.equal(true));
    });
  });

  describe('hand-built pcapng', function () {
    const random = new Random(0x5eed_0002);

    it('two sections of different byte order, interfaces with different link types, tsresol and tsoffset, EPB/PB/SPB, skipped blocks', function () {
      const d = (n: number) => random.bytes(n);
      const LE = true;
      const BE = false;
      const expected: CaptureRecord[] = [];
      const parts: Uint8Array[] = [];
      let index = 0;
      const add = (block: Uint8Array, record?: Omit<CaptureRecord, 'index'>) => {
        parts.push(block);
        if (record) expected.push({ index: ++index, ...record });
      };

      // Section 1, little-endian.
      add(ngShb(LE, [ngOption(4, new TextEncoder().encode('tcpwasm test'), LE)]));
      add(ngIdb(LE, 1, 65535)); // interface 0: Ethernet, default microseconds
      add(ngIdb(LE, 101, 0, [tsresolOption(9, LE), tsoffsetOption(1000n, LE)])); // interface 1: raw IP, ns, +1000 s
      const p1 = d(60);
      add(ngEpb(LE, 0, 1_500_000_000_123_456n, p1, 1514), {
        linkType: 1,
        timestampNs: 1_500_000_000_123_456_000n,
        capturedLength: 60,
        originalLength: 1514,
        data: p1,
      });
      const p2 = d(41);
      // An EPB with an option (opt_comment) after the padded packet data.
      add(ngEpb(LE, 1, 123_456_789n, p2, 41, 41, [ngOption(1, new TextEncoder().encode('hello'), LE)]), {
        linkType: 101,
        timestampNs: 1000n * NS + 123_456_789n,
        capturedLength: 41,
        originalLength: 41,
        data: p2,
      });
      add(ngBlock(0x00000bad, d(13), LE)); // custom block, copiable
      add(ngBlock(0x40000bad, d(8), LE)); // custom block, not copiable
      add(ngBlock(4, d(16), LE)); // name resolution block: not a packet
      add(ngBlock(5, d(20), LE)); // interface statistics block: not a packet
      add(ngBlock(0x7eadbeef, d(5), LE)); // unknown block type
      const p3 = d(33);
      // Obsolete packet block on interface 1 with a drops count.
      add(ngPb(LE, 1, 7, 5_000_000_001n, p3, 99), {
        linkType: 101,
        timestampNs: 1000n * NS + 5_000_000_001n,
        capturedLength: 33,
        originalLength: 99,
        data: p3,
      });

      // Section 2, big-endian: interface numbering restarts.
      add(ngShb(BE));
      add(ngIdb(BE, 228, 0, [tsresolOption(0x80 | 10, BE), tsoffsetOption(-2n, BE)])); // 2^-10 s units, -2 s
      add(ngIdb(BE, 229, 0, [tsresolOption(3, BE)])); // milliseconds
      const p4 = d(20);
      add(ngEpb(BE, 0, 3600n * 1024n + 256n, p4), {
        linkType: 228,
        timestampNs: 3_598_250_000_000n,
        capturedLength: 20,
        originalLength: 20,
        data: p4,
      });
      const p5 = d(40);
      add(ngEpb(BE, 1, 1_234_567n, p5, 40), {
        linkType: 229,
        timestampNs: 1_234_567_000_000n,
        capturedLength: 40,
        originalLength: 40,
        data: p5,
      });
      add(ngBlock(0x0000_0bad, d(3), BE));
      const p6 = d(7);
      add(ngPb(BE, 0, 0, 1024n * 10n, p6), {
        linkType: 228,
        timestampNs: 8n * NS,
        capturedLength: 7,
        originalLength: 7,
        data: p6,
      });
      // 2^-10 s units: 1.5 s exactly.
      const p7 = d(9);
      add(ngEpb(BE, 0, 1536n, p7), {
        linkType: 228,
        timestampNs: -500_000_000n,
        capturedLength: 9,
        originalLength: 9,
        data: p7,
      });

      const bytes = concatBytes(...parts);
      const actual = ok(parseAll(bytes));
      expectRecords(actual, expected);
      expectRecords(ok(feed(bytewise(bytes))), expected);
      expectRecords(ok(feed(randomChunks(bytes, random, 50))), expected);
    });

    it('simple packet blocks: captured length = min(original length, interface snap length, block room)', function () {
      const LE = true;
      const big = random.bytes(100);
      const short = random.bytes(30);
      const cut = random.bytes(48);
      for (const little of [LE, !LE]) {
        const bytes = concatBytes(
          ngShb(little),
          ngIdb(little, 1, 64),
          ngSpb(little, 100, big), // snap length 64 wins
          ngSpb(little, 30, short), // original length wins
          ngSpb(little, 200, cut), // the block holds only 48 bytes
          ngShb(little),
          ngIdb(little, 101, 0), // snap length 0: no limit
          ngSpb(little, 100, big),
        );
        const records = ok(parseAll(bytes));
        expect(records.map((r) => [r.index, r.linkType, r.capturedLength, r.originalLength])).to.deep.equal([
          [1, 1, 64, 100],
          [2, 1, 30, 30],
          [3, 1, 48, 200],
          [4, 101, 100, 100],
        ]);
        expect(bytesEqual(records[0]!.data, big.subarray(0, 64))).to.equal(true);
        expect(bytesEqual(records[1]!.data, short)).to.equal(true);
        expect(bytesEqual(records[2]!.data, cut)).to.equal(true);
        expect(bytesEqual(records[3]!.data, big)).to.equal(true);
      }
    });

    it('microsecond, nanosecond and binary (2^-n) resolutions convert to exact nanoseconds', function () {
      for (const little of [true, false]) {
        const bytes = concatBytes(
          ngShb(little),
          ngIdb(little, 1, 0, [tsresolOption(6, little)]),
          ngIdb(little, 1, 0, [tsresolOption(9, little)]),
          ngIdb(little, 1, 0, [tsresolOption(0x80 | 20, little)]),
          ngIdb(little, 1, 0, [tsresolOption(0x80 | 0, little)]),
          ngEpb(little, 0, 0x1_0000_0001n, Uint8Array.of(1)), // high word in use
          ngEpb(little, 1, 0x1_0000_0001n, Uint8Array.of(2)),
          ngEpb(little, 2, (5n << 20n) + (1n << 19n), Uint8Array.of(3)), // 5.5 s in 2^-20 s units
          ngEpb(little, 3, 42n, Uint8Array.of(4)), // 2^0: whole seconds
        );
        expect(ok(parseAll(bytes)).map((r) => r.timestampNs)).to.deep.equal([
          0x1_0000_0001n * 1000n,
          0x1_0000_0001n,
          5_500_000_000n,
          42n * NS,
        ]);
      }
    });
  });

  describe('writers round trip through parseCapture', function () {
    const random = new Random(0x5eed_0003);

    function randomWritable(count: number, quantumNs: bigint): WritableRecord[] {
      const out: WritableRecord[] = [];
      for (let i = 0; i < count; i++) {
        const data = random.bytes(random.below(300));
        const seconds = BigInt(random.u32());
        const fraction = (BigInt(random.below(1_000_000_000)) / quantumNs) * quantumNs;
        out.push({
          data,
          timestampNs: seconds * NS + fraction,
          originalLength: data.length + (i % 4 === 0 ? random.below(9000) : 0),
        });
      }
      return out;
    }

    for (const nanosecond of [false, true]) {
      for (const bigEndian of [false, true]) {
        it(`writePcap ${bigEndian ? 'big' : 'little'}-endian ${nanosecond ? 'nanosecond' : 'microsecond'}`, function () {
          for (const linkType of [1, 101, 228, 276]) {
            const records = randomWritable(30, nanosecond ? 1n : 1000n);
            records.push({ data: Uint8Array.of(7, 7) }); // defaults: timestamp 0, original = data length
            const bytes = writePcap(records, { linkType, nanosecond, bigEndian });
            const magic = nanosecond ? [0xa1, 0xb2, 0x3c, 0x4d] : [0xa1, 0xb2, 0xc3, 0xd4];
            expect([...bytes.subarray(0, 4)]).to.deep.equal(bigEndian ? magic : [...magic].reverse());
            const expected = records.map((r, i) =>
              rec(i + 1, linkType, r.timestampNs ?? 0n, r.data, r.originalLength ?? r.data.length),
            );
            expectRecords(ok(parseAll(bytes)), expected);
            // The independent walker reads the same file.
            expectRecords(walkedRecords(bytes), expected);
          }
        });
      }
    }

    it('PcapWriter: the file so far parses to the records added so far', function () {
      const writer = new PcapWriter({ linkType: 1 });
      const records = randomWritable(5, 1000n);
      expect(ok(parseAll(writer.bytes()))).to.deep.equal([]);
      records.forEach((r, i) => {
        writer.add(r);
        const parsed = ok(parseAll(writer.bytes()));
        expect(parsed).to.have.length(i + 1);
        expect(parsed[i]!.timestampNs).to.equal(r.timestampNs);
      });
    });

    it('writePcap: microsecond files drop sub-microsecond digits', function () {
      const bytes = writePcap([{ data: Uint8Array.of(1), timestampNs: 1_234_567_891n }], { linkType: 1 });
      expect(ok(parseAll(bytes))[0]!.timestampNs).to.equal(1_234_567_000n);
    });

    for (const bigEndian of [false, true]) {
      it(`writePcapng ${bigEndian ? 'big' : 'little'}-endian with three interfaces (µs, ns, 2^-20 s)`, function () {
        const interfaces = [
          { linkType: 1 },
          { linkType: 101, timestampResolution: 9, snapLength: 9000 },
          { linkType: 228, timestampResolution: 0x80 | 20 },
        ];
        // Quanta at which each resolution is exact: 1 µs, 1 ns, 10^9 / 2^9 ns (= 2^11 units of 2^-20 s).
        const quanta = [1000n, 1n, 1_953_125n];
        const records: WritableRecord[] = [];
        for (let i = 0; i < 60; i++) {
          const interfaceId = random.below(3);
          const [r] = randomWritable(1, quanta[interfaceId]!);
          records.push({ ...r!, interfaceId });
        }
        const bytes = writePcapng(records, interfaces, bigEndian);
        const order = [...bytes.subarray(8, 12)];
        expect(order).to.deep.equal(bigEndian ? [0x1a, 0x2b, 0x3c, 0x4d] : [0x4d, 0x3c, 0x2b, 0x1a]);
        const expected = records.map((r, i) =>
          rec(i + 1, interfaces[r.interfaceId!]!.linkType, r.timestampNs!, r.data, r.originalLength),
        );
        expectRecords(ok(parseAll(bytes)), expected);
      });
    }

    it('writePcapng 2^-20 s resolution: an arbitrary timestamp comes back less than one unit early, never late', function () {
      const records: WritableRecord[] = [];
      for (let i = 0; i < 200; i++)
        records.push({
          data: Uint8Array.of(i & 0xff),
          timestampNs: BigInt(random.u32()) * NS + BigInt(random.below(1_000_000_000)),
        });
      const parsed = ok(parseAll(writePcapng(records, [{ linkType: 1, timestampResolution: 0x80 | 20 }])));
      expect(parsed).to.have.length(records.length);
      // written = floor(ts * 2^20 / 10^9) units; parsed = floor(units * 10^9 / 2^20): short by < 953.7 + 1 ns.
      const unitNs = NS / (1n << 20n) + 2n; // 955 ns
      parsed.forEach((r, i) => {
        const written = records[i]!.timestampNs!;
        expect(
          r.timestampNs <= written && written - r.timestampNs < unitNs,
          `record ${i + 1}: ${r.timestampNs} vs ${written}`,
        ).to.equal(true);
      });
    });
  });

  describe('faults', function () {
    it('an empty file is BAD_CAPTURE at offset 0 (parseCapture, readCapture, CaptureParser)', async function () {
      const parsed = parseAll(new Uint8Array(0));
      expect(parsed.records).to.deep.equal([]);
      expectDecodeError(parsed.error, 'BAD_CAPTURE', 0);
      const read = await readAll(tempFile(new Uint8Array(0)));
      expect(read.records).to.deep.equal([]);
      expectDecodeError(read.error, 'BAD_CAPTURE', 0);
      expectDecodeError(feed([]).error, 'BAD_CAPTURE', 0);
    });

    it('a text file is BAD_CAPTURE at offset 0', async function () {
      const text = new TextEncoder().encode('This is a README, not a packet capture.\nSecond line.\n');
      expectDecodeError(parseAll(text).error, 'BAD_CAPTURE', 0);
      expectDecodeError((await readAll(tempFile(text, '.txt'))).error, 'BAD_CAPTURE', 0);
    });

    it('a gzip-compressed text file is BAD_CAPTURE at offset 0', async function () {
      const gz = gzipSync(new TextEncoder().encode('hello, this is definitely not pcap data at all\n'.repeat(20)));
      const parsed = parseAll(gz);
      expect(parsed.records).to.deep.equal([]);
      expectDecodeError(parsed.error, 'BAD_CAPTURE', 0);
      const read = await readAll(tempFile(gz, '.pcap.gz'));
      expect(read.records).to.deep.equal([]);
      expectDecodeError(read.error, 'BAD_CAPTURE', 0);
    });

    it('CaptureParser given gzip bytes directly refuses them (BAD_CAPTURE at 0)', function () {
      const gz = gzipSync(readCorpusFile('edge/zeek-tcp-options.pcap'));
      expectDecodeError(feed([gz], false).error, 'BAD_CAPTURE', 0);
    });

    it('every prefix of a pcap: every complete record, then TRUNCATED at the start of the incomplete one', async function () {
      const full = readCorpusFile('edge/zeek-tcp-options.pcap');
      const random = new Random(0x5eed_0004);
      for (let length = 0; length <= full.length; length++) {
        const prefix = full.subarray(0, length);
        const walk = walkPcap(prefix);
        const expected = length < 24 ? [] : walkedRecords(prefix);
        const where = `prefix of ${length} bytes`;
        const outcomes: Array<[string, Outcome]> = [
          ['parseCapture', parseAll(prefix)],
          ['CaptureParser in random chunks', feed(randomChunks(prefix, random, 40))],
          ['readCapture', await readAll(tempFile(prefix))],
        ];
        for (const [how, outcome] of outcomes) {
          expect(recordDiffs(outcome.records, expected), `${how}, ${where}`).to.deep.equal([]);
          if (length === 0) expectDecodeError(outcome.error, 'BAD_CAPTURE', 0);
          else if (walk.incompleteAt === undefined) expect(outcome.error, `${how}, ${where}`).to.equal(undefined);
          else expectDecodeError(outcome.error, 'TRUNCATED', walk.incompleteAt);
        }
      }
    });

    it('every prefix of a pcapng: every complete packet block, then TRUNCATED at the start of the incomplete block', async function () {
      const full = readCorpusFile('edge/zeek-tcp-retransmit-timeout.pcapng');
      const all = ok(parseAll(full));
      const random = new Random(0x5eed_0005);
      for (let length = 0; length <= full.length; length++) {
        const prefix = full.subarray(0, length);
        const walk = walkPcapng(prefix);
        const expected = all.slice(0, walk.packets.length);
        const where = `prefix of ${length} bytes`;
        const outcomes: Array<[string, Outcome]> = [
          ['parseCapture', parseAll(prefix)],
          ['CaptureParser in random chunks', feed(randomChunks(prefix, random, 40))],
          ['readCapture', await readAll(tempFile(prefix, '.pcapng'))],
        ];
        for (const [how, outcome] of outcomes) {
          expect(recordDiffs(outcome.records, expected), `${how}, ${where}`).to.deep.equal([]);
          if (length === 0) expectDecodeError(outcome.error, 'BAD_CAPTURE', 0);
          else if (walk.incompleteAt === undefined) expect(outcome.error, `${how}, ${where}`).to.equal(undefined);
          else expectDecodeError(outcome.error, 'TRUNCATED', walk.incompleteAt);
        }
      }
    });

    it('a truncated Kuznetsov file reports the 24-byte-header record it ends in', function () {
      const data = new Uint8Array(10);
      const bytes = buildPcap({
        magic: MAGIC_KUZNETSOV,
        little: true,
        network: 1,
        records: [0, 1, 2].map((s) => ({ seconds: s, fraction: 0, data })),
      });
      const second = 24 + (24 + 10);
      for (const cut of [second + 1, second + 16, second + 23, second + 24, second + 33]) {
        const outcome = parseAll(bytes.subarray(0, cut));
        expect(
          outcome.records.map((r) => r.index),
          `cut at ${cut}`,
        ).to.deep.equal([1]);
        expectDecodeError(outcome.error, 'TRUNCATED', second);
      }
    });

    it('a truncated .gz (small file, cut at every length): the records before the damage, then TRUNCATED', async function () {
      const plain = readCorpusFile('edge/zeek-tcp-options.pcap');
      const all = walkedRecords(plain);
      const gz = gzipSync(plain);
      for (let cut = 2; cut < gz.length; cut += 3) {
        const damaged = gz.subarray(0, cut);
        // What an independent decompression of the damaged bytes makes available.
        const available = gunzipSync(damaged, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        const complete = available.length < 24 ? 0 : walkPcap(available).records.length;
        const incompleteAt = available.length < 24 ? 0 : (walkPcap(available).incompleteAt ?? available.length);
        for (const [how, outcome] of [
          ['parseCapture', parseAll(damaged)],
          ['readCapture', await readAll(tempFile(damaged, '.pcap.gz'))],
        ] as const) {
          expect(recordDiffs(outcome.records, all.slice(0, complete)), `${how}, cut at ${cut}`).to.deep.equal([]);
          expectDecodeError(outcome.error, 'TRUNCATED');
          const offset = (outcome.error as DecodeError).offset!;
          expect(offset, `${how}, cut at ${cut}`).to.be.within(incompleteAt, available.length);
        }
      }
    });

    it('a truncated .gz (82582-record file cut at random points): the records before the damage, then TRUNCATED', async function () {
      const gz = readCorpusFile('zeek-echo-connections.pcap.gz');
      const all = walkedRecords(gunzipSync(gz));
      const random = new Random(0x5eed_0006);
      for (let i = 0; i < 3; i++) {
        const cut = 100 + random.below(gz.length - 200);
        const damaged = gz.subarray(0, cut);
        const available = gunzipSync(damaged, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        const walk = walkPcap(available);
        expect(walk.records.length).to.be.greaterThan(0);
        for (const [how, outcome] of [
          ['parseCapture', parseAll(damaged)],
          ['readCapture', await readAll(tempFile(damaged, '.pcap.gz'))],
        ] as const) {
          expect(
            recordDiffs(outcome.records, all.slice(0, walk.records.length)),
            `${how}, cut at ${cut}`,
          ).to.deep.equal([]);
          expectDecodeError(outcome.error, 'TRUNCATED');
          expect((outcome.error as DecodeError).offset, `${how}, cut at ${cut}`).to.be.within(
            walk.incompleteAt ?? available.length,
            available.length,
          );
        }
      }
    });

    it('a .gz whose CRC trailer is corrupt ends with a DecodeError in parseCapture as in readCapture', async function () {
      // read.ts promises: "a fault ends the iteration with a DecodeError after every record before it".
      const gz = gzipSync(readCorpusFile('edge/zeek-tcp-options.pcap'));
      const damaged = Uint8Array.from(gz);
      damaged[damaged.length - 8]! ^= 0xff; // first CRC32 byte of the gzip trailer
      const read = await readAll(tempFile(damaged, '.pcap.gz'));
      expect(read.error, 'readCapture').to.be.instanceOf(DecodeError);
      const parsed = parseAll(damaged);
      expect(parsed.error, `parseCapture threw ${String(parsed.error)}`).to.be.instanceOf(DecodeError);
      expect((parsed.error as DecodeError).code).to.equal((read.error as DecodeError).code);
    });

    it('a .gz with corrupt deflate data ends with a DecodeError in parseCapture, not a raw zlib error', async function () {
      const gz = gzipSync(readCorpusFile('zeek-tcp-ssh-dups.pcap'));
      const damaged = Uint8Array.from(gz);
      damaged.fill(0, 2000, 2032);
      // Precondition: zlib rejects the deflate stream itself, not just the trailer's CRC.
      expect(() => gunzipSync(damaged)).to.throw(/invalid/);
      const read = await readAll(tempFile(damaged, '.pcap.gz'));
      expect(read.error, 'readCapture').to.be.instanceOf(DecodeError);
      const parsed = parseAll(damaged);
      expect(parsed.error, `parseCapture threw ${String(parsed.error)}`).to.be.instanceOf(DecodeError);
      expect((parsed.error as DecodeError).code).to.equal((read.error as DecodeError).code);
    });

    function pcapWithHugeThirdRecord(snapLength: number, inclLength: number): { bytes: Uint8Array; third: number } {
      const data = Uint8Array.of(0x45, 0, 0, 40, 1, 2, 3, 4);
      const bytes = buildPcap({
        magic: MAGIC_US,
        little: true,
        network: 1,
        snapLength,
        records: [
          { seconds: 1, fraction: 1, data },
          { seconds: 2, fraction: 2, data },
          { seconds: 3, fraction: 3, data, inclLength },
        ],
      });
      return { bytes, third: 24 + 2 * (16 + data.length) };
    }

    it('a huge pcap incl_len is BAD_CAPTURE at that record header, after the records before it', async function () {
      const { bytes, third } = pcapWithHugeThirdRecord(65535, 0xfffffff0);
      for (const outcome of [parseAll(bytes), await readAll(tempFile(bytes)), feed(bytewise(bytes))]) {
        expect(outcome.records.map((r) => r.index)).to.deep.equal([1, 2]);
        expectDecodeError(outcome.error, 'BAD_CAPTURE', third);
      }
    });

    it('a huge length is refused as soon as its header arrives, without waiting for (or allocating) the body', function () {
      // Only the bytes up to the corrupt header are pushed, and end() is never called: the parser
      // must throw on the header alone instead of waiting for 4 GB that will never come.
      const { bytes, third } = pcapWithHugeThirdRecord(65535, 0xfffffff0);
      const outcome = feed([bytes.subarray(0, third + 16)], false);
      expect(outcome.records).to.have.length(2);
      expectDecodeError(outcome.error, 'BAD_CAPTURE', third);

      const ngPrefix = concatBytes(ngShb(true), ngIdb(true, 1, 0));
      const header = new DataView(new ArrayBuffer(12));
      header.setUint32(0, 6, true);
      header.setUint32(4, 0xfffffff0, true); // a multiple of 4, so only the size cap can refuse it
      const ng = feed([ngPrefix, new Uint8Array(header.buffer)], false);
      expect(ng.records).to.have.length(0);
      expectDecodeError(ng.error, 'BAD_CAPTURE', ngPrefix.length);
    });

    it('the record size cap holds even when the file header claims a 4 GB snap length', async function () {
      const { bytes, third } = pcapWithHugeThirdRecord(0xffffffff, MAX_RECORD_BYTES + 1);
      expect(MAX_RECORD_BYTES).to.be.at.most(256 << 20);
      const outcome = feed([bytes.subarray(0, third + 16)], false);
      expectDecodeError(outcome.error, 'BAD_CAPTURE', third);
      const read = await readAll(tempFile(bytes));
      expect(read.records).to.have.length(2);
      expectDecodeError(read.error, 'BAD_CAPTURE', third);
    });

    it("a pcap record above libpcap's 262144-byte ceiling (and the snap length) is BAD_CAPTURE; one at it is not", function () {
      const atCeiling = pcapWithHugeThirdRecord(65535, 262144);
      const outcome = feed([atCeiling.bytes], false);
      expect(outcome.error, 'a 262144-byte record is legal').to.equal(undefined);
      expect(outcome.records).to.have.length(2);
      const above = pcapWithHugeThirdRecord(65535, 262145);
      expectDecodeError(feed([above.bytes], false).error, 'BAD_CAPTURE', above.third);
    });

    describe('corrupt pcapng blocks: BAD_CAPTURE at the block, after the records before it', function () {
      const little = true;
      const packet = Uint8Array.of(0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6);
      const prefix = concatBytes(ngShb(little), ngIdb(little, 1, 0), ngEpb(little, 0, 1n, packet));

      function block(type: number, total: number, trailer: number, bodyLength: number): Uint8Array {
        const out = new Uint8Array(8 + bodyLength + 4);
        const v = new DataView(out.buffer);
        v.setUint32(0, type, little);
        v.setUint32(4, total, little);
        v.setUint32(out.length - 4, trailer, little);
        return out;
      }

      const cases: Array<[string, Uint8Array]> = [
        ['total length not a multiple of 4', block(6, 30, 30, 18)],
        ['total length below 12', block(6, 8, 8, 0)],
        ['total length 0', block(0x7eadbeef, 0, 0, 4)],
        ['trailing length that does not match', block(0x7eadbeef, 24, 28, 12)],
        ['EPB naming an undeclared interface', ngEpb(little, 1, 2n, packet)],
        ['EPB whose captured length overruns the block', ngEpb(little, 0, 2n, packet, 10, 200)],
        ['EPB too short for its fixed fields', ngBlock(6, new Uint8Array(12), little)],
        ['interface description too short', ngBlock(1, new Uint8Array(4), little)],
        ['section header with a bad byte-order magic', ngBlock(0x0a0d0d0a, new Uint8Array(16).fill(0x77), little)],
        ['section header too short', ngBlock(0x0a0d0d0a, Uint8Array.of(0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0), little)],
      ];

      for (const [name, bad] of cases) {
        it(name, async function () {
          const tail = ngEpb(little, 0, 3n, packet); // never reached
          const bytes = concatBytes(prefix, bad, tail);
          for (const [how, outcome] of [
            ['parseCapture', parseAll(bytes)],
            ['readCapture', await readAll(tempFile(bytes, '.pcapng'))],
          ] as const) {
            expect(
              outcome.records.map((r) => r.index),
              how,
            ).to.deep.equal([1]);
            expectDecodeError(outcome.error, 'BAD_CAPTURE', prefix.length);
          }
        });
      }

      it('an EPB in a second section naming an interface only the first section declared', function () {
        const bytes = concatBytes(
          prefix,
          ngIdb(little, 101, 0),
          ngEpb(little, 1, 5n, packet),
          ngShb(!little),
          ngIdb(!little, 1, 0),
        );
        const second = bytes.length;
        const outcome = parseAll(concatBytes(bytes, ngEpb(!little, 1, 6n, packet)));
        expect(outcome.records.map((r) => [r.index, r.linkType])).to.deep.equal([
          [1, 1],
          [2, 101],
        ]);
        expectDecodeError(outcome.error, 'BAD_CAPTURE', second);
      });

      it('fault offsets are file offsets when the bytes arrive in chunks (EPB, trailer, length faults)', function () {
        for (const [name, bad] of cases.filter(([n]) => n !== 'section header too short')) {
          const bytes = concatBytes(prefix, bad);
          for (const split of [1, 13, prefix.length - 3, prefix.length]) {
            const outcome = feed([bytes.subarray(0, split), bytes.subarray(split)], false);
            expect(outcome.records, `${name}, split at ${split}`).to.have.length(1);
            expectDecodeError(outcome.error, 'BAD_CAPTURE', prefix.length);
          }
        }
      });

      it('a too-short section header reports its file offset when the bytes arrive in chunks', function () {
        // parser.ts passes the buffer-relative block position to fail() for this fault.
        const shortShb = ngBlock(0x0a0d0d0a, Uint8Array.of(0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0), little);
        const outcome = feed([prefix, shortShb], false);
        expect(outcome.records).to.have.length(1);
        expectDecodeError(outcome.error, 'BAD_CAPTURE', prefix.length);
      });
    });
  });

  describe('readCapture', function () {
    it('rejects with the Node ENOENT error for a file that does not exist', async function () {
      const missing = join(tempDir, 'no-such-dir', 'missing.pcap');
      const outcome = await readAll(missing);
      expect(outcome.records).to.deep.equal([]);
      expect(outcome.error).to.be.instanceOf(Error);
      expect(outcome.error).not.to.be.instanceOf(DecodeError);
      const e = outcome.error as NodeJS.ErrnoException;
      expect(e.code).to.equal('ENOENT');
      expect(e.path).to.equal(missing);
    });

    it('rejects a non-string path with TypeError', async function () {
      const outcome = await readAll(42 as unknown as string);
      expect(outcome.error).to.be.instanceOf(TypeError);
    });

    it('closes the file when the consumer stops early', async function () {
      if (!existsSync('/proc/self/fd')) this.skip();
      const path = join(CORPUS_DIR, 'zeek-tcp-ssh-dups.pcap');
      const gzPath = join(CORPUS_DIR, 'zeek-echo-connections.pcap.gz');
      const before = readdirSync('/proc/self/fd').length;
      for (let i = 0; i < 25; i++) {
        for await (const r of readCapture(i % 2 ? path : gzPath)) if (r.index === 3) break;
      }
      const afterCount = readdirSync('/proc/self/fd').length;
      expect(afterCount - before, 'file descriptors leaked').to.be.below(10);
    });
  });
});
