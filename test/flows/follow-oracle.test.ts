// `follow --out DIR` on every corpus capture, against two oracles:
// 1. An independent model written here: every segment's captured payload (to the IP length) put
//    at its offset from the ISN, a byte kept once written ("first seen wins"), holes as NUL. Our
//    files must equal it byte for byte, with the same names.
// 2. tcpflow 1.6 (`tcpflow -r FILE -o DIR`). Where its files differ, the difference must be one of
//    these causes, each checked mechanically:
//    - PADDING: tcpflow takes a segment's data to the end of the captured frame, so the Ethernet
//      padding (and a captured FCS) of short frames becomes stream bytes: its file is ours plus up
//      to 6 trailing bytes, or a file of at most 6 bytes that we do not write (a padded ACK or FIN
//      after the data; after a FIN it opens a new "c1" file for it).
//    - OVERLAP: the capture sends different bytes for the same sequence numbers; tcpflow writes
//      every copy at its offset (the last copy wins), we keep the first, as Wireshark's follow
//      and Zeek do. Same length; tcpflow's file equals the model with "last wins".
//    - LINK: tcpflow cannot read the link type (DLT_NULL with AF_INET6 = 30, a macOS loopback
//      capture) and writes nothing.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBatches } from '../../src/pcap/read.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { formatAddress } from '../../src/base/address.js';
import { corpusCaptures } from '../helpers/corpus.js';
import { cli, corpus, ensureBuilt } from '../cli/cli-run.js';

type Cause = 'PADDING' | 'OVERLAP' | 'LINK';
const CAUSES: Record<string, Cause> = {
  'edge/tcpdump-dns_tcp.pcap': 'PADDING',
  'edge/tcpdump-tfo-5c1fa7f9ae91.pcap': 'PADDING',
  'edge/zeek-chksums-localhost-bad-chksum.pcap': 'PADDING',
  'edge/zeek-tcp-fin_retransmission.pcap': 'PADDING',
  'edge/zeek-tcp-options.pcap': 'PADDING',
  'edge/zeek-tcp-rst-inject-rae.pcap': 'PADDING',
  'zeek-http-206-sack.pcap': 'PADDING',
  'zeek-tcp-reassembly.pcap': 'OVERLAP',
  'gopacket-test_loopback.pcap': 'LINK',
};

function hasTcpflow(): boolean {
  const probe = spawnSync('tcpflow', ['-V'], { encoding: 'utf8' });
  // tcpflow -V prints its version and exits 1, so look at what it printed, not the status.
  return probe.error === undefined && /TCPFLOW/i.test(probe.stdout + probe.stderr);
}

/** tcpflow's name for an endpoint. */
function tcpflowEndpoint(address: string, port: number): string {
  const text = address.includes(':')
    ? address
    : address
        .split('.')
        .map((b) => b.padStart(3, '0'))
        .join('.');
  return `${text}.${String(port).padStart(5, '0')}`;
}

/** One direction's stream in the model: bytes by offset from the first data byte. */
class ModelStream {
  base = -1;
  bytes = new Uint8Array(0);
  written = new Uint8Array(0);
  length = 0;

  put(seq: number, payload: Uint8Array, lastWins: boolean): void {
    if (payload.length === 0) return;
    if (this.base < 0) this.base = seq;
    const at = (seq - this.base) | 0;
    if (at < 0) return;
    const end = at + payload.length;
    if (end > this.bytes.length) {
      const size = Math.max(end, this.bytes.length * 2);
      const b = new Uint8Array(size);
      b.set(this.bytes);
      this.bytes = b;
      const w = new Uint8Array(size);
      w.set(this.written);
      this.written = w;
    }
    for (let k = 0; k < payload.length; k++) {
      if (lastWins || !this.written[at + k]) {
        this.bytes[at + k] = payload[k]!;
        this.written[at + k] = 1;
      }
    }
    this.length = Math.max(this.length, end);
  }
}

/** The model's files: name -> content. */
async function modelFiles(file: string, lastWins: boolean): Promise<Map<string, Uint8Array>> {
  const streams = new Map<string, ModelStream>();
  for await (const batch of readCaptureBatches(file)) {
    const t = decodeBatch(batch, batch.linkTypes, { originalLengths: batch.originalLengths, verifyChecksums: false });
    for (let i = 0; i < t.length; i++) {
      if (t.status[i] !== 0) continue;
      const frame = t.frame(i);
      const v = t.ipVersion[i] as 4 | 6;
      const name = `${tcpflowEndpoint(formatAddress(frame, t.srcAddressOffset[i]!, v), t.srcPort[i]!)}-${tcpflowEndpoint(formatAddress(frame, t.dstAddressOffset[i]!, v), t.dstPort[i]!)}`;
      let s = streams.get(name);
      if (!s) streams.set(name, (s = new ModelStream()));
      const syn = (t.flags[i]! & 0x02) !== 0;
      if (syn && s.base < 0) s.base = (t.seq[i]! + 1) >>> 0;
      s.put(syn ? (t.seq[i]! + 1) >>> 0 : t.seq[i]!, t.payload(i), lastWins);
    }
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, s] of streams) if (s.length > 0) files.set(name, s.bytes.subarray(0, s.length));
  return files;
}

function readDir(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir).sort()) {
    if (name !== 'report.xml') files.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  return files;
}

describe('follow vs an independent model and tcpflow on the corpus', function () {
  let work: string;
  before(function () {
    ensureBuilt(this);
    work = mkdtempSync(join(tmpdir(), 'tcpwasm-follow-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const rel of corpusCaptures()) {
    it(rel, async function () {
      const file = corpus(rel);
      const dir = join(work, rel.replace(/\//g, '_'));
      const run = cli('follow', file, '--out', join(dir, 'ours'));
      expect(run.status, run.stderr).to.equal(0);
      const ours = readDir(join(dir, 'ours'));
      const model = await modelFiles(file, false);
      expect([...ours.keys()], 'file names').to.deep.equal([...model.keys()].sort());
      for (const [name, bytes] of model)
        expect(Buffer.compare(ours.get(name)!, bytes), `${name} equals the model`).to.equal(0);

      if (!hasTcpflow()) {
        if (process.env.CI) throw new Error('tcpflow is required under CI (apt-get install tcpflow)');
        return;
      }
      const t = spawnSync('tcpflow', ['-r', file, '-o', join(dir, 'tcpflow')], { encoding: 'utf8' });
      expect(t.status, t.stderr).to.equal(0);
      const theirs = readDir(join(dir, 'tcpflow'));
      const differing = [...new Set([...ours.keys(), ...theirs.keys()])].filter(
        (name) => !ours.has(name) || !theirs.has(name) || Buffer.compare(ours.get(name)!, theirs.get(name)!) !== 0,
      );
      const cause = CAUSES[rel];
      if (cause === undefined) {
        expect(differing, 'files that differ from tcpflow').to.deep.equal([]);
        return;
      }
      expect(differing, 'a pinned cause has a difference to explain').to.not.be.empty;
      for (const name of differing) {
        const o = ours.get(name);
        const f = theirs.get(name);
        if (cause === 'LINK') {
          expect(f, `${name}: tcpflow wrote nothing`).to.equal(undefined);
        } else if (cause === 'PADDING') {
          expect(f, `${name}: tcpflow has it`).to.not.equal(undefined);
          const extra = f!.length - (o?.length ?? 0);
          expect(extra, `${name}: tcpflow's trailing padding bytes`).to.be.within(1, 6);
          if (o)
            expect(
              Buffer.compare(f!.subarray(0, o.length), o),
              `${name}: ours is tcpflow's without the padding`,
            ).to.equal(0);
        } else {
          expect(f!.length, `${name}: same length`).to.equal(o!.length);
          const last = (await modelFiles(file, true)).get(name)!;
          expect(Buffer.compare(f!, last), `${name}: tcpflow keeps the last copy`).to.equal(0);
        }
      }
    });
  }
});
