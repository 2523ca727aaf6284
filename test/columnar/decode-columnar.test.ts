// `tcpwasm decode FILE --format arrow|parquet`: DuckDB reads our Parquet, apache-arrow reads our
// Arrow IPC file (DuckDB's arrow reader is an extension it would download, so it is not used),
// and both agree with our own `decode --json` output on counts and sums for the corpus.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, corpus, ensureBuilt } from '../cli/cli-run.js';
import { corpusCaptures } from '../helpers/corpus.js';
import { Duck, sqlPath } from './duckdb.js';
import { decodeColumnar, decodeText } from './in-process.js';
import { SEGMENT_SUMMARY_SQL, arrowSegments, jsonSegments, readArrowFile, summarise } from './summary.js';

describe('decode --format arrow|parquet', function () {
  this.timeout(300_000);
  let dir: string;
  let duck: Duck;

  before(async function () {
    ensureBuilt(this);
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-columnar-'));
    duck = await Duck.open();
  });

  after(() => {
    duck?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const captures = corpusCaptures();

  it('covers the corpus', () => {
    expect(captures.length).to.be.greaterThan(10);
  });

  for (const rel of captures) {
    it(`${rel}: Parquet (DuckDB) and Arrow (apache-arrow) hold what --json prints`, async () => {
      const json = await decodeText(corpus(rel), { json: true });
      const expected = jsonSegments(json.stdout);
      const want = summarise(expected);
      const base = join(dir, rel.replace(/\//g, '_'));
      const parquet = await decodeColumnar(corpus(rel), { format: 'parquet', out: `${base}.parquet` });
      const arrow = await decodeColumnar(corpus(rel), { format: 'arrow', out: `${base}.arrow` });
      // A damaged capture ends with status 2 in every format alike, after writing what came before.
      expect(parquet.status, parquet.stderr).to.equal(json.status);
      expect(arrow.status, arrow.stderr).to.equal(json.status);

      expect(await duck.one(SEGMENT_SUMMARY_SQL(`read_parquet(${sqlPath(`${base}.parquet`)})`))).to.deep.equal(want);
      const rows = arrowSegments(readArrowFile(`${base}.arrow`));
      expect(summarise(rows)).to.deep.equal(want);
      // Row by row, in frame order, times to the nanosecond.
      expect(rows.map((r) => [r.frame, r.timeNs])).to.deep.equal(expected.map((r) => [r.frame, r.timeNs]));
    });
  }

  it('a capture spanning several batches makes one row group (and one record batch) per --batch-rows rows', async () => {
    const rel = 'zeek-http-206-sack.pcap';
    const want = summarise(jsonSegments(cli('decode', '--json', corpus(rel)).stdout));
    expect(want.rows).to.be.greaterThan(500);
    const parquet = join(dir, 'groups.parquet');
    const arrow = join(dir, 'groups.arrow');
    expect(cli('decode', corpus(rel), '--format', 'parquet', '--batch-rows', '100', '--out', parquet).status).to.equal(
      0,
    );
    expect(cli('decode', corpus(rel), '--format', 'arrow', '--batch-rows', '100', '--out', arrow).status).to.equal(0);
    const groups = await duck.rows(`SELECT row_group_id, any_value(row_group_num_rows) AS n
      FROM parquet_metadata(${sqlPath(parquet)}) GROUP BY row_group_id ORDER BY row_group_id`);
    const sizes = (total: number) =>
      Array.from({ length: Math.ceil(total / 100) }, (_, k) => Math.min(100, total - 100 * k));
    expect(groups.map((g) => g.n)).to.deep.equal(sizes(want.rows));
    expect(await duck.one(SEGMENT_SUMMARY_SQL(`read_parquet(${sqlPath(parquet)})`))).to.deep.equal(want);
    const table = readArrowFile(arrow);
    expect(table.batches.map((b) => b.numRows)).to.deep.equal(sizes(want.rows));
    expect(summarise(arrowSegments(table))).to.deep.equal(want);
  });

  it('--filter and --count choose the rows as they do for --json', async () => {
    const rel = 'zeek-http-206-sack.pcap';
    const filter = 'tcp.len > 0 and src port 80';
    const want = summarise(jsonSegments((await decodeText(corpus(rel), { json: true, filter, count: 300 })).stdout));
    expect(want.rows).to.equal(300);
    const parquet = join(dir, 'filtered.parquet');
    expect(
      (await decodeColumnar(corpus(rel), { format: 'parquet', out: parquet }, { filter, count: 300 })).status,
    ).to.equal(0);
    expect(await duck.one(SEGMENT_SUMMARY_SQL(`read_parquet(${sqlPath(parquet)})`))).to.deep.equal(want);
  });

  it('no segment at all: a file with the columns and no rows, in both formats', async () => {
    // A pcap header and nothing after it, then a real capture whose filter matches nothing.
    const empty = join(dir, 'empty.pcap');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20);
    writeFileSync(empty, header);
    const inputs: Array<[string, { filter?: string }]> = [
      [empty, {}],
      [corpus('zeek-http-206-sack.pcap'), { filter: 'port 1' }],
    ];
    for (const [k, [file, options]] of inputs.entries()) {
      const parquet = join(dir, `none${k}.parquet`);
      const arrow = join(dir, `none${k}.arrow`);
      expect((await decodeColumnar(file, { format: 'parquet', out: parquet }, options)).status).to.equal(0);
      expect((await decodeColumnar(file, { format: 'arrow', out: arrow }, options)).status).to.equal(0);
      expect(await duck.one(`SELECT count(*) AS n FROM read_parquet(${sqlPath(parquet)})`)).to.deep.equal({ n: 0 });
      const columns = await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(parquet)})`);
      expect(columns.map((c) => c.column_name)).to.include.members([
        'frame',
        'time',
        'src',
        'dst',
        'payload_length',
        'mss',
      ]);
      const table = readArrowFile(arrow);
      expect(table.numRows).to.equal(0);
      expect(table.schema.fields.map((f) => f.name)).to.include.members([
        'frame',
        'time',
        'src',
        'dst',
        'payload_length',
        'mss',
      ]);
    }
  });

  it('column types: unsigned header fields, a UTC timestamp, nullable options', async () => {
    const parquet = join(dir, 'types.parquet');
    expect(cli('decode', corpus('zeek-http-206-sack.pcap'), '--format', 'parquet', '--out', parquet).status).to.equal(
      0,
    );
    const types = Object.fromEntries(
      (await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(parquet)})`)).map((c) => [
        c.column_name,
        c.column_type,
      ]),
    );
    expect(types).to.include({
      frame: 'UINTEGER',
      time: 'TIMESTAMP WITH TIME ZONE',
      src: 'VARCHAR',
      src_port: 'USMALLINT',
      seq: 'UINTEGER',
      flags: 'USMALLINT',
      payload_length: 'UINTEGER',
      mss: 'USMALLINT',
      sack_permitted: 'BOOLEAN',
      checksum_status: 'VARCHAR',
    });
    // The first SYN of this capture, as --json prints it (2011-01-12T06:47:56.674038Z).
    expect(
      await duck.one(
        `SELECT epoch_us("time") AS us, mss, window_scale AS ws, ts_val AS ts FROM read_parquet(${sqlPath(parquet)}) WHERE frame = 1`,
      ),
    ).to.deep.equal({ us: 1294814876674038, mss: 1460, ws: 1, ts: null });
  });

  it('usage errors exit 1 without writing; an unwritable --out exits 2', () => {
    const file = corpus('zeek-http-206-sack.pcap');
    for (const args of [
      ['--format', 'xml'],
      ['--out', join(dir, 'x')],
      ['--format', 'arrow', '--json'],
      ['--format', 'parquet', '--workers', '2'],
      ['--format', 'arrow', '--batch-rows', '0'],
      ['--batch-rows', '10'],
    ]) {
      const run = cli('decode', file, ...args);
      expect(run.status, args.join(' ')).to.equal(1);
      expect(run.stderr, args.join(' ')).to.match(/^tcpwasm decode: --/);
    }
    const run = cli('decode', file, '--format', 'parquet', '--out', join(dir, 'no-such-dir', 'x.parquet'));
    expect(run.status).to.equal(2);
    expect(run.stderr).to.match(/cannot write .*no-such-dir.*ENOENT/);
  });

  it('without --out, writes to stdout unless stdout is a terminal', async () => {
    const file = corpus('zeek-http-206-sack.pcap');
    const refused = await decodeColumnar(file, { format: 'parquet' }, {}, true);
    expect(refused.status).to.equal(1);
    expect(refused.stdout).to.equal('');
    expect(refused.stderr).to.match(/writes binary data: give --out FILE/);
    const piped = await decodeColumnar(file, { format: 'arrow' });
    expect(piped.status).to.equal(0);
    // An Arrow IPC file starts and ends with the magic ARROW1.
    expect(piped.stdout.startsWith('ARROW1')).to.equal(true);
    expect(piped.stdout.endsWith('ARROW1')).to.equal(true);
  });
});
