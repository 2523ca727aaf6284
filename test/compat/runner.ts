// Runs Node's own test-net-*.js files (Node v20.11.1's test/parallel, kept beside the repo in
// ../shared/node-tests or where TCPWASM_NODE_TESTS points) each in a child process, either on
// node:net ('native') or with net-shim.mjs preloaded so that `net` is our Stack ('stack'). A file
// passes as Node's own test runner judges it: exit code 0 within the time limit.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Mode = 'native' | 'stack';

export interface FileResult {
  file: string;
  mode: Mode;
  passed: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
  /** The end of stdout + stderr, for the failure message. */
  output: string;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHIM = join(REPO, 'test/compat/net-shim.mjs');

/** The node-tests directory (with common/ and parallel/), or null when it is not there. */
export function nodeTestsDir(): string | null {
  const dir = process.env.TCPWASM_NODE_TESTS ?? join(REPO, '..', 'shared', 'node-tests');
  return existsSync(join(dir, 'parallel')) && existsSync(join(dir, 'common')) ? dir : null;
}

export function selectedFiles(dir: string): string[] {
  return readdirSync(join(dir, 'parallel'))
    .filter((f) => /^test-net-.*\.js$/.test(f))
    .sort();
}

/** Node's test runner passes the flags a file asks for in a `// Flags:` comment. */
function fileFlags(path: string): string[] {
  const match = /^\/\/ Flags: (.+)$/m.exec(readFileSync(path, 'utf8'));
  return match ? match[1]!.trim().split(/\s+/) : [];
}

const OUTPUT_TAIL = 4000;

export function runFile(dir: string, file: string, mode: Mode, timeoutMs = 20_000): Promise<FileResult> {
  const cwd = join(dir, 'parallel');
  const path = join(cwd, file);
  const args = [...fileFlags(path), ...(mode === 'stack' ? ['--import', SHIM] : []), path];
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd,
      // Nothing of mocha's/tsx's loader setup leaks into the child.
      env: { ...process.env, NODE_OPTIONS: '', NODE_TEST_KNOWN_GLOBALS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.length > 4 * OUTPUT_TAIL) output = output.slice(-OUTPUT_TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      done({
        file,
        mode,
        exitCode,
        signal,
        timedOut,
        ms: Date.now() - started,
        passed: exitCode === 0 && !timedOut,
        output: output.slice(-OUTPUT_TAIL),
      });
    });
  });
}

/** Runs `files` with at most `concurrency` children at a time; results in the order of `files`. */
export async function runFiles(
  dir: string,
  files: readonly string[],
  mode: Mode,
  concurrency = 2,
  timeoutMs = 20_000,
  onResult?: (r: FileResult) => void,
): Promise<FileResult[]> {
  const results: FileResult[] = new Array<FileResult>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await runFile(dir, files[i]!, mode, timeoutMs);
      onResult?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return results;
}
