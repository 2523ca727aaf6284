// bench/README.md is generated from bench/results.json (bench/markdown.ts): a hand edit, or a
// new results.json without `npx tsx bench/markdown.ts --write`, fails here.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, benchReadme, loadResults, resultsTable } from '../../bench/markdown.js';

describe('bench/README.md', function () {
  const results = loadResults();

  it('is what bench/markdown.ts generates from results.json', function () {
    expect(readFileSync(join(benchDir, 'README.md'), 'utf8')).to.equal(benchReadme(results));
  });

  it('has one table row per results.json row, with its median', function () {
    const table = resultsTable(results);
    const rows = table.filter((l) => l.startsWith('| ') && !l.startsWith('| **') && !l.startsWith('| task'));
    expect(rows).to.have.length(results.rows.length);
    // A row is found by its task name, and its median cell is the row's medianNs in its unit.
    const first = results.rows[0]!;
    const line = rows.find((l) => l.startsWith(`| ${first.task} |`))!;
    const median = line.split(' | ')[1]!;
    const [value, unit] = median.split(' ');
    const scale: Record<string, number> = { ns: 1, µs: 1e3, ms: 1e6 };
    expect(Number(value) * scale[unit!]!).to.be.closeTo(first.medianNs, first.medianNs * 0.01);
  });
});
