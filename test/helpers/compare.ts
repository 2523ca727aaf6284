// Compares a decoded packet with one row of a tshark truth table (columns of make-truth.sh).

import type { CaptureRecord, DecodedPacket } from '../../src/index.js';
import type { TruthRow } from './corpus.js';

function list(text: string): number[] {
  return text === '' ? [] : text.split(',').map((x) => Number(x));
}

function optional(text: string): number | undefined {
  return text === '' ? undefined : Number(text);
}

const STATUS_BY_TSHARK: Record<string, DecodedPacket['checksumStatus']> = { 0: 'bad', 1: 'good', 2: 'unverifiable' };

/** Column-by-column comparison; returns "column: expected != actual" for each disagreement. */
export function compareWithTruth(record: CaptureRecord, row: TruthRow, p: DecodedPacket): string[] {
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
  check(
    'tcp.checksum.status',
    ipTruncated ? 'unverifiable' : STATUS_BY_TSHARK[row['tcp.checksum.status']!],
    p.checksumStatus,
  );
  if (row['tcp.checksum_calculated'] !== '' && !ipTruncated) {
    check('tcp.checksum_calculated', parseInt(row['tcp.checksum_calculated']!, 16), p.expectedChecksum);
  }
  check('tcp.option_kind', list(row['tcp.option_kind']!), t.options.kinds);
  check('tcp.options.mss_val', optional(row['tcp.options.mss_val']!), t.options.mss);
  check('tcp.options.wscale.shift', optional(row['tcp.options.wscale.shift']!), t.options.windowScale);
  check('tcp.options.sack_perm', row['tcp.options.sack_perm'] !== '', t.options.sackPermitted === true);
  check(
    'tcp.options.sack_le',
    list(row['tcp.options.sack_le']!),
    (t.options.sack ?? []).map(([l]) => l),
  );
  check(
    'tcp.options.sack_re',
    list(row['tcp.options.sack_re']!),
    (t.options.sack ?? []).map(([, r]) => r),
  );
  check('tcp.options.timestamp.tsval', optional(row['tcp.options.timestamp.tsval']!), t.options.timestamp?.value);
  check('tcp.options.timestamp.tsecr', optional(row['tcp.options.timestamp.tsecr']!), t.options.timestamp?.echo);
  return diffs;
}
