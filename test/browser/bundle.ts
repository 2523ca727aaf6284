// esbuild bundles of the built entry points, as a browser app that imports tcpwasm/codec or
// tcpwasm/engine would get them: platform=browser, ESM, no plugins, shims, defines or injects.
// They are built from dist/ (what the package ships), so package.json's "browser" field applies.

import { build, type Metafile, type Platform } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type Entry = 'codec' | 'engine';

export interface LibraryBundle {
  code: string;
  /** Inputs that contributed bytes to the output, as paths relative to the repository. */
  inputs: string[];
  metafile: Metafile;
}

function newest(dir: string): number {
  let latest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    latest = Math.max(latest, name.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Throws unless dist/ was built after the last change to src/ (a stale dist would test old code). */
export function assertDistCurrent(): void {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build:ts` first');
  }
  if (newest(join(ROOT, 'src')) > built) throw new Error('dist/ is older than src/: run `npm run build:ts` first');
}

export async function bundleLibrary(entry: Entry, options: { minify?: boolean; platform?: Platform } = {}): Promise<LibraryBundle> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'dist', `${entry}.js`)],
    bundle: true,
    format: 'esm',
    platform: options.platform ?? 'browser',
    minify: options.minify ?? false,
    write: false,
    metafile: true,
    outfile: join(ROOT, '.browser-bundle', `${entry}.js`),
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((f) => f.path.endsWith('.js'))!;
  const meta = Object.values(result.metafile.outputs)[0]!;
  const inputs = Object.entries(meta.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([path]) => relative(ROOT, join(ROOT, path)));
  return { code: output.text, inputs, metafile: result.metafile };
}

/** What a bundle must not contain to run in a browser unshimmed, each with a pattern. */
export const NODE_ONLY: ReadonlyArray<readonly [string, RegExp]> = [
  ['a node: module name', /node:/],
  ['process', /(?<![\w$])process(?![\w$])/],
  ['Buffer', /(?<![\w$])Buffer(?![\w$])/],
  ['require', /(?<![\w$])require(?![\w$])/],
  ['__dirname / __filename', /(?<![\w$])__(dirname|filename)(?![\w$])/],
  ['getBuiltinModule', /getBuiltinModule/],
  ['readFileSync', /readFileSync/],
];

/** The Node-only references found in `code`, by name. */
export function nodeReferences(code: string): string[] {
  return NODE_ONLY.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
}
