// README's and docs/'s examples must run and print what they show, included example files must be
// the files, figures must be the benchmark file's, links must lead somewhere, and README stays short.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The pages whose code blocks are checked here (architecture.md and browser.md have their own owners' tests). */
const pages = [
  'README.md',
  'docs/cli.md',
  'docs/codec.md',
  'docs/stack.md',
  'docs/tun.md',
  'docs/engine.md',
  'docs/testing.md',
  'docs/benchmarks.md',
  'docs/building.md',
  'docs/flows.md',
  'docs/columnar.md',
  'docs/tcpdump.md',
];
const text = (page: string): string => readFileSync(join(root, page), 'utf8');
const readme = text('README.md');

/** Pairs of (```js example, the ```text block right after it). */
function examples(page: string): Array<{ code: string; output: string }> {
  const out: Array<{ code: string; output: string }> = [];
  const pattern = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g;
  for (const m of text(page).matchAll(pattern)) out.push({ code: m[1]!, output: m[2]! });
  return out;
}

/** Splits a console command line into arguments, honouring single quotes as a shell does. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

/** Pages other helpers of this round write (issue 13): linked before they land here. */
const elsewhere = new Set(['docs/architecture.md', 'docs/browser.md'].map((p) => join(root, p)));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('README and docs', function () {
  // Examples import 'tcpwasm' by name: a file inside the package resolves that to itself.
  const scratch = join(root, '.tmp');
  before(() => mkdirSync(scratch, { recursive: true }));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('README is short: at most 250 lines', function () {
    expect(readme.split('\n').length).to.be.at.most(250);
  });

  it('README has three examples with their output, two of them example files', function () {
    expect(examples('README.md')).to.have.length(3);
    expect([...readme.matchAll(/<!-- example: (\S+) -->/g)]).to.have.length(2);
  });

  for (const page of pages) {
    examples(page).forEach(({ code, output }, i) => {
      it(`${page} example ${i + 1} prints what the page shows`, function () {
        const file = join(scratch, `${page.replace(/\W/g, '-')}-${i + 1}.mjs`);
        writeFileSync(file, code);
        const run = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
        expect(run.stderr).to.equal('');
        expect(run.status).to.equal(0);
        expect(run.stdout.trim()).to.equal(output.trim());
      });
    });

    // `<!-- example: examples/x.mjs -->` before a block: the block is that file, verbatim.
    for (const m of text(page).matchAll(/<!-- example: (\S+) -->\n```js\n([\s\S]*?)```/g)) {
      it(`${page}: the block shown as ${m[1]} is that file`, function () {
        expect(m[2]).to.equal(readFileSync(join(root, m[1]!), 'utf8'));
      });
    }

    [...text(page).matchAll(/```console\n\$ npx tcpwasm (.*)\n([\s\S]*?)```/g)].forEach((block, i) => {
      it(`${page} command ${i + 1} (tcpwasm ${block[1]!.slice(0, 40)}...) prints what the page shows`, function () {
        const args = shellWords(block[1]!);
        const run = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], {
          cwd: root,
          encoding: 'utf8',
        });
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

    // CommonMark closes a fence only with a bare ``` line: ``` followed by text (or a second
    // opening fence) leaves the block open, and everything after it renders as code.
    it(`${page}: every code fence is closed by a bare fence, and none is left open`, function () {
      let open: number | null = null;
      text(page)
        .split('\n')
        .forEach((line, i) => {
          if (!line.startsWith('```')) return;
          if (open === null) open = i + 1;
          else {
            expect(line, `${page}:${i + 1} should close the fence opened at line ${open}`).to.equal('```');
            open = null;
          }
        });
      expect(open, `${page}: the fence opened at line ${open} is never closed`).to.equal(null);
    });

    it(`${page}: every relative link leads to a file, and every #anchor to a heading`, function () {
      const links = [...text(page).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
      expect(links.length).to.be.above(0);
      for (const link of links) {
        const [path, hash] = link.split('#') as [string, string | undefined];
        const target = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
        if (elsewhere.has(target) && !existsSync(target)) continue;
        expect(existsSync(target), `${page} links to ${link}`).to.equal(true);
        if (hash !== undefined) {
          const headings = [...readFileSync(target, 'utf8').matchAll(/^#+ (.*)$/gm)].map((h) => anchor(h[1]!));
          expect(headings, `${page} links to ${link}`).to.include(hash);
        }
      }
    });
  }

  it('the docs have command examples', function () {
    expect(pages.flatMap((p) => [...text(p).matchAll(/```console\n\$ npx tcpwasm /g)])).to.have.length.at.least(5);
  });

  it('docs/cli.md describes every command and option that tcpwasm --help lists', function () {
    const help = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), '--help'], { encoding: 'utf8' }).stdout;
    const cli = text('docs/cli.md');
    const commands = [...help.matchAll(/^ {2}tcpwasm ([a-z]+) /gm)].map((m) => m[1]!);
    expect(commands).to.include.members(['decode', 'serve', 'demo']);
    for (const c of commands) expect(cli, `command ${c}`).to.include(`## \`tcpwasm ${c}\``);
    const options = new Set([...help.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
    expect(options.size).to.be.at.least(20);
    for (const o of options) expect(cli, `option ${o}`).to.match(new RegExp(`[\\s\`]${o}(?![a-z-])`));
  });

  it('npm start, the main job, runs the demo: every check passes and it ends by itself', function () {
    // Stdout is a pipe here, so the demo stops after its checks instead of serving on.
    const run = spawnSync('npm', ['start', '--silent'], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const out = run.stdout;
    expect(out).to.match(/^tcpwasm demo: /);
    expect(out).to.match(
      /\n(TUN device tcpwasm\d+ \(MTU 1500\) in network namespace tcpwasm-demo-\d+; |in-memory fallback: )/,
    );
    expect(out).to.include('\n6 of 6 checks passed\n');
    // The README shows a run: each check's line there names the same request as here.
    const shown = /The main job, `npm start`[\s\S]*?```text\n([\s\S]*?)```/.exec(readme)![1]!;
    const checks = shown
      .split('\n')
      .filter((l) => /^ {2}ok /.test(l))
      .map((l) => l.slice(0, 44).trimEnd());
    expect(checks).to.have.length(6);
    for (const check of checks) expect(out).to.include(check);
  });
});
