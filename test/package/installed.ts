// The package as a user gets it: `npm pack` of this tree, unpacked into a scratch project's
// node_modules/tcpwasm as `npm install` would, with no registry: the one runtime dependency
// (@assemblyscript/loader) and @types/node (for the type-check) are linked from this repo's
// node_modules. Packed once per mocha run and shared by the test files in this folder.

import { execFile, execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface PackedFile {
  path: string;
  size: number;
}

export interface Installed {
  /** The scratch project; its node_modules/tcpwasm is the unpacked tarball. */
  project: string;
  /** node_modules/tcpwasm inside it. */
  pkg: string;
  /** Bytes of the .tgz. */
  tarballSize: number;
  /** Bytes of the files unpacked. */
  unpackedSize: number;
  files: PackedFile[];
}

let installed: Installed | undefined;
let scratch: string | undefined;

/** Packs and installs once; later calls return the same project. */
export function install(): Installed {
  if (installed) return installed;
  if (!existsSync(join(repo, 'dist/index.js')) || !existsSync(join(repo, 'dist/cjs/index.js'))) {
    throw new Error('dist/ is not built: run `npm run build` first');
  }
  scratch = mkdtempSync(join(tmpdir(), 'tcpwasm-package-'));
  process.once('exit', uninstall);
  // --ignore-scripts: pack what `npm run build` left in dist/ (prepack would rebuild it).
  const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const info = (
    JSON.parse(json) as Array<{ filename: string; size: number; unpackedSize: number; files: PackedFile[] }>
  )[0]!;
  const project = join(scratch, 'consumer');
  const pkg = join(project, 'node_modules/tcpwasm');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['xzf', join(scratch, info.filename), '-C', pkg, '--strip-components=1']);
  for (const dep of ['@assemblyscript/loader', '@types/node']) {
    const to = join(project, 'node_modules', dep);
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(join(repo, 'node_modules', dep), to, 'dir');
  }
  installed = { project, pkg, tarballSize: info.size, unpackedSize: info.unpackedSize, files: info.files };
  return installed;
}

/** Removes the scratch project (at exit: the test files in this folder share it). */
export function uninstall(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
  installed = undefined;
}

/** Runs node on `args` in the scratch project (or `cwd` inside it). */
export function node(args: string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd: cwd ?? install().project, encoding: 'utf8', timeout: 60_000 });
}

/** Runs this repo's TypeScript compiler on a project; resolves to its output and exit code. */
export function tsc(projectDir: string): Promise<{ output: string; status: number }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', projectDir],
      { cwd: projectDir, encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        done({ output: stdout + stderr, status: error ? (typeof code === 'number' ? code : -1) : 0 });
      },
    );
  });
}
