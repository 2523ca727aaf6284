// docs/api is TypeDoc's Markdown of the public entry points (typedoc.json), committed so it can
// be read on GitHub. Regenerating it into a temporary directory must give the same files, and
// TypeDoc must not warn (typedoc.json sets treatWarningsAsErrors: an undocumented type that an
// export refers to, or a broken {@link}, fails here). After changing JSDoc: `npm run docs`.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every file under `dir`, as paths relative to it, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

describe('docs/api (TypeDoc)', function () {
  // TypeDoc type-checks the whole program: about 30 s on an idle core, more on a loaded one.
  this.timeout(300_000);

  it('is what TypeDoc generates from the JSDoc now, without warnings', function () {
    const out = mkdtempSync(join(tmpdir(), 'tcpwasm-api-'));
    try {
      const run = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(run.status, `typedoc failed:\n${run.stdout}${run.stderr}`).to.equal(0);
      expect(run.stdout + run.stderr).to.not.include('[warning]');
      const committed = files(join(root, 'docs/api'));
      const fresh = files(out);
      expect(committed, 'docs/api is stale: run npm run docs').to.deep.equal(fresh);
      expect(fresh.length).to.be.above(50);
      for (const f of fresh) {
        expect(readFileSync(join(root, 'docs/api', f), 'utf8'), `docs/api/${f} is stale: run npm run docs`).to.equal(
          readFileSync(join(out, f), 'utf8'),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
