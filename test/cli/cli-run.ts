// Runs the built command (dist/cli/main.js) as a child process, for the CLI test files.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_DIR } from '../helpers/corpus.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = 'dist/cli/main.js';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 512 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds the package once if dist/ is missing (a fresh clone running one test file). */
export function ensureBuilt(context: Mocha.Context): void {
  if (existsSync(join(repoRoot, MAIN))) return;
  context.timeout(600_000);
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

export function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

export const corpus = (rel: string): string => join(CORPUS_DIR, rel);
