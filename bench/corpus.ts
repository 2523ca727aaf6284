// Where the shared capture corpus is: one rule for the benchmarks and the tests.

import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ and its compiled copy .bench/ both sit directly below the repository root. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The places looked in, in order: TCPWASM_CORPUS, then ../shared/corpus beside the repo. */
export function corpusCandidates(): string[] {
  return [process.env.TCPWASM_CORPUS, resolve(repoRoot, '../shared/corpus')].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
}

/** The first candidate that holds the corpus (its make-truth.sh), or undefined. */
export function locateCorpus(): string | undefined {
  return corpusCandidates().find((c) => existsSync(join(c, 'make-truth.sh')));
}

/**
 * How results.json names the corpus: the variable that pointed at it, or its path from the
 * repository, never the measuring machine's absolute path.
 */
export function corpusLabel(corpus: string): string {
  return corpus === process.env.TCPWASM_CORPUS ? '$TCPWASM_CORPUS' : relative(repoRoot, corpus);
}
