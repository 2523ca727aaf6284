// --stats: every count agrees with a reference computed here from decodeFrame's plain objects.

import { expect } from 'chai';
import { DecodeError } from '../../src/wire/errors.js';
import { parseCapture } from '../../src/pcap/index.js';
import { decodeFrame } from '../../src/wire/decode.js';
import type { DecodedPacket } from '../../src/wire/types.js';
import type { StatsReport } from '../../src/cli/stats.js';
import { readCorpusFile } from '../helpers/corpus.js';
import { cli, corpus, ensureBuilt, lines } from './cli-run.js';

const FLAG_BITS: Record<string, number> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 16,
  urg: 32,
  ece: 64,
  cwr: 128,
  ae: 256,
};
const TYPED: Record<number, (p: DecodedPacket) => boolean> = {
  2: (p) => p.tcp.options.mss !== undefined,
  3: (p) => p.tcp.options.windowScale !== undefined,
  4: (p) => p.tcp.options.sackPermitted === true,
  5: (p) => p.tcp.options.sack !== undefined,
  8: (p) => p.tcp.options.timestamp !== undefined,
};

type Expected = Omit<
  StatsReport,
  'file' | 'filter' | 'elapsedSeconds' | 'segmentsPerSecond' | 'framesPerSecond' | 'megabytesPerSecond'
>;

function expected(rel: string, keep: (p: DecodedPacket) => boolean = () => true): Expected {
  const e: Expected = {
    frames: 0,
    frameBytes: 0,
    segments: 0,
    payloadBytes: 0,
    flows: 0,
    flowsExact: true,
    flags: Object.fromEntries(Object.keys(FLAG_BITS).map((k) => [k, 0])),
    options: { any: 0, mss: 0, wscale: 0, sackOK: 0, timestamp: 0, sack: 0, other: 0 },
    checksums: { good: 0, bad: 0, unverifiable: 0 },
    errors: {},
  };
  const flows = new Set<string>();
  for (const r of parseCapture(readCorpusFile(rel))) {
    e.frames++;
    e.frameBytes += r.data.length;
    let p: DecodedPacket;
    try {
      p = decodeFrame(r.data, r.linkType, r.originalLength);
    } catch (error) {
      const code = (error as DecodeError).code;
      e.errors[code] = (e.errors[code] ?? 0) + 1;
      continue;
    }
    if (!keep(p)) continue;
    e.segments++;
    e.payloadBytes += p.payloadLength;
    for (const [name, bit] of Object.entries(FLAG_BITS)) if (p.tcp.flags & bit) e.flags[name]!++;
    const o = p.tcp.options;
    if (p.tcp.headerLength > 20) e.options.any!++;
    if (TYPED[2]!(p)) e.options.mss!++;
    if (TYPED[3]!(p)) e.options.wscale!++;
    if (TYPED[4]!(p)) e.options.sackOK!++;
    if (TYPED[8]!(p)) e.options.timestamp!++;
    if (TYPED[5]!(p)) e.options.sack!++;
    // Raw options the decoder flags: an unknown kind, or a known kind whose first occurrence is malformed.
    if (o.kinds.some((k) => (k > 1 && TYPED[k] === undefined) || (TYPED[k] !== undefined && !TYPED[k]!(p))))
      e.options.other!++;
    e.checksums[p.checksumStatus]++;
    const a = `${p.ip.src}|${p.tcp.srcPort}`;
    const b = `${p.ip.dst}|${p.tcp.dstPort}`;
    flows.add(a < b ? `${a}-${b}` : `${b}-${a}`);
  }
  e.flows = flows.size;
  return e;
}

function statsJson(...args: string[]): StatsReport {
  const run = cli('decode', '--stats', '--json', ...args);
  expect(run.status, run.stderr).to.equal(0);
  const out = lines(run.stdout);
  expect(out).to.have.length(1);
  return JSON.parse(out[0]!) as StatsReport;
}

function withoutTiming(r: StatsReport): Expected {
  const {
    file: _f,
    filter: _q,
    elapsedSeconds: _e,
    segmentsPerSecond: _s,
    framesPerSecond: _r,
    megabytesPerSecond: _m,
    ...rest
  } = r;
  return rest;
}

describe('decode --stats', function () {
  before(function () {
    ensureBuilt(this);
  });

  const FILES = [
    'zeek-echo-connections.pcap.gz',
    'zeek-http-206-sack.pcap',
    'edge/tcpdump-tfo-5c1fa7f9ae91.pcap',
    'edge/zeek-chksums-localhost-bad-chksum.pcap',
    'edge/zeek-tcp-retransmit-fast009.pcap',
    'edge/tcpdump-tcp_header_heapoverflow.pcap',
    'gopacket-test_loopback.pcap',
  ];
  for (const rel of FILES) {
    it(`${rel}: --json report matches the reference counts`, function () {
      const report = statsJson(corpus(rel));
      const want = expected(rel);
      expect(want.frames).to.be.greaterThan(0);
      expect(withoutTiming(report)).to.deep.equal(want);
      expect(report.file).to.equal(corpus(rel));
      expect(report.filter).to.equal(null);
    });
  }

  it('the chosen files exercise every part: errors, bad and unverifiable checksums, raw options, SACK, many flows', function () {
    const all = FILES.map((rel) => expected(rel));
    expect(
      all.some((e) => Object.keys(e.errors).length > 0),
      'decode errors',
    ).to.equal(true);
    expect(
      all.some((e) => e.checksums.bad > 0),
      'bad checksums',
    ).to.equal(true);
    expect(
      all.some((e) => e.checksums.unverifiable > 0),
      'unverifiable checksums',
    ).to.equal(true);
    expect(
      all.some((e) => e.options.other! > 0),
      'raw options',
    ).to.equal(true);
    expect(
      all.some((e) => e.options.sack! > 0),
      'SACK',
    ).to.equal(true);
    expect(Math.max(...all.map((e) => e.flows))).to.be.greaterThan(100);
  });

  it('with --filter, segment counts cover the matching segments; errors still count every frame', function () {
    const rel = 'zeek-echo-connections.pcap.gz';
    const report = statsJson('--filter', 'syn and ack', corpus(rel));
    const want = expected(rel, (p) => (p.tcp.flags & 0x12) === 0x12);
    expect(want.segments).to.be.greaterThan(0);
    expect(withoutTiming(report)).to.deep.equal(want);
    expect(report.filter).to.equal('syn and ack');
  });

  it('with --count N, the counts cover the first N segments', function () {
    const report = statsJson('--count', '1000', corpus('zeek-echo-connections.pcap.gz'));
    expect(report.segments).to.equal(1000);
    expect(report.frames).to.equal(1000);
    expect(report.checksums.good).to.equal(1000);
  });

  it('throughput figures are consistent with the counts and the elapsed time', function () {
    const r = statsJson(corpus('zeek-echo-connections.pcap.gz'));
    expect(r.elapsedSeconds).to.be.greaterThan(0);
    expect(r.segmentsPerSecond).to.be.closeTo(r.segments / r.elapsedSeconds, r.segmentsPerSecond * 0.001 + 1);
    expect(r.framesPerSecond).to.be.closeTo(r.frames / r.elapsedSeconds, r.framesPerSecond * 0.001 + 1);
    expect(r.megabytesPerSecond).to.be.closeTo(r.frameBytes / 1e6 / r.elapsedSeconds, 0.01);
  });

  it('--workers 2 gives the same report (timing aside)', function () {
    for (const rel of [
      'zeek-echo-connections.pcap.gz',
      'edge/zeek-tcp-retransmit-fast009.pcap',
      'edge/tcpdump-tcp_header_heapoverflow.pcap',
    ]) {
      expect(withoutTiming(statsJson('--workers', '2', corpus(rel)))).to.deep.equal(
        withoutTiming(statsJson(corpus(rel))),
      );
    }
  });

  it('the text summary: one labelled line per figure, same numbers as the JSON', function () {
    const rel = 'edge/zeek-chksums-localhost-bad-chksum.pcap';
    const run = cli('decode', '--stats', corpus(rel));
    expect(run.status).to.equal(0);
    const want = expected(rel);
    const byLabel = new Map(
      lines(run.stdout).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    );
    expect([...byLabel.keys()]).to.deep.equal([
      'file',
      'frames',
      'segments',
      'flows',
      'flags',
      'options',
      'checksums',
      'not decoded',
      'elapsed',
      'throughput',
    ]);
    expect(byLabel.get('frames')).to.equal(`${want.frames} (${want.frameBytes} bytes)`);
    expect(byLabel.get('segments')).to.equal(`${want.segments} (${want.payloadBytes} payload bytes)`);
    expect(byLabel.get('flows')).to.equal(String(want.flows));
    expect(byLabel.get('checksums')).to.equal(
      `good ${want.checksums.good}, bad ${want.checksums.bad}, unverifiable ${want.checksums.unverifiable}`,
    );
    expect(byLabel.get('flags')).to.equal(
      Object.entries(want.flags)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    );
    expect(byLabel.get('elapsed')).to.match(/^\d+\.\d{3} s$/);
    expect(byLabel.get('throughput')).to.match(/^\d+ segments\/s, \d+ frames\/s, \d+\.\d MB\/s$/);
  });
});
