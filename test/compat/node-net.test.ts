// Node's own test-net-*.js files (v20.11.1, 84 TCP-over-IP files, see ../shared/node-tests/
// SELECTION.md) run with `net` mapped onto one loopback Stack (net-shim.mjs). Every file must pass
// as it does on node:net, except those listed below with the reason each still fails; those show as
// pending so the count stays visible. The shim runs over dist/: `npm run build:ts` first (npm test's
// pretest does). Without the node-tests directory the suite skips, except under CI=true.

import { expect } from 'chai';
import { nodeTestsDir, runFiles, selectedFiles, type FileResult } from './runner.js';

/** Files whose subject does not exist on a userspace stack (none so far). */
export const NOT_APPLICABLE: Record<string, string> = {};

/** Files that still fail on our sockets, and why. Remove an entry when its file passes. */
export const KNOWN_FAILING: Record<string, string> = {};

/** Two children at a time (the machine is shared), 20 s each: the whole run stays near two minutes. */
const CONCURRENCY = 2;
const FILE_TIMEOUT_MS = 20_000;

describe('compat: Node v20 test-net-*.js on our sockets', function () {
  this.timeout(10 * 60_000);
  const dir = nodeTestsDir();
  const files = dir === null ? [] : selectedFiles(dir);
  const results = new Map<string, FileResult>();

  before(async function () {
    if (dir === null) {
      if (process.env.CI === 'true')
        throw new Error('node-tests not found (../shared/node-tests or TCPWASM_NODE_TESTS)');
      this.skip();
    }
    const toRun = files.filter((f) => !(f in NOT_APPLICABLE) && !(f in KNOWN_FAILING));
    for (const r of await runFiles(dir!, toRun, 'stack', CONCURRENCY, FILE_TIMEOUT_MS)) results.set(r.file, r);
  });

  it('finds the 84 selected files', function () {
    if (dir === null) this.skip();
    expect(files).to.have.length(84);
    for (const listed of [...Object.keys(NOT_APPLICABLE), ...Object.keys(KNOWN_FAILING)])
      expect(files).to.include(listed);
  });

  // One test per file; the list is known only when the directory is there, so read it eagerly.
  const eager = nodeTestsDir();
  for (const file of eager === null ? [] : selectedFiles(eager)) {
    if (file in NOT_APPLICABLE) it.skip(`${file} — not applicable: ${NOT_APPLICABLE[file]}`);
    else if (file in KNOWN_FAILING) it.skip(`${file} — known failing: ${KNOWN_FAILING[file]}`);
    else {
      it(file, function () {
        const r = results.get(file);
        expect(r, 'ran').to.not.equal(undefined);
        const why = r!.timedOut ? `timed out after ${FILE_TIMEOUT_MS} ms` : `exit ${String(r!.exitCode ?? r!.signal)}`;
        expect(r!.passed, `${file}: ${why}\n${r!.output}`).to.equal(true);
      });
    }
  }
});
