// The installed package's `tcpwasm` command (package.json "bin") runs from the tarball: its
// version comes from the shipped package.json, and decode prints what this tree's build prints,
// on one thread and with worker threads (the worker module must ship too).

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { install, node, repo } from './installed.js';

const SAMPLE = join(repo, 'test/fixtures/kernel-sample.pcap');

describe('package: the tcpwasm command from the installed tarball', function () {
  this.timeout(120_000);

  function bin(): string {
    const { pkg } = install();
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      version: string;
    };
    return join(pkg, manifest.bin['tcpwasm']!);
  }

  it('--version prints the package version', function () {
    const run = node([bin(), '--version']);
    expect(run.stderr).to.equal('');
    expect(run.stdout.trim()).to.equal(
      (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  for (const args of [[], ['--workers', '2']]) {
    it(`decode ${args.join(' ')} prints what this tree's build prints`.replace('  ', ' '), function () {
      const installed = node([bin(), 'decode', ...args, SAMPLE]);
      const local = node([join(repo, 'dist/cli/main.js'), 'decode', ...args, SAMPLE], repo);
      expect(installed.stderr).to.equal('');
      expect(installed.status).to.equal(0);
      expect(installed.stdout.split('\n').length).to.be.greaterThan(20);
      expect(installed.stdout).to.equal(local.stdout);
    });
  }
});
