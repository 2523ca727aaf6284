// Differential test: every frame of every corpus capture against tshark's truth table.

import { expect } from 'chai';
import { DecodeError, decodeBatch, parseCapture, type DecodedPacket } from '../../src/index.js';
import { decodeWith } from '../../src/wire/decode.js';
import { loadCodecSync } from '../../src/wire/module.js';
import { compareWithTruth } from '../helpers/compare.js';
import { corpusCaptures, readCorpusFile, readTruth } from '../helpers/corpus.js';
import { readmeFigure } from '../helpers/readme.js';

const totals = { files: 0, compared: 0, truncatedHeaders: 0, notTcp: 0, truncatedIpTotal: 0 };

describe('corpus: differential against tshark truth tables', function () {
  const scalar = loadCodecSync('scalar');

  after(() => {
    console.log(
      `      corpus: ${totals.compared} frames in ${totals.files} captures agree with tshark on every column;` +
        ` ${totals.truncatedHeaders} snap-truncated headers gave TRUNCATED, ${totals.notTcp} non-TCP frames gave DecodeError,` +
        ` ${totals.truncatedIpTotal} short-captured IPv4 datagrams reported unverifiable`,
    );
  });

  for (const file of corpusCaptures()) {
    it(file, function () {
      const truth = readTruth(file);
      const records = [...parseCapture(readCorpusFile(file))];
      const mismatches: string[] = [];
      const results: Array<DecodedPacket | DecodeError> = [];
      for (const record of records) {
        const row = truth.get(record.index);
        let packet: DecodedPacket | DecodeError;
        try {
          packet = decodeWith(scalar, record.data, record.linkType, record.originalLength);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
          packet = error;
        }
        results.push(packet);
        if (packet instanceof DecodeError) {
          if (row === undefined) {
            totals.notTcp++;
          } else if (
            packet.code === 'TRUNCATED' &&
            Number(row['frame.cap_len']) < Number(row['frame.len']) &&
            (row['tcp.checksum.status'] === '2' || row['tcp.checksum.status'] === '')
          ) {
            // tshark shows what it can of a header cut short by the snap length; we refuse it.
            totals.truncatedHeaders++;
          } else {
            mismatches.push(`frame ${record.index}: tshark dissects TCP, we threw ${packet.code}: ${packet.message}`);
          }
          continue;
        }
        if (row === undefined) {
          mismatches.push(`frame ${record.index}: tshark shows no TCP, we decoded ${packet.ip.src} > ${packet.ip.dst}`);
          continue;
        }
        if (row['_ws.expert.message']!.includes('IPv4 total length exceeds packet length')) totals.truncatedIpTotal++;
        for (const diff of compareWithTruth(record, row, packet)) mismatches.push(`frame ${record.index}: ${diff}`);
        totals.compared++;
      }
      const seen = new Set(records.map((r) => r.index));
      for (const index of truth.keys()) {
        if (!seen.has(index)) mismatches.push(`frame ${index}: in the truth table but not read from the capture`);
      }
      expect(mismatches.slice(0, 20), `${mismatches.length} mismatches`).to.deep.equal([]);
      totals.files++;

      // The batch decoder must agree with the per-frame decoder on every row.
      const table = decodeBatch(
        records.map((r) => r.data),
        records.map((r) => r.linkType),
        { originalLengths: records.map((r) => r.originalLength) },
      );
      const batchDiffs: string[] = [];
      results.forEach((p, i) => {
        const where = `frame ${records[i]!.index}`;
        if (p instanceof DecodeError) {
          if (table.error(i) !== p.code) batchDiffs.push(`${where}: batch ${table.error(i)} vs ${p.code}`);
          return;
        }
        const row = {
          status: table.status[i],
          srcPort: table.srcPort[i],
          dstPort: table.dstPort[i],
          seq: table.seq[i],
          ack: table.ack[i],
          flags: table.flags[i],
          window: table.window[i],
          headerLength: table.headerLength[i],
          urgent: table.urgentPointer[i],
          checksum: table.checksum[i],
          checksumState: ['good', 'bad', 'unverifiable'][table.checksumState[i]!],
          payloadLength: table.payloadLength[i],
          captured: table.capturedPayloadLength[i],
          payloadOffset: table.payloadOffset[i],
          mss: table.optionMask[i]! & 1 ? table.mss[i] : undefined,
          wscale: table.optionMask[i]! & 2 ? table.windowScale[i] : undefined,
          ts: table.optionMask[i]! & 8 ? [table.tsValue[i], table.tsEcho[i]] : undefined,
          src: table.srcAddress(i),
          dst: table.dstAddress(i),
        };
        const expected = {
          status: 0,
          srcPort: p.tcp.srcPort,
          dstPort: p.tcp.dstPort,
          seq: p.tcp.seq,
          ack: p.tcp.ack,
          flags: p.tcp.flags,
          window: p.tcp.window,
          headerLength: p.tcp.headerLength,
          urgent: p.tcp.urgentPointer,
          checksum: p.tcp.checksum,
          checksumState: p.checksumStatus,
          payloadLength: p.payloadLength,
          captured: p.payload.length,
          payloadOffset: p.offsets.payload,
          mss: p.tcp.options.mss,
          wscale: p.tcp.options.windowScale,
          ts: p.tcp.options.timestamp ? [p.tcp.options.timestamp.value, p.tcp.options.timestamp.echo] : undefined,
          src: p.ip.src,
          dst: p.ip.dst,
        };
        if (JSON.stringify(row) !== JSON.stringify(expected))
          batchDiffs.push(`${where}: ${JSON.stringify(row)} vs ${JSON.stringify(expected)}`);
      });
      expect(batchDiffs.slice(0, 10), `${batchDiffs.length} batch disagreements`).to.deep.equal([]);
    });
  }

  it('README quotes the number of frames compared', function () {
    expect(totals.files).to.equal(corpusCaptures().length);
    expect(readmeFigure(' TCP segments)')).to.equal(totals.compared);
  });
});
