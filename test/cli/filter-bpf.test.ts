// The pcap-filter (BPF) forms of the filter language. Oracle: for TCP-only filters, the frames
// `tcpwasm decode -r FILE FILTER` prints are counted against `tcpdump -r FILE -nn FILTER | wc -l`
// on every capture of the corpus; other BPF primitives are refused with a typed error.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FilterSyntaxError, UnsupportedFilterError, compileFilter } from '../../src/cli/filter.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { cli, corpus, ensureBuilt, lines } from './cli-run.js';
import { parseCapture } from '../../src/pcap/index.js';
import { ChunkProcessor } from '../../src/cli/process-chunk.js';
import type { FrameColumns } from '../../src/cli/chunk.js';
import { columnsOf, sliceRows } from './columns.js';

/** Segments the decode command prints for `filter` over the rows. */
function selectedCount(rows: FrameColumns, filter: string): number {
  const processor = new ChunkProcessor({ format: 'none', stats: false, filter });
  let n = 0;
  for (let from = 0; from < rows.count; from += 4096)
    n += processor.process(sliceRows(rows, from, Math.min(rows.count, from + 4096))).printed;
  return n;
}

const FILTERS = [
  'tcp',
  'tcp port 80',
  'tcp and port 21',
  'tcp src port 80 or tcp dst port 22',
  'tcp and host 129.174.93.161',
  'tcp and src host 10.101.84.70 and not dst port 80',
  'tcp and net 10.0.0.0/8',
  'tcp and src net 129.174.0.0/16',
  'tcp and dst net 2001:470::/32',
  'tcp portrange 20-25',
  'tcp and (src portrange 1024-65535 and dst portrange 0-1023)',
  'tcp[tcpflags] & tcp-syn != 0',
  'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0',
  'tcp[tcpflags] & tcp-rst != 0 or tcp[tcpflags] & tcp-urg != 0',
  'tcp[tcpflags] == tcp-syn',
  'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn|tcp-ack',
  'tcp[tcpflags] & tcp-push != 0 and not tcp port 80',
  'tcp[13] & 0x11 = 0x11',
  'tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0',
];

/**
 * Captures where tcpdump's count differs, and why. BPF's `tcp` tests the IPv6 next-header field
 * of the fixed header only, so a segment behind extension headers is not TCP to tcpdump; and a
 * frame whose TCP header is cut short still matches a BPF port test (the ports were captured)
 * while we print only segments that decode.
 */
const DIFFERENT: Record<string, string> = {
  'edge/zeek-chksums-ip6-hoa-tcp-bad-chksum.pcap': 'IPv6 destination options header before TCP',
  'edge/zeek-chksums-ip6-hoa-tcp-good-chksum.pcap': 'IPv6 destination options header before TCP',
  'edge/zeek-chksums-ip6-route0-tcp-bad-chksum.pcap': 'IPv6 routing header before TCP',
  'edge/zeek-chksums-ip6-route0-tcp-good-chksum.pcap': 'IPv6 routing header before TCP',
  'edge/tcpdump-heapoverflow-tcp_print.pcap': 'TCP header cut short',
  'edge/tcpdump-tcp-auth-heapoverflow.pcap': 'TCP header cut short',
  'edge/tcpdump-tcp_header_heapoverflow.pcap': 'TCP header cut short',
  'edge/zeek-trunc-ip-discarder-truncated-tcp-oob.pcapng': 'TCP header cut short',
  'zeek-tcp-truncated-header.pcap': 'TCP header cut short',
};

let dir = '';

describe('filter: pcap-filter forms (tcp, net, portrange, tcp[tcpflags])', function () {
  describe('against tcpdump over the corpus', function () {
    before(function () {
      if (spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status !== 0) {
        if (process.env.CI) throw new Error('tcpdump is required under CI (apt-get install tcpdump)');
        this.skip();
      }
      ensureBuilt(this);
      dir = mkdtempSync(join(tmpdir(), 'tcpwasm-bpf-'));
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('every filter selects as many frames as tcpdump on every capture (the listed ones excepted)', function () {
      this.timeout(900_000);
      const mismatches: string[] = [];
      let compared = 0;
      let nonZero = 0;
      for (const rel of corpusCaptures()) {
        if (rel in DIFFERENT) continue;
        let path = corpus(rel);
        if (rel.endsWith('.gz')) {
          path = join(dir, rel.replace(/\//g, '_').replace(/\.gz$/, ''));
          writeFileSync(path, gunzipSync(readCorpusFile(rel)));
        }
        // Ours in process (the command's own ChunkProcessor; the CLI path is tested elsewhere).
        const rows = columnsOf([...parseCapture(readFileSync(path))]);
        for (const filter of FILTERS) {
          const theirs = spawnSync('tcpdump', ['-r', path, '-nn', filter], { encoding: 'utf8', maxBuffer: 1 << 30 });
          expect(theirs.status, `${filter}: ${theirs.stderr}`).to.equal(0);
          // libpcap applies tcp[...] to IPv4 only (pcap-filter(7)); ours tests IPv6 too, so
          // tcpdump's selection is ours restricted to IPv4.
          const a = lines(theirs.stdout).length;
          const b = selectedCount(rows, filter.includes('tcp[') ? `ip and (${filter})` : filter);
          compared++;
          if (a > 0) nonZero++;
          if (a !== b) mismatches.push(`${rel} '${filter}': tcpdump ${a}, tcpwasm ${b}`);
        }
      }
      expect(mismatches).to.deep.equal([]);
      // The filters are not all vacuous on this corpus.
      expect(nonZero).to.be.greaterThan(compared / 4);
    });

    it('tcp[tcpflags] tests IPv6 segments too, where libpcap matches none', function () {
      const rel = corpus('zeek-ftp-ipv6.pcap');
      expect(
        lines(spawnSync('tcpdump', ['-r', rel, '-nn', 'tcp[tcpflags] & tcp-syn != 0'], { encoding: 'utf8' }).stdout),
      ).to.have.length(0);
      const ours = lines(cli('decode', '-r', rel, 'tcp[tcpflags] & tcp-syn != 0').stdout);
      expect(ours).to.have.length(12);
      for (const line of ours) expect(line).to.match(/ IP6 .*Flags \[S/);
    });

    it('the excepted captures differ for the reason given: tcpdump matches nothing behind IPv6 extension headers', function () {
      const rel = 'edge/zeek-chksums-ip6-route0-tcp-good-chksum.pcap';
      expect(
        lines(spawnSync('tcpdump', ['-r', corpus(rel), '-nn', 'tcp'], { encoding: 'utf8' }).stdout),
      ).to.have.length(0);
      expect(lines(cli('decode', '-r', corpus(rel), 'tcp').stdout)).to.have.length(1);
    });
  });

  describe('errors', function () {
    for (const [source, primitive] of [
      ['udp port 53', 'udp'],
      ['tcp and icmp', 'icmp'],
      ['less 100', 'less'],
      ['tcp[0:2] > 1024', 'tcp[0:2]'],
      ['ether host 00:11:22:33:44:55', 'ether'],
      ['vlan and tcp', 'vlan'],
      ['ip[8] < 5', 'ip[8]'],
    ] as const) {
      it(`'${source}' is refused with UnsupportedFilterError naming '${primitive}'`, function () {
        let error: unknown;
        try {
          compileFilter(source);
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(UnsupportedFilterError);
        expect((error as UnsupportedFilterError).primitive).to.equal(primitive);
        expect((error as Error).message).to.include(`'${primitive}'`);
      });
    }

    for (const source of [
      'net 10.0.0.1/8',
      'net 10.0.0.0/33',
      'net fe80::1/10',
      'portrange 80',
      'portrange 1-70000',
      'tcp[tcpflags] & tcp-bogus != 0',
      'tcp[tcpflags] & tcp-syn',
      'tcp host 10.0.0.1',
      'net',
    ]) {
      it(`'${source}' does not parse (FilterSyntaxError with a column)`, function () {
        expect(() => compileFilter(source)).to.throw(FilterSyntaxError, /column \d+/);
      });
    }

    it('the CLI exits 2 on an unsupported primitive, naming it', function () {
      ensureBuilt(this);
      const run = cli('decode', '-r', corpus('zeek-http-206-sack.pcap'), 'udp', 'port', '53');
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.include("'udp' is a pcap-filter primitive tcpwasm does not support");
    });
  });
});
