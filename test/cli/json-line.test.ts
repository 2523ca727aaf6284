// JsonLineWriter writes --json lines from the table's columns for the common rows; toJson over
// decodeFrame is the reference. batch-path.test.ts compares whole outputs (where a row the fast
// path refuses falls back); this file checks row by row that the fast path is really taken on
// ordinary traffic, and that each line it writes is the reference line.

import { expect } from 'chai';
import { parseCaptureBatches } from '../../src/pcap/index.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { decodeFrame } from '../../src/wire/decode.js';
import { recordAt } from '../../src/cli/chunk.js';
import { toJson } from '../../src/cli/format.js';
import { JsonLineWriter } from '../../src/cli/json-line.js';
import { LineBuffer } from '../../src/cli/line-buffer.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';

/** Rows written by the fast path, and rows it refused, over one capture. */
function fastRows(rel: string): { written: number; refused: number } {
  const writer = new JsonLineWriter();
  let written = 0;
  let refused = 0;
  for (const batch of parseCaptureBatches(readCorpusFile(rel), 1000)) {
    const n = batch.count;
    const table = decodeBatch(
      { data: batch.data, offsets: batch.offsets.subarray(0, n), lengths: batch.lengths.subarray(0, n) },
      batch.linkTypes.subarray(0, n),
      { originalLengths: batch.originalLengths.subarray(0, n) },
    );
    for (let i = 0; i < n; i++) {
      if (table.status[i] !== 0) continue;
      const out = new LineBuffer(256);
      if (!writer.write(out, batch, table, i)) {
        refused++;
        continue;
      }
      written++;
      const record = recordAt(batch, i);
      const reference = JSON.stringify(
        toJson(record, decodeFrame(record.data, record.linkType, record.originalLength)),
      );
      expect(Buffer.from(out.bytes()).toString(), `frame ${record.index}`).to.equal(`${reference}\n`);
    }
  }
  return { written, refused };
}

describe('decode --json: lines from the columns (JsonLineWriter)', function () {
  this.timeout(60_000);

  it('writes every row of the echo capture (IPv4, timestamps, handshake options) itself', function () {
    const { written, refused } = fastRows('zeek-echo-connections.pcap.gz');
    expect(written).to.equal(82582);
    expect(refused).to.equal(0);
  });

  it('writes IPv6 rows itself (the ftp capture) and SACK rows (the 206 capture)', function () {
    expect(fastRows('zeek-ftp-ipv6.pcap').written).to.be.greaterThan(100);
    expect(fastRows('zeek-http-206-sack.pcap').written).to.be.greaterThan(100);
  });

  it('every line it writes over the whole corpus equals toJson; the rows it refuses fall back', function () {
    let written = 0;
    let refused = 0;
    for (const rel of corpusCaptures()) {
      const counts = fastRows(rel);
      written += counts.written;
      refused += counts.refused;
    }
    expect(written).to.be.greaterThan(83_000);
    // Bad checksums, IPv6 extension headers, raw options: the corpus has each.
    expect(refused).to.be.greaterThan(0);
  });
});
