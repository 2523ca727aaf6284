// esbuild bundles of the built entry points, as a browser app that imports tcpwasm/codec or
// tcpwasm/engine would get them: platform=browser, ESM, no plugins, shims, defines or injects.
// They are built from dist/ (what the package ships), so package.json's "browser" field applies.

import { build, type Metafile, type Platform } from 'esbuild';
import { existsSync } from 'node:fs';
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

/**
 * Throws unless dist/ holds a build. (`npm test` builds first; run `npm run build:ts` after
 * editing src/ when running these files alone. Modification times cannot tell a stale dist:
 * tsc leaves an output untouched when its source changed back.)
 */
export function assertDistBuilt(): void {
  for (const entry of ['codec', 'engine']) {
    if (!existsSync(join(ROOT, 'dist', `${entry}.js`)))
      throw new Error('dist/ is missing: run `npm run build:ts` first');
  }
}

export async function bundleLibrary(
  entry: Entry,
  options: { minify?: boolean; platform?: Platform } = {},
): Promise<LibraryBundle> {
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
  const inputs = Object.entries(meta.inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([path]) => relative(ROOT, join(ROOT, path)));
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
