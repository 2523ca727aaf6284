// captureBatches reads plain captures into two reused buffers: every record must come out with
// the bytes and columns parseCapture gives, across many reads and records straddling them, and
// the progress callback must see the byte position advance to the file size.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCapture } from '../../src/pcap/index.js';
import { recordAt } from '../../src/cli/chunk.js';
import { SourceFault, captureBatches, type SourceProgress } from '../../src/cli/source.js';
import { DecodeError } from '../../src/wire/errors.js';
import { walkPcap } from '../helpers/capture-bytes.js';
import { readCorpusFile } from '../helpers/corpus.js';

describe('decode command: captureBatches', function () {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-source-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a 6.8 MB capture (7 reads into 2 reused buffers): every record as parseCapture gives it, checked as it arrives', async function () {
    const bytes = gunzipSync(readCorpusFile('zeek-echo-connections.pcap.gz'));
    const path = join(dir, 'echo.pcap');
    writeFileSync(path, bytes);
    const want = [...parseCapture(bytes)];
    const progress: SourceProgress[] = [];
    let n = 0;
    for await (const batch of captureBatches(path, (p) => progress.push(p))) {
      expect(batch.firstIndex).to.equal(n + 1);
      // Checked now: the batch's bytes are only valid until the generator moves on twice.
      for (let i = 0; i < batch.count; i++) {
        const got = recordAt(batch, i);
        const ref = want[n + i]!;
        expect(got.timestampNs).to.equal(ref.timestampNs);
        expect(got.originalLength).to.equal(ref.originalLength);
        expect(got.linkType).to.equal(ref.linkType);
        if (!Buffer.from(got.data).equals(ref.data)) expect.fail(`frame ${n + i + 1}: bytes differ`);
      }
      n += batch.count;
    }
    expect(n).to.equal(want.length);
    expect(progress.length).to.be.at.least(7);
    const positions = progress.map((p) => p.bytesRead!);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
    expect(positions[positions.length - 1]).to.equal(bytes.length);
  });

  it('a capture cut inside a record (third read): the records before it, then SourceFault at its offset', async function () {
    const bytes = gunzipSync(readCorpusFile('zeek-echo-connections.pcap.gz'));
    const walk = walkPcap(bytes);
    const k = walk.records.findIndex((r) => r.offset > 2_500_000);
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, bytes.subarray(0, walk.records[k]!.offset + 10));
    let n = 0;
    let fault: unknown;
    try {
      for await (const batch of captureBatches(path)) n += batch.count;
    } catch (error) {
      fault = error;
    }
    expect(fault).to.be.instanceOf(SourceFault);
    expect(n).to.equal(k);
    expect(((fault as SourceFault).fault as DecodeError).offset).to.equal(walk.records[k]!.offset);
  });
});
