// `node .bench/markdown.js` (after `npm run bench`): prints bench/results.json as the Markdown
// table README carries, so README's figures are copied from the file, never retyped.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './harness.js';
import { h2Rate } from './h2load.bench.js';
import { tunRate } from './tun.bench.js';

const here = dirname(fileURLToPath(import.meta.url));
const results = JSON.parse(readFileSync(join(here, '../bench/results.json'), 'utf8')) as {
  cpu: string; cores: number; node: string; date: string; quick: boolean; rows: Row[];
};

function time(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 100) return `${ns.toFixed(0)} ns`;
  return `${ns.toFixed(1)} ns`;
}

function rate(row: Row): string {
  const tun = tunRate(row) ?? h2Rate(row);
  if (tun !== undefined) return tun;
  if (row.group === 'stack goodput' && row.gbPerSec !== undefined) {
    return `${(row.gbPerSec * 1000).toFixed(0)} MB/s, ${(row.opsPerSec / 1e3).toFixed(0)} k seg/s`;
  }
  if (row.unit === 'call' && row.gbPerSec !== undefined) return `${row.gbPerSec.toFixed(2)} GB/s`;
  const per = row.unit === 'segment' ? 'seg/s' : 'pkt/s';
  return row.opsPerSec >= 1e6 ? `${(row.opsPerSec / 1e6).toFixed(2)} M ${per}` : `${(row.opsPerSec / 1e3).toFixed(0)} k ${per}`;
}

console.log(`${results.cpu}, ${results.cores} cores, Node ${results.node}, ${results.date}${results.quick ? ' (--quick)' : ''}`);
console.log('');
console.log('| task | median | rate | vs baseline |');
console.log('|---|---:|---:|---:|');
let group = '';
for (const row of results.rows) {
  if (row.group !== group) {
    group = row.group;
    console.log(`| **${group}** | | | |`);
  }
  const ratio = row.ratio === undefined ? '—' : row.task === row.baseline ? 'baseline' : `${row.ratio.toFixed(2)}×`;
  console.log(`| ${row.task} | ${time(row.medianNs)} | ${rate(row)} | ${ratio} |`);
}

// The TUN rows carry what the table cannot: CPU per GB, the layer profile, targets met or missed.
const tunRows = results.rows.filter((r) => tunRate(r) !== undefined && r.note !== undefined);
if (tunRows.length > 0) {
  console.log('');
  for (const row of tunRows) console.log(`- ${row.task}: ${row.note}`);
}
