// By hand: npx tsx test/compat/run.ts [stack|native|both] [file-substring...]
// Prints pass/fail per file (and both columns with 'both'), the totals, and the output of failures
// with -v. Build first (npm run build:ts): the shim runs over dist/.

import { nodeTestsDir, runFiles, selectedFiles, type FileResult, type Mode } from './runner.js';

const args = process.argv.slice(2);
const verbose = args.includes('-v');
const rest = args.filter((a) => a !== '-v');
const which = rest[0] === 'native' || rest[0] === 'stack' || rest[0] === 'both' ? rest.shift()! : 'stack';
const dir = nodeTestsDir();
if (dir === null) throw new Error('node-tests not found: set TCPWASM_NODE_TESTS');
const files = selectedFiles(dir).filter((f) => rest.length === 0 || rest.some((r) => f.includes(r)));
const modes: Mode[] = which === 'both' ? ['native', 'stack'] : [which as Mode];
const started = Date.now();
for (const mode of modes) {
  const results = await runFiles(dir, files, mode, 2, 20_000, (r: FileResult) => {
    console.log(
      `${mode.padEnd(6)} ${r.passed ? 'pass' : r.timedOut ? 'TIME' : 'FAIL'} ${String(r.ms).padStart(6)} ms  ${r.file}`,
    );
    if (verbose && !r.passed) console.log(r.output.split('\n').slice(-25).join('\n'));
  });
  console.log(`${mode}: ${results.filter((r) => r.passed).length} of ${results.length} pass`);
}
console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
