// Differential test: every frame of every corpus capture against tshark's truth table.

import { expect } from 'chai';
import { DecodeError, decodeBatch, parseCapture, type CaptureRecord, type DecodedPacket } from '../../src/index.js';
import { decodeWith } from '../../src/wire/decode.js';
import { loadCodecSync } from '../../src/wire/module.js';
import { corpusCaptures, readCorpusFile, readTruth, type TruthRow } from '../helpers/corpus.js';

const totals = { files: 0, compared: 0, truncatedHeaders: 0, notTcp: 0, truncatedIpTotal: 0 };

function list(text: string): number[] {
  return text === '' ? [] : text.split(',').map((x) => Number(x));
}

function optional(text: string): number | undefined {
  return text === '' ? undefined : Number(text);
}

const STATUS_BY_TSHARK: Record<string, DecodedPacket['checksum']> = { 0: 'bad', 1: 'good', 2: 'unverifiable' };

/** Column-by-column comparison; returns "column: expected != actual" for each disagreement. */
function compare(record: CaptureRecord, row: TruthRow, p: DecodedPacket): string[] {
  const diffs: string[] = [];
  const check = (column: string, expected: unknown, actual: unknown) => {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) {
      diffs.push(`${column}: tshark ${JSON.stringify(expected)} != ours ${JSON.stringify(actual)}`);
    }
  };
  check('frame.len', Number(row['frame.len']), record.originalLength);
  check('frame.cap_len', Number(row['frame.cap_len']), record.capturedLength);
  if (p.ip.version === 4) {
    check('ip.src', row['ip.src'], p.ip.src);
    check('ip.dst', row['ip.dst'], p.ip.dst);
  } else {
    check('ipv6.src', row['ipv6.src'], p.ip.src);
    check('ipv6.dst', row['ipv6.dst'], p.ip.dst);
  }
  const t = p.tcp;
  check('tcp.srcport', Number(row['tcp.srcport']), t.srcPort);
  check('tcp.dstport', Number(row['tcp.dstport']), t.dstPort);
  check('tcp.seq_raw', Number(row['tcp.seq_raw']), t.seq);
  check('tcp.ack_raw', Number(row['tcp.ack_raw']), t.ack);
  check('tcp.flags', parseInt(row['tcp.flags']!, 16), t.flags);
  check('tcp.hdr_len', Number(row['tcp.hdr_len']), t.headerLength);
  check('tcp.window_size_value', Number(row['tcp.window_size_value']), t.window);
  check('tcp.len', Number(row['tcp.len']), p.payloadLength);
  check('tcp.urgent_pointer', Number(row['tcp.urgent_pointer']), t.urgentPointer);
  check('tcp.checksum', parseInt(row['tcp.checksum']!, 16), t.checksum);
  // The corpus README's caveat: where the IPv4 total length exceeds the bytes captured, tshark
  // calls the checksum bad although the segment is not all there; it cannot be verified.
  const ipTruncated = row['_ws.expert.message']!.includes('IPv4 total length exceeds packet length');
  if (ipTruncated) totals.truncatedIpTotal++;
  check('tcp.checksum.status', ipTruncated ? 'unverifiable' : STATUS_BY_TSHARK[row['tcp.checksum.status']!], p.checksum);
  if (row['tcp.checksum_calculated'] !== '' && !ipTruncated) {
    check('tcp.checksum_calculated', parseInt(row['tcp.checksum_calculated']!, 16), p.expectedChecksum);
  }
  check('tcp.option_kind', list(row['tcp.option_kind']!), t.options.kinds);
  check('tcp.options.mss_val', optional(row['tcp.options.mss_val']!), t.options.mss);
  check('tcp.options.wscale.shift', optional(row['tcp.options.wscale.shift']!), t.options.windowScale);
  check('tcp.options.sack_perm', row['tcp.options.sack_perm'] !== '', t.options.sackPermitted === true);
  check('tcp.options.sack_le', list(row['tcp.options.sack_le']!), (t.options.sack ?? []).map(([l]) => l));
  check('tcp.options.sack_re', list(row['tcp.options.sack_re']!), (t.options.sack ?? []).map(([, r]) => r));
  check('tcp.options.timestamp.tsval', optional(row['tcp.options.timestamp.tsval']!), t.options.timestamp?.value);
  check('tcp.options.timestamp.tsecr', optional(row['tcp.options.timestamp.tsecr']!), t.options.timestamp?.echo);
  return diffs;
}

describe('corpus: differential against tshark truth tables', function () {
  const scalar = loadCodecSync('scalar');

  after(() => {
    console.log(`      corpus: ${totals.compared} frames in ${totals.files} captures agree with tshark on every column;`
      + ` ${totals.truncatedHeaders} snap-truncated headers gave TRUNCATED, ${totals.notTcp} non-TCP frames gave DecodeError,`
      + ` ${totals.truncatedIpTotal} short-captured IPv4 datagrams reported unverifiable`);
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
          } else if (packet.code === 'TRUNCATED' && Number(row['frame.cap_len']) < Number(row['frame.len'])
            && (row['tcp.checksum.status'] === '2' || row['tcp.checksum.status'] === '')) {
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
        for (const diff of compare(record, row, packet)) mismatches.push(`frame ${record.index}: ${diff}`);
        totals.compared++;
      }
      const seen = new Set(records.map((r) => r.index));
      for (const index of truth.keys()) {
        if (!seen.has(index)) mismatches.push(`frame ${index}: in the truth table but not read from the capture`);
      }
      expect(mismatches.slice(0, 20), `${mismatches.length} mismatches`).to.deep.equal([]);
      totals.files++;

      // The batch decoder must agree with the per-frame decoder on every row.
      const table = decodeBatch(records.map((r) => r.data), records.map((r) => r.linkType),
        { originalLengths: records.map((r) => r.originalLength) });
      const batchDiffs: string[] = [];
      results.forEach((p, i) => {
        const where = `frame ${records[i]!.index}`;
        if (p instanceof DecodeError) {
          if (table.error(i) !== p.code) batchDiffs.push(`${where}: batch ${table.error(i)} vs ${p.code}`);
          return;
        }
        const row = {
          status: table.status[i], srcPort: table.srcPort[i], dstPort: table.dstPort[i], seq: table.seq[i],
          ack: table.ack[i], flags: table.flags[i], window: table.window[i], headerLength: table.headerLength[i],
          urgent: table.urgentPointer[i], checksum: table.checksum[i],
          checksumState: ['good', 'bad', 'unverifiable'][table.checksumState[i]!],
          payloadLength: table.payloadWireLength[i], captured: table.payloadLength[i], payloadOffset: table.payloadOffset[i],
          mss: table.optionMask[i]! & 1 ? table.mss[i] : undefined,
          wscale: table.optionMask[i]! & 2 ? table.windowScale[i] : undefined,
          ts: table.optionMask[i]! & 8 ? [table.tsValue[i], table.tsEcho[i]] : undefined,
          src: table.srcAddress(i), dst: table.dstAddress(i),
        };
        const expected = {
          status: 0, srcPort: p.tcp.srcPort, dstPort: p.tcp.dstPort, seq: p.tcp.seq, ack: p.tcp.ack, flags: p.tcp.flags,
          window: p.tcp.window, headerLength: p.tcp.headerLength, urgent: p.tcp.urgentPointer, checksum: p.tcp.checksum,
          checksumState: p.checksum, payloadLength: p.payloadLength, captured: p.payload.length,
          payloadOffset: p.offsets.payload, mss: p.tcp.options.mss, wscale: p.tcp.options.windowScale,
          ts: p.tcp.options.timestamp ? [p.tcp.options.timestamp.value, p.tcp.options.timestamp.echo] : undefined,
          src: p.ip.src, dst: p.ip.dst,
        };
        if (JSON.stringify(row) !== JSON.stringify(expected)) batchDiffs.push(`${where}: ${JSON.stringify(row)} vs ${JSON.stringify(expected)}`);
      });
      expect(batchDiffs.slice(0, 10), `${batchDiffs.length} batch disagreements`).to.deep.equal([]);
    });
  }
});
