// Runs tshark (Debian package `tshark`) with the corpus's truth-table fields on a capture the
// project made itself, so our own files get the same external oracle as ../shared/corpus.

import { spawnSync } from 'node:child_process';
import type { TruthRow } from './corpus.js';

const FIELDS = [
  'frame.number',
  'frame.len',
  'frame.cap_len',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.hdr_len',
  'tcp.window_size_value',
  'tcp.len',
  'tcp.urgent_pointer',
  'tcp.checksum',
  'tcp.checksum_calculated',
  'tcp.checksum.status',
  'tcp.option_kind',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.analysis.retransmission',
  '_ws.expert.message',
];

export function hasTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Skips the calling suite without tshark, except under CI where it must be installed. */
export function requireTshark(context: Mocha.Context): void {
  if (hasTshark()) return;
  if (process.env.CI) throw new Error('tshark is required under CI (apt-get install tshark)');
  console.log('      (tshark not installed: skipping this tshark cross-check)');
  context.skip();
}

/** tshark's truth table for `file`, keyed by frame number (same command as make-truth.sh). */
export function tsharkTruth(file: string): Map<number, TruthRow> {
  const args = [
    '-r',
    file,
    '-n',
    '-o',
    'tcp.check_checksum:TRUE',
    '-o',
    'tcp.relative_sequence_numbers:FALSE',
    '-Y',
    'tcp && !icmp && !icmpv6',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
    ...FIELDS.flatMap((f) => ['-e', f]),
  ];
  const result = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`tshark failed on ${file}: ${result.stderr}`);
  const rows = new Map<number, TruthRow>();
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const cells = line.split('\t');
    const row: TruthRow = {};
    FIELDS.forEach((name, i) => {
      row[name] = cells[i] ?? '';
    });
    rows.set(Number(row['frame.number']), row);
  }
  return rows;
}
