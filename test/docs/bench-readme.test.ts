// bench/README.md is generated from bench/results.json (bench/markdown.ts): a hand edit, or a
// new results.json without `npx tsx bench/markdown.ts --write`, fails here.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOALS, judgeGoals } from '../../bench/goals.js';
import { benchDir, benchReadme, goalsBlock, loadResults, resultsTable, withGoals } from '../../bench/markdown.js';

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

  it("README's speed-goals table is what bench/goals.ts makes of results.json", function () {
    const readme = readFileSync(join(benchDir, '../README.md'), 'utf8');
    expect(readme).to.include(goalsBlock(results));
    expect(withGoals(readme, results)).to.equal(readme);
  });

  it('judges every goal of the table, and a goal with a missing row is "not in this run", never met', function () {
    const verdicts = judgeGoals(results.rows);
    expect(verdicts.map((v) => v.path)).to.deep.equal(GOALS.map((g) => g.path));
    for (const v of judgeGoals([])) {
      expect(v.today, v.path).to.equal(undefined);
      expect(v.met, v.path).to.equal(undefined);
    }
    expect(goalsBlock({ ...results, rows: [] })).to.match(/\| not in this run \|\n<!-- end of speed goals -->$/);
  });

  it('judges a goal from its rows: a ratio at the bound is met, below it missed', function () {
    const row = (group: string, task: string, medianNs: number) => ({
      group,
      task,
      unit: 'call',
      medianNs,
      opsPerSec: 1e9 / medianNs,
      opsPerIteration: 1,
      samples: 1,
      latencyMs: { p50: 0, mean: 0, min: 0, max: 0, p99: 0, mad: 0, rme: 0 },
    });
    const rows = (ours: number) => [
      row('checksum 1500 B', 'wasm simd: internetChecksum', ours),
      row('checksum 1500 B', 'best pure JS (Uint32Array, 4 acc.)', 600),
    ];
    const verdict = (ours: number) => judgeGoals(rows(ours)).find((v) => v.path.includes('1500 B, ordinary'))!;
    expect(verdict(100).met).to.deep.equal([true]);
    expect(verdict(100).today).to.equal('100 ns: 6.00× best JS');
    expect(verdict(101).met).to.deep.equal([false]);
  });
});
