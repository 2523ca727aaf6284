// The decode command's options end to end (built CLI as a child process): --count, --csv,
// --workers (byte-identical output), errors with workers, usage errors, the filter's exit status
// and the progress bar's absence when stderr is not a terminal.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readCorpusFile, readTruth } from '../helpers/corpus.js';
import { walkPcap } from '../helpers/capture-bytes.js';
import { CSV_COLUMNS } from '../../src/cli/rows.js';
import { MAIN, cli, corpus, ensureBuilt, lines, repoRoot } from './cli-run.js';

/** RFC 4180 parser (quoted fields, doubled quotes, commas and newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

let tempDir = '';

describe('decode options (built CLI)', function () {
  before(function () {
    ensureBuilt(this);
    tempDir = mkdtempSync(join(tmpdir(), 'tcpwasm-options-'));
  });
  after(() => rmSync(tempDir, { recursive: true, force: true }));

  describe('--count N', function () {
    it('prints the first N segments of the full output, and exits 0', function () {
      const full = lines(cli('decode', corpus('zeek-tcp-ssh-dups.pcap')).stdout);
      for (const n of [1, 7, 300]) {
        const run = cli('decode', '--count', String(n), corpus('zeek-tcp-ssh-dups.pcap'));
        expect(run.status).to.equal(0);
        expect(lines(run.stdout)).to.deep.equal(full.slice(0, n));
      }
    });

    it('counts segments that pass the filter; more than there are prints them all', function () {
      const rel = corpus('zeek-echo-connections.pcap.gz');
      const matching = lines(cli('decode', '--filter', 'fin', rel).stdout);
      expect(matching.length).to.equal(1000);
      expect(lines(cli('decode', '--filter', 'fin', '--count', '25', rel).stdout)).to.deep.equal(matching.slice(0, 25));
      expect(lines(cli('decode', '--filter', 'fin', '--count', '5000', rel).stdout)).to.deep.equal(matching);
    });

    it('with --workers 2, stops at the same segment (the chunk where N falls is cut exactly)', function () {
      const rel = corpus('zeek-echo-connections.pcap.gz');
      const one = cli('decode', '--count', '10001', rel);
      const two = cli('decode', '--count', '10001', '--workers', '2', rel);
      expect(two.status).to.equal(0);
      expect(lines(two.stdout)).to.have.length(10001);
      expect(two.stdout).to.equal(one.stdout);
    });
  });

  describe('--csv', function () {
    it('a header row, then one row per segment whose fields agree with the truth table', function () {
      const rel = 'zeek-http-206-sack.pcap';
      const run = cli('decode', '--csv', corpus(rel));
      expect(run.status).to.equal(0);
      const rows = parseCsv(run.stdout);
      expect(rows[0]).to.deep.equal([...CSV_COLUMNS]);
      const truth = readTruth(rel);
      const body = rows.slice(1);
      const json = lines(cli('decode', '--json', corpus(rel)).stdout).map(
        (l) => JSON.parse(l) as { frame: number; timestampNs: string },
      );
      const epoch = new Map(
        json.map((o) => [
          o.frame,
          `${BigInt(o.timestampNs) / 1_000_000_000n}.${String(BigInt(o.timestampNs) % 1_000_000_000n).padStart(9, '0')}`,
        ]),
      );
      expect(body).to.have.length(truth.size);
      const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
      for (const r of body) {
        expect(r).to.have.length(CSV_COLUMNS.length);
        const t = truth.get(Number(r[col('frame')]))!;
        expect(t, `frame ${r[0]} in the truth table`).to.not.equal(undefined);
        expect(r[col('src')]).to.equal(t['ip.src'] ?? t['ipv6.src']);
        expect(r[col('dst_port')]).to.equal(t['tcp.dstport']);
        expect(r[col('seq')]).to.equal(t['tcp.seq_raw']);
        expect(r[col('length')]).to.equal(t['tcp.len']);
        expect(r[col('checksum')]).to.equal(t['tcp.checksum']);
        expect(r[col('time_epoch')]).to.equal(epoch.get(Number(r[col('frame')])));
        expect(r[col('window')]).to.equal(t['tcp.window_size_value']);
      }
    });

    it('fields with commas are quoted, and the options column round-trips to the text output', function () {
      const rel = corpus('edge/zeek-tcp-option-sack.pcap');
      const rows = parseCsv(cli('decode', '--csv', rel).stdout).slice(1);
      const text = lines(cli('decode', rel).stdout);
      expect(rows.length).to.equal(text.length);
      const raw = cli('decode', '--csv', rel).stdout;
      expect(raw).to.match(/,"[^"]*,[^"]*",/);
      rows.forEach((r, i) => {
        const options = r[CSV_COLUMNS.indexOf('options')]!;
        if (options === '') expect(text[i]).to.not.include('options [');
        else expect(text[i]).to.include(`, options [${options}], `);
        if (options.includes(',')) expect(raw).to.include(`"${options}"`);
      });
    });

    it('a bad checksum fills checksum_status and expected_checksum; a failed frame fills only error', function () {
      const bad = parseCsv(cli('decode', '--csv', corpus('edge/zeek-chksums-ip4-tcp-bad-chksum.pcap')).stdout)[1]!;
      const truth = [...readTruth('edge/zeek-chksums-ip4-tcp-bad-chksum.pcap').values()][0]!;
      expect(bad[CSV_COLUMNS.indexOf('checksum_status')]).to.equal('bad');
      expect(bad[CSV_COLUMNS.indexOf('expected_checksum')]).to.equal(truth['tcp.checksum_calculated']);
      const failed = parseCsv(cli('decode', '--csv', corpus('edge/tcpdump-tcp_header_heapoverflow.pcap')).stdout);
      expect(failed).to.have.length(2);
      const row = failed[1]!;
      expect(row[0]).to.equal('1');
      expect(row[CSV_COLUMNS.indexOf('error')]).to.equal('TRUNCATED');
      expect(row.slice(2, -1).every((f) => f === '')).to.equal(true);
    });
  });

  describe('--workers N', function () {
    const FILES = [
      'zeek-echo-connections.pcap.gz',
      'zeek-http-ipv6-1000-requests.pcap.gz',
      'zeek-tcp-ssh-dups.pcap',
      'edge/zeek-tcp-retransmit-timeout.pcapng',
      'edge/tcpdump-tcp_header_heapoverflow.pcap',
      'edge/zeek-chksums-localhost-bad-chksum.pcap',
    ];
    for (const rel of FILES) {
      it(`${rel}: text, --json and --csv output byte-identical to --workers 1`, function () {
        for (const format of [[], ['--json'], ['--csv']]) {
          const one = cli('decode', ...format, corpus(rel));
          for (const n of ['2', '3']) {
            const many = cli('decode', ...format, '--workers', n, corpus(rel));
            expect(many.status).to.equal(0);
            expect(many.stderr).to.equal('');
            expect(many.stdout === one.stdout, `${format.join(' ') || 'text'} --workers ${n}`).to.equal(true);
          }
        }
      });
    }

    it('with a filter as well', function () {
      const rel = corpus('zeek-echo-connections.pcap.gz');
      const one = cli('decode', '--filter', 'fin or rst or tcp.len > 0 and src port 7000', rel);
      expect(lines(one.stdout).length).to.be.greaterThan(100);
      expect(
        cli('decode', '--filter', 'fin or rst or tcp.len > 0 and src port 7000', '--workers', '2', rel).stdout,
      ).to.equal(one.stdout);
    });

    it('a capture cut short: every segment before the fault, the error line, exit 2 (as with one thread)', function () {
      const full = gunzipSync(readCorpusFile('zeek-echo-connections.pcap.gz'));
      const walk = walkPcap(full);
      const k = 20_000;
      const cut = walk.records[k]!.offset + 9;
      const path = join(tempDir, 'cut.pcap');
      writeFileSync(path, full.subarray(0, cut));
      const one = cli('decode', path);
      const two = cli('decode', '--workers', '2', path);
      expect(one.status).to.equal(2);
      expect(two.status).to.equal(2);
      expect(lines(one.stdout)).to.have.length(k);
      expect(two.stdout).to.equal(one.stdout);
      expect(two.stderr).to.equal(one.stderr);
      expect(lines(two.stderr)).to.have.length(1);
      expect(two.stderr).to.include(path);
      expect(two.stderr).to.match(new RegExp(`\\bbyte ${walk.records[k]!.offset}\\b`));
    });

    it('a damaged .gz: the same segments and error as with one thread, exit 2', function () {
      const path = join(tempDir, 'damaged.pcap.gz');
      writeFileSync(path, readCorpusFile('zeek-echo-connections.pcap.gz').subarray(0, 700_000));
      const one = cli('decode', path);
      const two = cli('decode', '--workers', '2', path);
      expect(one.status).to.equal(2);
      expect(two.status).to.equal(2);
      expect(lines(one.stdout).length).to.be.greaterThan(20_000);
      expect(two.stdout === one.stdout).to.equal(true);
      expect(lines(two.stderr)).to.have.length(1);
      expect(two.stderr).to.equal(one.stderr);
      expect(two.stderr).to.include(path);
      expect(two.stderr).to.match(/\bbyte \d+\b/);
    });

    it('--stats on a capture cut short: the summary of the records before the fault, then the error, exit 2', function () {
      const full = gunzipSync(readCorpusFile('zeek-echo-connections.pcap.gz'));
      const walk = walkPcap(full);
      const k = 30_000;
      const path = join(tempDir, 'cut-stats.pcap');
      writeFileSync(path, full.subarray(0, walk.records[k]!.offset + 20));
      for (const workers of ['1', '2']) {
        const run = cli('decode', '--stats', '--json', '--workers', workers, path);
        expect(run.status).to.equal(2);
        const report = JSON.parse(run.stdout) as { frames: number; segments: number };
        expect(report.frames).to.equal(k);
        expect(report.segments).to.equal(k);
        expect(lines(run.stderr)).to.have.length(1);
        expect(run.stderr).to.match(new RegExp(`\\bbyte ${walk.records[k]!.offset}\\b`));
      }
    });

    it('a missing file and a non-capture file: exit 2, one line, nothing on stdout', function () {
      const text = join(tempDir, 'notes.txt');
      writeFileSync(text, 'not a capture at all\n');
      for (const path of [join(tempDir, 'missing.pcap'), text]) {
        const run = cli('decode', '--workers', '2', path);
        expect(run.status).to.equal(2);
        expect(run.stdout).to.equal('');
        expect(lines(run.stderr)).to.have.length(1);
        expect(run.stderr).to.include(path);
      }
    });
  });

  describe('a capture cut inside the pcap file header', function () {
    it('exit 2, the error names the file and byte offset 0', function () {
      const path = join(tempDir, 'header.pcap');
      writeFileSync(path, readCorpusFile('zeek-tcp-ssh-dups.pcap').subarray(0, 10));
      const run = cli('decode', path);
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(lines(run.stderr)).to.have.length(1);
      expect(run.stderr).to.include(path);
      expect(run.stderr).to.match(/\bbyte 0\b/);
      expect(run.stderr).to.include('TRUNCATED');
    });
  });

  describe('usage and filter errors', function () {
    const usage: string[][] = [
      ['--json', '--csv'],
      ['--stats', '--csv'],
      ['--count', '0'],
      ['--count', 'ten'],
      ['--workers', '0'],
      ['--workers', 'many'],
    ];
    for (const args of usage) {
      it(`decode ${args.join(' ')}: exit 1 with the reason and usage`, function () {
        const run = cli('decode', ...args, corpus('zeek-tcp-ssh-dups.pcap'));
        expect(run.status).to.equal(1);
        expect(run.stdout).to.equal('');
        expect(run.stderr).to.include(args[0]!);
        expect(run.stderr).to.include('Usage:');
      });
    }

    it('a filter that does not parse: exit 2, one line with the column, nothing decoded', function () {
      const run = cli('decode', '--filter', 'port 22 and (syn or', corpus('zeek-tcp-ssh-dups.pcap'));
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(lines(run.stderr)).to.deep.equal([
        'tcpwasm decode: --filter "port 22 and (syn or": column 20: expected a test (host, port, a flag, tcp.len ...), found the end of the expression',
      ]);
    });

    it('--workers auto is accepted', function () {
      const run = cli('decode', '--workers', 'auto', '--count', '3', corpus('zeek-tcp-ssh-dups.pcap'));
      expect(run.status).to.equal(0);
      expect(lines(run.stdout)).to.have.length(3);
    });
  });

  describe('progress bar', function () {
    it('never on stderr when it is not a terminal, even with --progress', function () {
      const run = cli('decode', '--progress', corpus('zeek-echo-connections.pcap.gz'));
      expect(run.status).to.equal(0);
      expect(run.stderr).to.equal('');
      expect(run.stdout).to.not.include('\r');
    });

    it('drawn on a terminal (a pseudo-terminal from script(1)) with --progress, and erased at the end', function () {
      const path = join(tempDir, 'echo.pcap');
      writeFileSync(path, gunzipSync(readCorpusFile('zeek-echo-connections.pcap.gz')));
      const command = `${process.execPath} ${MAIN} decode --progress ${path} > /dev/null`;
      const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, encoding: 'utf8' });
      if (run.error) this.skip();
      expect(run.status).to.equal(0);
      expect(run.stdout).to.match(/\r\[[#.]+\] +\d+%/);
      expect(run.stdout).to.include('\r\x1b[K');
    });
  });
});
