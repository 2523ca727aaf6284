// tcpdump habits in `tcpwasm decode` (built CLI as a child process): -r, -c, -n/-nn/-S, -K,
// -v, -#, the filter as trailing words, and standard input (`-`, /dev/stdin) read as a pipe.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { MAIN, cli, corpus, ensureBuilt, lines, repoRoot } from './cli-run.js';

/** Runs the CLI with `input` on a pipe as its standard input. */
function cliPiped(input: Uint8Array, ...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SACK = corpus('zeek-http-206-sack.pcap');
const LOOPBACK = corpus('edge/zeek-chksums-localhost-bad-chksum.pcap');

describe('decode: tcpdump habits (built CLI)', function () {
  before(function () {
    ensureBuilt(this);
  });

  it('-r FILE is the same as FILE, and -c N as --count N', function () {
    const plain = cli('decode', '--count', '9', SACK);
    const run = cli('decode', '-r', SACK, '-c', '9');
    expect(run.status).to.equal(0);
    expect(lines(run.stdout)).to.have.length(9);
    expect(run.stdout).to.equal(plain.stdout);
  });

  it('the trailing words are the filter: `decode -r f port 80 and fin` equals --filter', function () {
    const trailing = cli('decode', '-r', SACK, 'port', '80', 'and', 'fin');
    const flag = cli('decode', SACK, '--filter', 'port 80 and fin');
    expect(trailing.status).to.equal(0);
    expect(lines(trailing.stdout).length).to.be.greaterThan(0);
    expect(trailing.stdout).to.equal(flag.stdout);
    // Without -r the first word is the file and the rest the filter.
    expect(cli('decode', SACK, 'port', '80', 'and', 'fin').stdout).to.equal(flag.stdout);
  });

  it('a filter both as --filter and as trailing words is a usage error (exit 1)', function () {
    const run = cli('decode', '-r', SACK, '--filter', 'fin', 'syn');
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include('filter given twice');
  });

  it('-n, -nn and -S select the tcpdump -nn -S line: no checksum text, no seq on a pure ACK', function () {
    const out = lines(cli('decode', '-nn', '-S', '-r', SACK, '-c', '4').stdout);
    expect(out).to.have.length(4);
    for (const line of out) expect(line).not.to.include('cksum');
    // Frame 3 is the handshake's pure ACK: tcpdump prints it without seq.
    expect(out[2]).to.equal(
      '06:47:57.042650 IP 10.101.84.70.10977 > 129.174.93.161.80: Flags [.], ack 2790546330, win 32768, length 0',
    );
    expect(cli('decode', '-n', '-r', SACK, '-c', '4').stdout).to.equal(`${out.join('\n')}\n`);
    expect(cli('decode', '-S', '-r', SACK, '-c', '4').stdout).to.equal(`${out.join('\n')}\n`);
    // The default line keeps seq and the checksum verdict.
    const dflt = lines(cli('decode', '-r', SACK, '-c', '4').stdout);
    expect(dflt[2]).to.match(/Flags \[\.\], seq 283279179, ack 2790546330, .* cksum 0x[0-9a-f]{4} \(correct\)$/);
  });

  it('-# prefixes the frame number as tcpdump does (5 columns, two spaces)', function () {
    const out = lines(cli('decode', '-#', '-nn', '-r', SACK, 'fin').stdout);
    expect(out.length).to.be.greaterThan(0);
    for (const line of out) expect(line).to.match(/^ {0,4}[1-9][0-9]* {2}\d\d:\d\d:\d\d\.\d{6} IP /);
    const json = lines(cli('decode', '--json', '-r', SACK, 'fin').stdout).map(
      (l) => (JSON.parse(l) as { frame: number }).frame,
    );
    expect(out.map((l) => Number(l.trim().split(' ')[0]))).to.deep.equal(json);
  });

  it('-K / --no-verify: a loopback capture with offloaded checksums prints no (incorrect -> …) verdict', function () {
    let out: string[] = [];
    const verified = cli('decode', LOOPBACK);
    expect(verified.stdout).to.include('(incorrect -> ');
    for (const flag of ['-K', '--no-verify']) {
      const run = cli('decode', flag, LOOPBACK);
      expect(run.status).to.equal(0);
      out = lines(run.stdout);
      expect(out).to.have.length(lines(verified.stdout).length);
      for (const line of out) expect(line).not.to.include('cksum');
      // The rest of each line is unchanged.
      expect(out).to.deep.equal(lines(verified.stdout).map((l) => l.replace(/, cksum 0x[0-9a-f]{4} \(.*\)$/, '')));
    }
    const csv = lines(cli('decode', '-K', '--csv', LOOPBACK).stdout).slice(1);
    for (const row of csv) expect(row).to.include(',unchecked,');
    const json = lines(cli('decode', '-K', '--json', LOOPBACK).stdout).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    expect(json).to.have.length(out.length);
    for (const o of json) {
      expect(o.checksumStatus).to.equal('unchecked');
      expect(o).not.to.have.property('expectedChecksum');
    }
  });

  it('-v is verbosity, not the version: decode -v prints segments; --version still prints the version', function () {
    const run = cli('decode', '-v', '-r', SACK, '-c', '2');
    expect(run.status).to.equal(0);
    expect(lines(run.stdout)).to.have.length(2);
    const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
    expect(cli('--version').stdout).to.equal(`${pkg.version}\n`);
  });

  for (const name of ['-', '/dev/stdin']) {
    it(`${name} reads a capture from a pipe (no seek, no size): same lines as the file`, function () {
      const file = cli('decode', SACK);
      const run = cliPiped(readFileSync(SACK), 'decode', '-r', name);
      expect(run.stderr).to.equal('');
      expect(run.status).to.equal(0);
      expect(run.stdout).to.equal(file.stdout);
    });
  }

  it('a gzip capture on standard input is decompressed; a filter and -c apply', function () {
    const want = cli('decode', SACK, '-c', '5', 'port', '80');
    const run = cliPiped(gzipSync(readFileSync(SACK)), 'decode', '-', '-c', '5', 'port', '80');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.equal(want.stdout);
  });

  it('a pipe that is not a capture: exit 2, stderr names it', function () {
    const run = cliPiped(new TextEncoder().encode('hello, not a pcap at all\n'), 'decode', '-');
    expect(run.status).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.include('tcpwasm: -: not a pcap or pcapng file');
  });

  it('an empty pipe: exit 2 (empty file)', function () {
    const run = cliPiped(new Uint8Array(0), 'decode', '-');
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('empty file');
  });
});
