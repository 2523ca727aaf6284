// --filter: compiled expressions select exactly the rows a reference predicate over decodeFrame's
// plain objects selects, and malformed expressions fail with the column of the problem.

import { expect } from 'chai';
import { parseCapture, type CaptureRecord } from '../../src/pcap/index.js';
import type { FrameColumns } from '../../src/cli/chunk.js';
import { decodeFrame } from '../../src/wire/decode.js';
import type { DecodedPacket } from '../../src/wire/types.js';
import { FilterSyntaxError, compileFilter } from '../../src/cli/filter.js';
import { ChunkProcessor } from '../../src/cli/process-chunk.js';
import { readCorpusFile } from '../helpers/corpus.js';
import { columnsOf, sliceRows } from './columns.js';

const FILES = [
  'zeek-ftp-ipv6.pcap',
  'zeek-tcp-ssh-dups.pcap',
  'zeek-http-206-sack.pcap',
  'edge/tcpdump-print-flags.pcap',
  'edge/zeek-chksums-ip6-tcp-good-chksum.pcap',
  'edge/tcpdump-accecn_handshake.pcap',
  'edge/tcpdump-tcp_header_heapoverflow.pcap',
];

interface Decoded {
  frame: number;
  p: DecodedPacket;
}

const records: CaptureRecord[] = [];
const batches: FrameColumns[] = [];
let decoded: Decoded[] = [];

/** Frame numbers the command prints for a filter (CSV output: frame is the first column). */
function selected(expression: string): number[] {
  const processor = new ChunkProcessor({ format: 'csv', stats: false, filter: expression });
  const text = batches.map((c) => Buffer.from(processor.process(c).bytes).toString()).join('');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number(l.slice(0, l.indexOf(','))));
}

function reference(test: (p: DecodedPacket) => boolean): number[] {
  return decoded.filter((d) => test(d.p)).map((d) => d.frame);
}

describe('decode --filter', function () {
  before(function () {
    // Frames of several captures renumbered into one run, so IPv4 and IPv6 rows are mixed.
    let index = 0;
    for (const rel of FILES) for (const r of parseCapture(readCorpusFile(rel))) records.push({ ...r, index: ++index });
    const rows = columnsOf(records);
    for (let from = 0; from < rows.count; from += 4096)
      batches.push(sliceRows(rows, from, Math.min(rows.count, from + 4096)));
    decoded = [];
    for (const r of records) {
      try {
        decoded.push({ frame: r.index, p: decodeFrame(r.data, r.linkType, r.originalLength) });
      } catch {
        /* not a segment: never selected */
      }
    }
  });

  const hostV4 = () => decoded.find((d) => d.p.ip.version === 4)!.p.ip.src;
  const hostV6 = () => decoded.find((d) => d.p.ip.version === 6)!.p.ip.dst;
  const portOf = () => decoded.find((d) => d.p.tcp.srcPort !== 80 && d.p.tcp.srcPort < 1024)?.p.tcp.srcPort ?? 22;

  const cases: Array<[string, () => [string, (p: DecodedPacket) => boolean]]> = [
    ['host (IPv4)', () => [`host ${hostV4()}`, (p) => p.ip.src === hostV4() || p.ip.dst === hostV4()]],
    ['src host (IPv6, compressed form)', () => [`src host ${hostV6()}`, (p) => p.ip.src === hostV6()]],
    ['dst host', () => [`dst host ${hostV4()}`, (p) => p.ip.dst === hostV4()]],
    ['port', () => [`port ${portOf()}`, (p) => p.tcp.srcPort === portOf() || p.tcp.dstPort === portOf()]],
    [
      'src port / dst port with or',
      () => [`src port 80 or dst port ${portOf()}`, (p) => p.tcp.srcPort === 80 || p.tcp.dstPort === portOf()],
    ],
    ['tcp.len > N', () => ['tcp.len > 100', (p) => p.payloadLength > 100]],
    [
      'tcp.len >= / <= / == / !=',
      () => [
        'tcp.len >= 1 and tcp.len <= 512 and tcp.len != 48 or tcp.len == 0',
        (p) => (p.payloadLength >= 1 && p.payloadLength <= 512 && p.payloadLength !== 48) || p.payloadLength === 0,
      ],
    ],
    ['flag words', () => ['syn and not ack', (p) => (p.tcp.flags & 0x12) === 0x02]],
    ['flags & a|b', () => ['flags & fin|rst', (p) => (p.tcp.flags & 0x05) !== 0]],
    ['ECN flags', () => ['ece or cwr or ae', (p) => (p.tcp.flags & 0x1c0) !== 0]],
    [
      'ip6 and a comparison on another field',
      () => ['ip6 && tcp.window < 1000', (p) => p.ip.version === 6 && p.tcp.window < 1000],
    ],
    [
      'precedence: and binds tighter than or; parentheses override',
      () => [
        'ip and (psh or fin) and !(tcp.dstport == 80)',
        (p) => p.ip.version === 4 && (p.tcp.flags & 0x09) !== 0 && p.tcp.dstPort !== 80,
      ],
    ],
    [
      'keywords are case-insensitive; seq/ack/hdrlen fields',
      () => [
        'TCP.SEQ > 2147483648 OR tcp.ack < 1000 AND tcp.hdrlen > 20',
        (p) => p.tcp.seq > 2147483648 || (p.tcp.ack < 1000 && p.tcp.headerLength > 20),
      ],
    ],
  ];

  for (const [name, make] of cases) {
    it(`${name}: selects exactly the reference rows`, function () {
      const [expression, test] = make();
      const want = reference(test);
      // The expression must split the rows, or the comparison proves little.
      expect(want.length, `${expression} selects some rows`).to.be.greaterThan(0);
      expect(want.length, `${expression} leaves some rows out`).to.be.lessThan(decoded.length);
      expect(selected(expression)).to.deep.equal(want);
    });
  }

  it('rows that do not decode are never selected, even by `not`', function () {
    const all = selected('not tcp.len > 4294967295');
    expect(all).to.deep.equal(decoded.map((d) => d.frame));
    expect(all.length).to.be.lessThan(records.length);
  });

  const errors: Array<[string, number, RegExp]> = [
    ['', 1, /empty expression/],
    ['host', 5, /address after 'host'/],
    ['host 10.0.0.300', 6, /address after 'host', found '10\.0\.0\.300'/],
    ['port 70000', 6, /port number/],
    ['syn and', 8, /expected a test/],
    ['(syn or fin', 12, /expected '\)' to close the '\(' at column 1/],
    ['tcp.len >> 3', 10, /expected a number/],
    ['tcp.len 3', 9, /comparison/],
    ['src syn', 5, /'host', 'net', 'port' or 'portrange' after 'src'/],
    ['flags & bogus', 9, /expected a flag/],
    ['syn fin', 5, /expected 'and', 'or' or the end/],
    ['frobnicate', 1, /unknown test 'frobnicate'/],
    ['syn $ fin', 5, /unexpected character "\$"/],
  ];
  for (const [expression, column, message] of errors) {
    it(`${JSON.stringify(expression)}: syntax error at column ${column}`, function () {
      let thrown: unknown;
      try {
        compileFilter(expression);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(FilterSyntaxError);
      const e = thrown as FilterSyntaxError;
      expect(e.column).to.equal(column);
      expect(e.message).to.match(message);
      expect(e.message.startsWith(`column ${column}: `)).to.equal(true);
    });
  }
});
