// Every examples/*.mjs runs against the installed package (as a user who copied it would run it),
// not against this tree: an example that needs a file the package does not ship fails here.

import { expect } from 'chai';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { install, node, repo } from './installed.js';

const dir = join(repo, 'examples');
const examples = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .sort()
  : [];

describe('package: examples/*.mjs against the installed tarball', function () {
  this.timeout(120_000);

  before(function () {
    if (examples.length > 0) cpSync(dir, join(install().project, 'examples'), { recursive: true });
  });

  for (const example of examples) {
    it(`${example} runs and exits 0 with nothing on stderr`, function () {
      const { project } = install();
      const run = node([join('examples', example)], project);
      expect(run.stderr).to.equal('');
      expect(run.status).to.equal(0);
      expect(run.stdout.length).to.be.greaterThan(0);
    });
  }
});
