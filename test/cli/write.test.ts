// `decode -w FILE`: the matching frames written as a capture. Oracles: tshark reads what we
// write (frame count equals our match count, link type and timestamps kept), and decoding what
// we wrote gives the same lines as the filtered decode of the original.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTshark } from '../helpers/tshark.js';
import { MAIN, cli, corpus, ensureBuilt, lines, repoRoot } from './cli-run.js';

let dir = '';

function tshark(file: string, ...fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  expect(r.status, r.stderr).to.equal(0);
  return lines(r.stdout).map((l) => l.split('\t'));
}

const CASES: Array<{ rel: string; filter: string[]; out: string; magic: number[] }> = [
  { rel: 'zeek-http-206-sack.pcap', filter: ['tcp.len', '>', '0'], out: 'data.pcap', magic: [0x4d, 0x3c, 0xb2, 0xa1] },
  {
    rel: 'zeek-echo-connections.pcap.gz',
    filter: ['syn', 'or', 'fin'],
    out: 'echo.pcap',
    magic: [0x4d, 0x3c, 0xb2, 0xa1],
  },
  // pcapng in, no extension: pcapng out.
  { rel: 'edge/zeek-tcp-retransmit-timeout.pcapng', filter: [], out: 'retransmit', magic: [0x0a, 0x0d, 0x0d, 0x0a] },
  { rel: 'gopacket-test_loopback.pcap', filter: ['ack'], out: 'loop.pcapng', magic: [0x0a, 0x0d, 0x0d, 0x0a] },
];

describe('decode -w FILE (built CLI)', function () {
  before(function () {
    ensureBuilt(this);
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-write-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const { rel, filter, out, magic } of CASES) {
    it(`${rel} ${filter.join(' ') || '(all)'} -> ${out}: decode of the output equals the filtered decode, link types kept`, function () {
      const path = join(dir, out);
      const want = lines(cli('decode', '-r', corpus(rel), ...filter).stdout);
      expect(want.length).to.be.greaterThan(0);
      const run = cli('decode', '-r', corpus(rel), '-w', path, ...filter);
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('');
      expect([...readFileSync(path).subarray(0, 4)]).to.deep.equal(magic);
      expect(lines(cli('decode', '-r', path).stdout)).to.deep.equal(want);
      const linkTypes = (args: string[]) =>
        lines(cli('decode', '--json', ...args).stdout).map((l) => (JSON.parse(l) as { linkType: number }).linkType);
      expect(linkTypes(['-r', path])).to.deep.equal(linkTypes(['-r', corpus(rel), ...filter]));
    });

    it(`${rel} -> ${out}: tshark reads it; frame count, timestamps and wire lengths equal the source frames`, function () {
      requireTshark(this);
      const path = join(dir, `tshark-${out}`);
      const run = cli('decode', '-r', corpus(rel), '-w', path, ...filter);
      expect(run.status, run.stderr).to.equal(0);
      const ours = lines(cli('decode', '--json', '-r', corpus(rel), ...filter).stdout)
        .map((l) => JSON.parse(l) as { frame?: number; timestampNs: string; linkType?: number; error?: unknown })
        .filter((o) => o.error === undefined);
      const written = tshark(path, 'frame.number', 'frame.time_epoch', 'frame.len');
      expect(written).to.have.length(ours.length);
      for (let k = 0; k < ours.length; k++) {
        const ns = BigInt(ours[k]!.timestampNs);
        expect(written[k]![1], `frame ${k + 1}`).to.equal(
          `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`,
        );
      }
      // The source frames they came from carry the same time and wire length.
      const source = new Map(
        tshark(corpus(rel).endsWith('.gz') ? gunzipped(rel) : corpus(rel), 'frame.number', 'frame.len').map(
          ([n, len]) => [Number(n), len],
        ),
      );
      ours.forEach((o, k) => expect(written[k]![2]).to.equal(source.get(o.frame!)));
    });
  }

  it('-w - writes the capture to standard output, byte for byte what -w FILE writes', function () {
    const path = join(dir, 'stdout.pcap');
    expect(cli('decode', '-r', corpus('zeek-http-206-sack.pcap'), '-w', path, 'fin').status).to.equal(0);
    const r = spawnSync(process.execPath, [MAIN, 'decode', '-r', corpus('zeek-http-206-sack.pcap'), '-w', '-', 'fin'], {
      cwd: repoRoot,
    });
    expect(r.status).to.equal(0);
    expect(Buffer.compare(r.stdout, readFileSync(path))).to.equal(0);
    expect(r.stdout.length).to.be.greaterThan(24);
  });

  it('-c N with -w writes N frames', function () {
    const path = join(dir, 'count.pcap');
    expect(cli('decode', '-r', corpus('zeek-http-206-sack.pcap'), '-c', '7', '-w', path).status).to.equal(0);
    expect(lines(cli('decode', '-r', path).stdout)).to.have.length(7);
  });

  it('no frame matches: a valid capture with no records (tcpdump does the same)', function () {
    const path = join(dir, 'none.pcap');
    expect(cli('decode', '-r', corpus('zeek-http-206-sack.pcap'), '-w', path, 'port', '1').status).to.equal(0);
    expect(readFileSync(path)).to.have.length(24);
    const run = cli('decode', '-r', path);
    expect(run.status).to.equal(0);
    expect(run.stdout).to.equal('');
  });

  it('-w with --json is a usage error; an unwritable path exits 2 naming it', function () {
    expect(cli('decode', '-r', corpus('zeek-http-206-sack.pcap'), '--json', '-w', join(dir, 'x.pcap')).status).to.equal(
      1,
    );
    const bad = join(dir, 'no-such-dir', 'x.pcap');
    const run = cli('decode', '-r', corpus('zeek-http-206-sack.pcap'), '-w', bad);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include(bad);
  });
});

function gunzipped(rel: string): string {
  const path = join(dir, rel.replace(/\//g, '_').replace(/\.gz$/, ''));
  const r = spawnSync('sh', ['-c', `gzip -dc '${corpus(rel)}' > '${path}'`]);
  expect(r.status).to.equal(0);
  return path;
}
