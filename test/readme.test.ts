// README's examples must run and print what README says they print.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Pairs of (```js example, the ```text block right after it). */
function examples(): Array<{ code: string; output: string }> {
  const out: Array<{ code: string; output: string }> = [];
  const pattern = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g;
  for (const m of readme.matchAll(pattern)) out.push({ code: m[1]!, output: m[2]! });
  return out;
}

describe('README', function () {
  // Examples import 'tcpwasm' by name: a file inside the package resolves that to itself.
  const scratch = join(root, '.tmp');
  before(() => mkdirSync(scratch, { recursive: true }));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const cases = examples();
  it('has examples with their output', function () {
    expect(cases.length).to.be.at.least(4);
  });

  cases.forEach(({ code, output }, i) => {
    it(`example ${i + 1} prints what README shows`, function () {
      const file = join(scratch, `readme-example-${i + 1}.mjs`);
      writeFileSync(file, code);
      const run = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
      expect(run.stderr).to.equal('');
      expect(run.status).to.equal(0);
      expect(run.stdout.trim()).to.equal(output.trim());
    });
  });

  /** Splits a console command line into arguments, honouring single quotes as a shell does. */
  function shellWords(line: string): string[] {
    const words: string[] = [];
    for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2]!);
    return words;
  }

  const commands = [...readme.matchAll(/```console\n\$ npx tcpwasm (.*)\n([\s\S]*?)```/g)];
  it('has command examples', function () {
    expect(commands.length).to.be.at.least(5);
  });

  commands.forEach((block, i) => {
    it(`command example ${i + 1} (tcpwasm ${block[1]!.slice(0, 40)}...) prints what README shows`, function () {
      const args = shellWords(block[1]!);
      const run = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: root, encoding: 'utf8' });
      // A successful command shows its stdout; a failing one (exit 2) its one-line error.
      const shown = block[2]!.trim().split('\n');
      const printed = run.status === 0 ? run.stdout : run.stderr;
      if (run.status !== 0) {
        expect(run.status).to.equal(2);
        expect(run.stdout).to.equal('');
      }
      expect(printed.split('\n').slice(0, shown.length)).to.deep.equal(shown);
    });
  });

  it('npm start, the main job, runs the demo: every check passes and it ends by itself', function () {
    // Stdout is a pipe here, so the demo stops after its checks instead of serving on.
    const run = spawnSync('npm', ['start', '--silent'], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const out = run.stdout;
    expect(out).to.match(/^tcpwasm demo: /);
    expect(out).to.match(/\n(TUN device tcpwasm\d+ \(MTU 1500\) in network namespace tcpwasm-demo-\d+; |in-memory fallback: )/);
    expect(out).to.include('\n6 of 6 checks passed\n');
    // The README shows a run: each check's line there names the same request as here.
    const shown = /The main job, `npm start`[\s\S]*?```text\n([\s\S]*?)```/.exec(readme)![1]!;
    const checks = shown.split('\n').filter((l) => /^ {2}ok /.test(l)).map((l) => l.slice(0, 44).trimEnd());
    expect(checks).to.have.length(6);
    for (const check of checks) expect(out).to.include(check);
  });
});
