// The built CLI (`node dist/cli/main.js`) run as a child process: output against the corpus truth
// tables, exit statuses, error reporting, and a consumer that closes the pipe early.

import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { CORPUS_DIR, readCorpusFile, readTruth, type TruthRow } from '../helpers/corpus.js';
import { MAGIC_NS, MAGIC_US, buildPcap, walkPcap, walkPcapng, walkedTimestampNs } from '../helpers/capture-bytes.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = 'dist/cli/main.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 512 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

const corpus = (rel: string): string => join(CORPUS_DIR, rel);

/** Record timestamps in ns by frame number, read straight from the capture's bytes. */
function rawTimestamps(rel: string): bigint[] {
  const bytes = readCorpusFile(rel);
  if (rel.endsWith('.pcapng')) return walkPcapng(bytes).packets.map((p) => p.units * 1000n); // default µs
  const file = walkPcap(rel.endsWith('.gz') ? gunzipSync(bytes) : bytes);
  return file.records.map((r) => walkedTimestampNs(file, r));
}

/** HH:MM:SS.ffffff in UTC, microseconds truncated, as tcpdump -tt would show the time of day. */
function timeOfDay(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const micros = (ns % 1_000_000_000n) / 1000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(11, 19)}.${micros.toString().padStart(6, '0')}`;
}

function isoTime(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

// tcpdump's letters for the flag combinations the chosen files contain (ACK is '.').
const FLAGS: Record<number, string> = {
  0x01: 'F',
  0x02: 'S',
  0x04: 'R',
  0x10: '.',
  0x11: 'F.',
  0x12: 'S.',
  0x14: 'R.',
  0x18: 'P.',
  0x19: 'FP.',
};

function list(text: string | undefined): number[] {
  return text === undefined || text === '' ? [] : text.split(',').map(Number);
}

/** tcpdump's option list, built from the truth row's option kinds and values. */
function optionsText(row: TruthRow): string {
  const le = list(row['tcp.options.sack_le']);
  const re = list(row['tcp.options.sack_re']);
  // tshark lists every eol of the padding; tcpdump (and we) print the first and stop (RFC 9293 §3.2).
  const kinds = list(row['tcp.option_kind']);
  const eol = kinds.indexOf(0);
  return (eol < 0 ? kinds : kinds.slice(0, eol + 1))
    .map((kind) => {
      switch (kind) {
        case 0:
          return 'eol';
        case 1:
          return 'nop';
        case 2:
          return `mss ${row['tcp.options.mss_val']}`;
        case 3:
          return `wscale ${row['tcp.options.wscale.shift']}`;
        case 4:
          return 'sackOK';
        case 5:
          return `sack ${le.length} ${le.map((l, i) => `{${l}:${re[i]}}`).join('')}`;
        case 8:
          return `TS val ${row['tcp.options.timestamp.tsval']} ecr ${row['tcp.options.timestamp.tsecr']}`;
        default:
          throw new Error(`test cannot render option kind ${kind}`);
      }
    })
    .join(',');
}

/** The expected text line for a truth-table row, in the CLI's documented tcpdump-like layout. */
function expectedLine(row: TruthRow, timestampNs: bigint): string {
  const v6 = row['ipv6.src'] !== '';
  const flags = parseInt(row['tcp.flags']!, 16);
  const letters = FLAGS[flags];
  if (letters === undefined) throw new Error(`test cannot render flags ${row['tcp.flags']}`);
  const seq = Number(row['tcp.seq_raw']);
  const length = Number(row['tcp.len']);
  const status = row['tcp.checksum.status'];
  if (status !== '0' && status !== '1') throw new Error(`test expects a verified checksum, row has status ${status}`);
  const options = optionsText(row);
  return (
    `${timeOfDay(timestampNs)} ${v6 ? 'IP6' : 'IP'} ` +
    `${v6 ? row['ipv6.src'] : row['ip.src']}.${row['tcp.srcport']} > ${v6 ? row['ipv6.dst'] : row['ip.dst']}.${row['tcp.dstport']}: ` +
    `Flags [${letters}], seq ${seq}${length > 0 ? `:${(seq + length) >>> 0}` : ''}` +
    `${flags & 0x10 ? `, ack ${row['tcp.ack_raw']}` : ''}, win ${row['tcp.window_size_value']}` +
    `${options ? `, options [${options}]` : ''}, length ${length}, ` +
    `cksum ${row['tcp.checksum']} (${status === '1' ? 'correct' : `incorrect -> ${row['tcp.checksum_calculated']}`})`
  );
}

let tempDir = '';
let tempCount = 0;

function tempFile(bytes: Uint8Array, suffix: string): string {
  const path = join(tempDir, `input-${tempCount++}${suffix}`);
  writeFileSync(path, bytes);
  return path;
}

describe('CLI: tcpwasm decode (built dist/cli/main.js)', function () {
  before(function () {
    if (!existsSync(join(repoRoot, MAIN))) {
      this.timeout(600_000);
      const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
      expect(build.status, 'npm run build').to.equal(0);
    }
    expect(existsSync(join(repoRoot, MAIN)), `${MAIN} after the build`).to.equal(true);
    tempDir = mkdtempSync(join(tmpdir(), 'tcpwasm-cli-test-'));
  });

  after(function () {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });

  describe('text output', function () {
    it('edge/zeek-tcp-options.pcap: one line per segment; SYN and SYN-ACK exactly as tcpdump would print them', function () {
      const rel = 'edge/zeek-tcp-options.pcap';
      const truth = readTruth(rel);
      const times = rawTimestamps(rel);
      const run = cli('decode', corpus(rel));
      expect(run.stderr).to.equal('');
      expect(run.status).to.equal(0);
      const out = lines(run.stdout);
      expect(out).to.have.length(truth.size);
      const syn = expectedLine(truth.get(1)!, times[0]!);
      const synAck = expectedLine(truth.get(2)!, times[1]!);
      // The expectation builder itself, checked against the brief's example layout.
      expect(syn).to.match(
        /^\d\d:\d\d:\d\d\.\d{6} IP 192\.168\.1\.102\.36861 > 193\.1\.193\.64\.80: Flags \[S\], seq 3750886907, win 5840, options \[mss 1460,sackOK,TS val 4294923497 ecr 0,nop,wscale 6\], length 0, cksum 0x2a1c \(correct\)$/,
      );
      expect(synAck).to.include(
        'Flags [S.], seq 724047884, ack 3750886908, win 5792, options [mss 1380,sackOK,TS val 419445911 ecr 4294923497,nop,wscale 7]',
      );
      expect(out[0]).to.equal(syn);
      expect(out[1]).to.equal(synAck);
      expect(out[2]).to.equal(expectedLine(truth.get(3)!, times[2]!));
      expect(out[3]).to.equal(expectedLine(truth.get(4)!, times[3]!));
    });

    const files = [
      'edge/zeek-tcp-option-sack.pcap',
      'edge/zeek-chksums-localhost-bad-chksum.pcap',
      'edge/zeek-chksums-ip6-tcp-bad-chksum.pcap',
      'edge/zeek-chksums-ip6-route0-tcp-good-chksum.pcap',
      'edge/zeek-tcp-fin_retransmission.pcap',
      'edge/tcpdump-tcp-handshake-nano.pcap',
      'edge/zeek-tcp-retransmit-timeout.pcapng',
    ];
    for (const rel of files) {
      it(`${rel}: every line as built from the truth table`, function () {
        const truth = readTruth(rel);
        const times = rawTimestamps(rel);
        const run = cli('decode', corpus(rel));
        expect(run.stderr).to.equal('');
        expect(run.status).to.equal(0);
        const expected = [...truth.entries()]
          .sort(([a], [b]) => a - b)
          .map(([frame, row]) => expectedLine(row, times[frame - 1]!));
        expect(lines(run.stdout)).to.deep.equal(expected);
      });
    }

    it("IPv6 prints IP6, and a bad checksum prints (incorrect -> tshark's calculated value)", function () {
      const rel = 'edge/zeek-chksums-ip6-tcp-bad-chksum.pcap';
      const row = readTruth(rel).get(1)!;
      expect(row['tcp.checksum.status']).to.equal('0');
      const out = lines(cli('decode', corpus(rel)).stdout);
      expect(out).to.have.length(1);
      expect(out[0]).to.match(/^\d\d:\d\d:\d\d\.\d{6} IP6 /);
      expect(out[0]).to.include(
        `${row['ipv6.src']}.${row['tcp.srcport']} > ${row['ipv6.dst']}.${row['tcp.dstport']}: `,
      );
      expect(
        out[0]!.endsWith(`cksum ${row['tcp.checksum']} (incorrect -> ${row['tcp.checksum_calculated']})`),
        out[0],
      ).to.equal(true);
      expect(row['tcp.checksum_calculated']).to.equal('0x2f8a');
    });

    it('a nanosecond capture prints microseconds truncated, not rounded', function () {
      const frame = walkPcap(readCorpusFile('edge/zeek-tcp-options.pcap')).records[0]!.data;
      const records = [
        { seconds: 86399, fraction: 999_999_600, data: frame }, // rounding would carry into the next day
        { seconds: 86400 + 3723, fraction: 1_999, data: frame },
      ];
      const path = tempFile(buildPcap({ magic: MAGIC_NS, little: false, network: 1, records }), '.pcap');
      const run = cli('decode', path);
      expect(run.status).to.equal(0);
      const out = lines(run.stdout);
      expect(out).to.have.length(2);
      expect(out[0]!.startsWith('23:59:59.999999 IP '), out[0]).to.equal(true);
      expect(out[1]!.startsWith('01:02:03.000001 IP '), out[1]).to.equal(true);
    });

    it('a frame whose TCP header is cut short gets a line naming the frame and the error; exit 0', function () {
      const run = cli('decode', corpus('edge/tcpdump-tcp_header_heapoverflow.pcap'));
      expect(run.status).to.equal(0);
      const out = lines(run.stdout);
      expect(out).to.have.length(1);
      expect(out[0]).to.match(/ frame 1: [A-Z_]+: /);
    });

    it('non-TCP frames (ARP, UDP) print nothing; the TCP segments around them print', function () {
      const source = walkPcap(readCorpusFile('edge/zeek-tcp-options.pcap'));
      const tcp = source.records[0]!;
      const arp = new Uint8Array(42);
      arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
      const udp = Uint8Array.from(tcp.data); // (Buffer.slice would be a view)
      udp[14 + 9] = 17; // IPv4 protocol field: UDP
      const records = [tcp.data, arp, udp, source.records[1]!.data].map((data, i) => ({
        seconds: 1000 + i,
        fraction: i,
        data,
      }));
      const path = tempFile(buildPcap({ magic: MAGIC_US, little: true, network: 1, records }), '.pcap');
      const run = cli('decode', path);
      expect(run.stderr).to.equal('');
      expect(run.status).to.equal(0);
      const out = lines(run.stdout);
      expect(out).to.have.length(2);
      expect(out[0]!.startsWith('00:16:40.000000 IP 192.168.1.102.36861 > ')).to.equal(true);
      expect(out[1]!.startsWith('00:16:43.000003 IP 193.1.193.64.80 > ')).to.equal(true);
    });
  });

  describe('--json', function () {
    const STATUS: Record<string, string> = { 0: 'bad', 1: 'good' };
    const files = [
      'edge/zeek-tcp-options.pcap',
      'edge/zeek-tcp-option-sack.pcap',
      'edge/zeek-chksums-localhost-bad-chksum.pcap',
      'edge/zeek-chksums-ip6-route0-tcp-bad-chksum.pcap',
      'edge/tcpdump-tcp-handshake-nano.pcap',
      'edge/zeek-tcp-retransmit-timeout.pcapng',
      'zeek-ftp-ipv6.pcap',
      'zeek-tcp-ssh-dups.pcap',
    ];

    for (const rel of files) {
      it(`${rel}: one JSON object per line, fields agree with the truth table`, function () {
        const truth = readTruth(rel);
        const times = rawTimestamps(rel);
        const run = cli('decode', '--json', corpus(rel));
        expect(run.stderr).to.equal('');
        expect(run.status).to.equal(0);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON rows, read by deep property paths
        const objects = lines(run.stdout).map((line) => JSON.parse(line) as Record<string, any>);
        expect(objects.map((o) => o.frame)).to.deep.equal([...truth.keys()].sort((a, b) => a - b));
        const diffs: string[] = [];
        for (const o of objects) {
          const row = truth.get(o.frame as number)!;
          const v6 = row['ipv6.src'] !== '';
          const ts = times[(o.frame as number) - 1]!;
          const sackLe = list(row['tcp.options.sack_le']);
          const sackRe = list(row['tcp.options.sack_re']);
          const expected = {
            timestampNs: ts.toString(),
            time: isoTime(ts),
            capturedLength: Number(row['frame.cap_len']),
            originalLength: Number(row['frame.len']),
            version: v6 ? 6 : 4,
            src: v6 ? row['ipv6.src'] : row['ip.src'],
            dst: v6 ? row['ipv6.dst'] : row['ip.dst'],
            srcPort: Number(row['tcp.srcport']),
            dstPort: Number(row['tcp.dstport']),
            seq: Number(row['tcp.seq_raw']),
            ack: Number(row['tcp.ack_raw']),
            flags: parseInt(row['tcp.flags']!, 16),
            headerLength: Number(row['tcp.hdr_len']),
            window: Number(row['tcp.window_size_value']),
            urgentPointer: Number(row['tcp.urgent_pointer']),
            checksumValue: parseInt(row['tcp.checksum']!, 16),
            kinds: list(row['tcp.option_kind']),
            mss: row['tcp.options.mss_val'] ? Number(row['tcp.options.mss_val']) : undefined,
            windowScale: row['tcp.options.wscale.shift'] ? Number(row['tcp.options.wscale.shift']) : undefined,
            sackPermitted: row['tcp.options.sack_perm'] !== '',
            sack: sackLe.length > 0 ? sackLe.map((l, i) => [l, sackRe[i]]) : undefined,
            timestamp: row['tcp.options.timestamp.tsval']
              ? { value: Number(row['tcp.options.timestamp.tsval']), echo: Number(row['tcp.options.timestamp.tsecr']) }
              : undefined,
            payloadLength: Number(row['tcp.len']),
            checksum: STATUS[row['tcp.checksum.status']!],
            expectedChecksum: parseInt(row['tcp.checksum_calculated']!, 16),
          };
          const tcp = o.tcp ?? {};
          const options = tcp.options ?? {};
          const actual = {
            timestampNs: o.timestampNs,
            time: o.time,
            capturedLength: o.capturedLength,
            originalLength: o.originalLength,
            version: o.ip?.version,
            src: o.ip?.src,
            dst: o.ip?.dst,
            srcPort: tcp.srcPort,
            dstPort: tcp.dstPort,
            seq: tcp.seq,
            ack: tcp.ack,
            flags: tcp.flags,
            headerLength: tcp.headerLength,
            window: tcp.window,
            urgentPointer: tcp.urgentPointer,
            checksumValue: tcp.checksum,
            kinds: options.kinds,
            mss: options.mss,
            windowScale: options.windowScale,
            sackPermitted: options.sackPermitted === true,
            sack: options.sack,
            timestamp: options.timestamp,
            payloadLength: o.payloadLength,
            checksum: o.checksumStatus,
            expectedChecksum: o.expectedChecksum,
          };
          for (const key of Object.keys(expected) as Array<keyof typeof expected>) {
            if (JSON.stringify(actual[key]) !== JSON.stringify(expected[key])) {
              diffs.push(
                `frame ${o.frame} ${key}: got ${JSON.stringify(actual[key])}, truth ${JSON.stringify(expected[key])}`,
              );
            }
          }
        }
        expect(diffs.slice(0, 15), `${diffs.length} differences`).to.deep.equal([]);
      });
    }

    it('a frame that fails to decode is an object with frame, timestampNs and error.code', function () {
      const run = cli('decode', '--json', corpus('edge/tcpdump-tcp_header_heapoverflow.pcap'));
      expect(run.status).to.equal(0);
      const out = lines(run.stdout);
      expect(out).to.have.length(1);
      const o = JSON.parse(out[0]!) as { frame: number; timestampNs: string; error: { code: string; message: string } };
      expect(o.frame).to.equal(1);
      expect(o.timestampNs).to.equal(rawTimestamps('edge/tcpdump-tcp_header_heapoverflow.pcap')[0]!.toString());
      expect(o.error.code).to.match(/^[A-Z_]+$/);
    });
  });

  describe('errors and usage', function () {
    it('a missing file: exit 2, one stderr line naming the file, nothing on stdout', function () {
      const path = join(tempDir, 'no-such-capture.pcap');
      const run = cli('decode', path);
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal('');
      const err = lines(run.stderr);
      expect(err).to.have.length(1);
      expect(err[0]).to.include(path);
    });

    it('a file that is not a capture: exit 2, stderr names the file and byte offset 0', function () {
      const path = tempFile(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'), '.pcap');
      const run = cli('decode', path);
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal('');
      const err = lines(run.stderr);
      expect(err).to.have.length(1);
      expect(err[0]).to.include(path);
      expect(err[0]).to.match(/\bbyte 0\b/);
    });

    for (const [where, into] of [
      ["inside a record's data", 16 + 30],
      ['inside a record header', 7],
    ] as const) {
      it(`a capture cut ${where}: exit 2, stderr names file and offset, stdout has every segment before it`, function () {
        const rel = 'zeek-tcp-ssh-dups.pcap';
        const full = readCorpusFile(rel);
        const walk = walkPcap(full);
        const truth = readTruth(rel);
        const k = 200;
        const cutRecord = walk.records[k]!;
        expect(cutRecord.capturedLength).to.be.greaterThan(30);
        // Precondition: every record before the cut is a TCP segment tshark dissects.
        for (let frame = 1; frame <= k; frame++) expect(truth.has(frame), `frame ${frame} is TCP`).to.equal(true);
        const path = tempFile(full.subarray(0, cutRecord.offset + into), '.pcap');
        const run = cli('decode', path);
        expect(run.status).to.equal(2);
        const out = lines(run.stdout);
        expect(out).to.have.length(k);
        const complete = lines(cli('decode', corpus(rel)).stdout);
        expect(out).to.deep.equal(complete.slice(0, k));
        const err = lines(run.stderr);
        expect(err).to.have.length(1);
        expect(err[0]).to.include(path);
        expect(err[0]).to.match(new RegExp(`\\bbyte ${cutRecord.offset}\\b`));
        expect(err[0]).to.include('TRUNCATED');
      });
    }

    it('a truncated .gz: exit 2, stdout has every segment that decompresses whole', function () {
      const gz = readCorpusFile('zeek-echo-connections.pcap.gz');
      const damaged = gz.subarray(0, 300_000);
      const complete = walkPcap(gunzipSync(damaged, { finishFlush: zlibConstants.Z_SYNC_FLUSH })).records.length;
      expect(complete).to.be.greaterThan(1000);
      const path = tempFile(damaged, '.pcap.gz');
      const run = cli('decode', path);
      expect(run.status).to.equal(2);
      expect(lines(run.stdout)).to.have.length(complete);
      const err = lines(run.stderr);
      expect(err).to.have.length(1);
      expect(err[0]).to.include(path);
    });

    it('an unknown command: exit 1 with usage on stderr', function () {
      const run = cli('frobnicate', corpus('edge/zeek-tcp-options.pcap'));
      expect(run.status).to.equal(1);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.include('frobnicate');
      expect(run.stderr).to.include('Usage:');
    });

    for (const args of [
      [],
      ['decode'],
      ['decode', '--filter', 'fin', 'a.pcap', 'syn'],
      ['decode', '--bogus', 'a.pcap'],
    ]) {
      it(`\`tcpwasm ${args.join(' ')}\`: exit 1 with usage on stderr`, function () {
        const run = cli(...args);
        expect(run.status).to.equal(1);
        expect(run.stdout).to.equal('');
        expect(run.stderr).to.include('Usage:');
      });
    }

    it('--help: exit 0, usage on stdout', function () {
      const run = cli('--help');
      expect(run.status).to.equal(0);
      expect(run.stderr).to.equal('');
      expect(run.stdout).to.include('Usage:');
      expect(run.stdout).to.include('decode FILE');
    });

    it("--version prints package.json's version", function () {
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      const run = cli('--version');
      expect(run.status).to.equal(0);
      expect(run.stdout).to.equal(`${pkg.version}\n`);
    });
  });

  describe('a consumer that closes the pipe early', function () {
    for (const json of [false, true]) {
      it(`${json ? '--json' : 'text'}: no EPIPE stack trace, clean exit`, async function () {
        const args = [MAIN, 'decode', ...(json ? ['--json'] : []), corpus('zeek-echo-connections.pcap.gz')];
        const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (text: string) => {
          stderr += text;
        });
        let received = 0;
        const exited = new Promise<[number | null, NodeJS.Signals | null]>((done) => {
          child.on('close', (code, signal) => done([code, signal]));
        });
        await new Promise<void>((done) => {
          child.stdout.once('data', (chunk: Buffer) => {
            received = chunk.length;
            child.stdout.destroy();
            done();
          });
        });
        const [code, signal] = await exited;
        expect(received).to.be.greaterThan(0);
        expect(stderr).not.to.match(/EPIPE|Error|at /);
        expect(stderr).to.equal('');
        expect(signal).to.equal(null);
        expect(code).to.equal(0);
      });
    }
  });
});
