// Every examples/*.mjs runs as a child process, importing the package by name ('tcpwasm',
// 'tcpwasm/codec', 'tcpwasm/engine': a file inside a package resolves its own name through
// package.json `exports`, as an installed copy would), and prints values checked here against
// what the example put in. An example without checks here fails, so none goes unrun.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, 'examples');

/** Runs one example; returns its stdout lines after checking it exited cleanly and silently. */
export function runExample(name: string): string[] {
  const run = spawnSync(process.execPath, [join(dir, name)], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr, `${name} wrote to stderr`).to.equal('');
  expect(run.status, `${name} exit status`).to.equal(0);
  return run.stdout.trimEnd().split('\n');
}

const checks: Record<string, (lines: string[]) => void> = {
  'codec.mjs': (lines) => {
    // What the example encoded: 192.0.2.1:40000 -> 192.0.2.2:80 SYN with 4 options (60 bytes:
    // 20 IPv4 + 20 TCP + 20 of options padded with one NOP).
    expect(lines[0]).to.equal('192.0.2.1.40000 > 192.0.2.2.80 S good');
    expect(lines[1]).to.equal('60 bytes; options [ 2, 4, 8, 1, 3 ] mss 1460 wscale 7 { value: 1, echo: 0 }');
    expect(lines[2]).to.equal('IPv4 header sum 0');
    expect(lines[3]).to.equal('after a flipped bit: bad');
    expect(lines).to.have.length(4);
  },
  'capture.mjs': (lines) => {
    // 6 packets written (3 data + 3 ACKs), 3 × 100 payload bytes, the last ACK at 1 + 300.
    expect(lines).to.deep.equal(['6 rows, 6 good checksums, 300 payload bytes, last ACK 301']);
  },
  'engine.mjs': (lines) => {
    expect(lines[0]).to.equal('server received 100000 bytes; client read "got 100000 bytes"');
    const states = /^states: client CLOSED, server CLOSED; (\d+) ms of virtual time$/.exec(lines[1]!);
    expect(states, lines[1]).to.not.equal(null);
    // Above the 1 s TIME-WAIT the example configures, far below a stuck run's minutes.
    expect(Number(states![1])).to.be.within(1000, 10_000);
    const segs = /^segments (\d+) sent, 1 lost, (\d+) retransmitted$/.exec(lines[2]!);
    expect(segs, lines[2]).to.not.equal(null);
    // 100,000 bytes need at least 69 full segments; the lost one must have been sent again.
    expect(Number(segs![1])).to.be.at.least(69);
    expect(Number(segs![2])).to.be.at.least(1);
  },
  'stack-http.mjs': (lines) => {
    expect(lines).to.deep.equal(['echo: hello over a userspace TCP stack', 'HTTP 200: hi from 2001:db8::1']);
  },
};

describe('examples/*.mjs', function () {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort();

  it('every example has checks here', function () {
    expect(files).to.have.length.at.least(4);
    for (const f of files) expect(checks, `no checks for examples/${f}`).to.have.property(f);
  });

  it('examples import the package by name, never test fixtures', function () {
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).to.match(/from 'tcpwasm(\/[a-z]+)?';/);
      expect(text, f).to.not.match(/\.\.\/(src|dist)\/|test\/fixtures/);
    }
  });

  for (const f of Object.keys(checks)) {
    it(`${f} runs and prints what it computed`, function () {
      checks[f]!(runExample(f));
    });
  }
});
