// readCaptureBatches' inPlace reader (src/pcap/read-in-place.ts): files read straight into WASM
// memory give the same records, decoded rows and faults as the copying readers, also when
// records straddle tiny reads, when WASM memory grows in the middle of a read, and for truncated
// or hostile files; decodeBatch then copies no frame, and memory stays bounded.

import { expect } from 'chai';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  DecodeError,
  RecordBatch,
  decodeBatch,
  inputArea,
  parseCaptureBatches,
  readCaptureBatches,
} from '../../src/index.js';
import { codec } from '../../src/wire/module.js';
import { readInPlace, type InPlaceSizes } from '../../src/pcap/read-in-place.js';
import { CORPUS_DIR, corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { MAGIC_US, buildPcap, concatBytes, ngEpb, ngIdb, ngShb } from '../helpers/capture-bytes.js';

/** A record and its decoded row, flattened to one comparable string. */
type Row = string;

interface Outcome {
  rows: Row[];
  error: unknown;
}

function columnsOf(table: object): Array<[string, ArrayBufferView]> {
  return Object.entries(table).filter((e): e is [string, ArrayBufferView] => ArrayBuffer.isView(e[1]));
}

/** Every record's header fields and bytes, and every column of its decoded row. */
function rowsOf(batch: RecordBatch): Row[] {
  const table = decodeBatch(batch, batch.linkTypes, { originalLengths: batch.originalLengths });
  const columns = columnsOf(table);
  expect(columns.length).to.be.greaterThan(20);
  const rows: Row[] = [];
  for (let i = 0; i < batch.count; i++) {
    const r = batch.record(i);
    const cells = columns.map(([name, column]) => `${name}=${(column as unknown as ArrayLike<number>)[i]}`);
    rows.push(
      [r.index, r.linkType, r.timestampNs, r.capturedLength, r.originalLength, Buffer.from(r.data).toString('hex')]
        .concat(cells)
        .join(' '),
    );
  }
  return rows;
}

function copied(bytes: Uint8Array): Outcome {
  const out: Outcome = { rows: [], error: undefined };
  try {
    for (const b of parseCaptureBatches(bytes, 100)) out.rows.push(...rowsOf(b));
  } catch (error) {
    out.error = error;
  }
  return out;
}

async function drained(batches: AsyncIterable<RecordBatch>, each?: (b: RecordBatch) => void): Promise<Outcome> {
  const out: Outcome = { rows: [], error: undefined };
  try {
    for await (const b of batches) {
      out.rows.push(...rowsOf(b));
      each?.(b);
    }
  } catch (error) {
    out.error = error;
  }
  return out;
}

function withFile<T>(path: string, run: (fd: number, size: number) => Promise<T>): Promise<T> {
  const fd = openSync(path, 'r');
  return run(fd, fstatSync(fd).size).finally(() => closeSync(fd));
}

function inPlace(path: string, max: number, sizes?: InPlaceSizes, each?: (b: RecordBatch) => void): Promise<Outcome> {
  return withFile(path, (fd, size) => drained(readInPlace({ fd, readSync, size }, max, undefined, sizes), each));
}

function expectSame(got: Outcome, want: Outcome, what: string): void {
  expect(got.rows.length, `${what}: records`).to.equal(want.rows.length);
  for (let i = 0; i < want.rows.length; i++) expect(got.rows[i], `${what}: record ${i + 1}`).to.equal(want.rows[i]);
  if (want.error === undefined) {
    expect(got.error, `${what}: no error`).to.equal(undefined);
    return;
  }
  expect(got.error, `${what}: error`).to.be.instanceOf(DecodeError);
  const [g, w] = [got.error as DecodeError, want.error as DecodeError];
  expect([g.code, g.offset, g.message], what).to.deep.equal([w.code, w.offset, w.message]);
}

describe('reading captures in place (WASM memory)', function () {
  let tempDir = '';
  before(function () {
    tempDir = mkdtempSync(join(tmpdir(), 'tcpwasm-in-place-test-'));
  });
  after(function () {
    rmSync(tempDir, { recursive: true, force: true });
  });

  /** The capture decompressed, written to a plain file (the in-place reader reads plain ones). */
  function plainCopy(file: string): { path: string; bytes: Uint8Array } {
    const raw = readCorpusFile(file);
    const bytes = file.endsWith('.gz') ? gunzipSync(raw) : raw;
    const path = join(tempDir, file.replace(/\//g, '_').replace(/\.gz$/, ''));
    writeFileSync(path, bytes);
    return { path, bytes };
  }

  for (const file of corpusCaptures()) {
    it(`${file}: the same records and decoded rows as the copying reader`, async function () {
      this.timeout(60_000);
      const { path, bytes } = plainCopy(file);
      const want = copied(bytes);
      expectSame(await drained(readCaptureBatches(path, 100, { inPlace: true })), want, `${file} (plain)`);
      // The .gz itself: read as without inPlace, with the same result.
      expectSame(
        await drained(readCaptureBatches(join(CORPUS_DIR, file), 100, { inPlace: true })),
        want,
        `${file} (as stored)`,
      );
    });
  }

  it('records straddling tiny reads (1, 7, 64 and 1000 bytes) come out whole', async function () {
    this.timeout(60_000);
    for (const file of ['zeek-tcp-ssh-dups.pcap', 'edge/zeek-tcp-retransmit-timeout.pcapng', 'zeek-ftp-ipv6.pcap']) {
      const { path, bytes } = plainCopy(file);
      const want = copied(bytes);
      for (const read of [1, 7, 64, 1000]) {
        if (read === 1 && bytes.length > 20_000) continue; // a read per byte: keep the test short
        expectSame(await inPlace(path, 7, { read, carryRoom: 0 }), want, `${file}, reads of ${read}`);
      }
    }
  });

  it('keeps a held batch readable and correct when WASM memory grows between batches', async function () {
    const { path, bytes } = plainCopy('zeek-http-206-sack.pcap');
    const want = copied(bytes);
    const c = codec();
    let previous: RecordBatch | undefined;
    let previousRows: Row[] = [];
    let grows = 0;
    const got = await inPlace(path, 50, { read: 4096, carryRoom: 0 }, (b) => {
      // The batch before this one is still valid (the generator was resumed once since it was
      // yielded), also after memory grew: its data view is made again.
      if (previous !== undefined) expect(rowsOf(previous)).to.deep.equal(previousRows);
      const generation = c.generation;
      inputArea(c.memoryBuffer().byteLength - c.inputBase + 1); // one byte past memory: a grow
      expect(c.generation).to.not.equal(generation);
      grows++;
      expect(b.data.length, 'data re-derived after the grow').to.be.greaterThan(0);
      previous = b;
      previousRows = rowsOf(b);
    });
    inputArea(0);
    expect(grows).to.be.greaterThan(5);
    expectSame(got, want, 'with grows');
  });

  it('decodeBatch decodes an in-place batch where it lies, copying no frame', async function () {
    const { path } = plainCopy('zeek-http-206-sack.pcap');
    const c = codec();
    const copyIn = c.copyIn;
    let copies = 0;
    let decoded = 0;
    try {
      c.copyIn = (data: Uint8Array, at?: number) => {
        copies++;
        return copyIn.call(c, data, at);
      };
      for await (const b of readCaptureBatches(path, 100, { inPlace: true })) {
        decoded += decodeBatch(b, b.linkTypes).length;
      }
      expect(copies, 'copies of in-place batches').to.equal(0);
      // The same call on the copying reader's batches does copy: the counter can fail.
      for await (const b of readCaptureBatches(path, 100)) decodeBatch(b, b.linkTypes);
      expect(copies).to.be.greaterThan(0);
    } finally {
      c.copyIn = copyIn;
    }
    expect(decoded).to.equal(672);
  });

  it('truncated and corrupt files give the copying reader’s records and typed errors', async function () {
    this.timeout(60_000);
    const bytes = readCorpusFile('zeek-tcp-ssh-dups.pcap');
    const ng = readCorpusFile('edge/zeek-tcp-retransmit-timeout.pcapng');
    const cases: Array<[string, Uint8Array, boolean]> = [
      ['empty', new Uint8Array(0), true],
      ['half a file header', bytes.subarray(0, 10), true],
      ['file header only', bytes.subarray(0, 24), false],
      ['inside a record header', bytes.subarray(0, 24 + 16 + 70 + 5), true],
      ['inside a record', bytes.subarray(0, bytes.length - 3), true],
      ['pcapng inside a block', ng.subarray(0, ng.length - 9), true],
      ['not a capture', new Uint8Array(100).fill(7), true],
    ];
    for (const [name, data, fails] of cases) {
      const path = join(tempDir, `cut-${name.replace(/ /g, '-')}.pcap`);
      writeFileSync(path, data);
      const want = copied(data);
      expect(want.error instanceof DecodeError, name).to.equal(fails);
      expectSame(await drained(readCaptureBatches(path, 100, { inPlace: true })), want, name);
      expectSame(await inPlace(path, 5, { read: 13, carryRoom: 0 }), want, `${name}, reads of 13`);
    }
  });

  it('a record header claiming 60 MiB in a small file asks for no more memory than the file has', async function () {
    // snap length 64 MiB, so the parser accepts the claim and waits for the bytes
    const header = buildPcap({ magic: MAGIC_US, little: true, snapLength: 64 << 20, network: 1, records: [] });
    const claim = new Uint8Array(16);
    new DataView(claim.buffer).setUint32(8, 60 << 20, true);
    new DataView(claim.buffer).setUint32(12, 60 << 20, true);
    const path = join(tempDir, 'claims-60-mib.pcap');
    const data = concatBytes(header, claim, new Uint8Array(1000));
    writeFileSync(path, data);
    const c = codec();
    const before = c.memoryBuffer().byteLength;
    const got = await drained(readCaptureBatches(path, 100, { inPlace: true }));
    expectSame(got, copied(data), 'hostile length');
    expect(c.memoryBuffer().byteLength - before).to.be.lessThan(8 << 20);
  });

  it('readers dropped unfinished give their memory back when collected', function () {
    this.timeout(60_000);
    const { path } = plainCopy('zeek-http-206-sack.pcap');
    // Each reader takes one batch and is dropped: without the finalizer every one would keep its
    // two regions (about 2.5 MiB) forever, 50 MiB for 20.
    const script = `Promise.all([import('./src/pcap/read.ts'), import('./src/wire/module.ts')]).then(async ([r, m]) => {
      const c = m.codec();
      const size = () => c.memoryBuffer().byteLength;
      const drop = async () => { const it = r.readCaptureBatches(${JSON.stringify(path)}, 10, { inPlace: true }); await it.next(); };
      await drop();
      const before = size();
      for (let i = 0; i < 20; i++) {
        await drop();
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(JSON.stringify({ grew: size() - before }));
    })`;
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    expect((JSON.parse(out) as { grew: number }).grew).to.be.lessThan(8 << 20);
  });

  it('a pcapng block larger than a read is read whole, and memory is reused by the next reader', async function () {
    const big = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
    const ng = concatBytes(
      ngShb(true),
      ngIdb(true, 1, 0),
      ngEpb(true, 0, 5n, big),
      ngEpb(true, 0, 6n, big.subarray(0, 60)),
    );
    const path = join(tempDir, 'big-block.pcapng');
    writeFileSync(path, ng);
    const want = copied(ng);
    expect(want.rows.length).to.equal(2);
    expectSame(await drained(readCaptureBatches(path, 100, { inPlace: true })), want, 'first read');
    const c = codec();
    const after = c.memoryBuffer().byteLength;
    expectSame(await drained(readCaptureBatches(path, 100, { inPlace: true })), want, 'second read');
    expect(c.memoryBuffer().byteLength, 'freed regions are reused').to.equal(after);
  });
});
