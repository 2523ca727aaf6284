// apache-arrow and parquet-wasm are loaded only for --format arrow|parquet: no module reached
// through static imports from the package entries or the command imports them, so the codec
// stays small and browser-safe and the text commands start as fast as before.

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from '../cli/cli-run.js';

/** Value imports and re-exports (not `import type`, not dynamic import()) of a TypeScript file. */
function staticImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) out.push(m[1]!);
  return out;
}

/** Every package a file reaches through static imports, following the repository's own files. */
function reachablePackages(entry: string): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>();
  const files = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) queue.push(target);
      } else {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return { packages, files };
}

describe('columnar libraries load lazily', () => {
  // The command imports each subcommand when it runs, so its modules are entries of their own.
  const entries = [
    'src/index.ts',
    'src/codec.ts',
    'src/engine.ts',
    'src/cli/main.ts',
    'src/cli/decode.ts',
    'src/cli/flows-args.ts',
  ].filter((e) => existsSync(join(repoRoot, e)));

  it("the scan sees through re-exports and finds the columnar module's own imports", () => {
    const { packages } = reachablePackages(join(repoRoot, 'src/columnar/index.ts'));
    expect([...packages]).to.include('apache-arrow');
    expect(reachablePackages(join(repoRoot, 'src/cli/decode.ts')).files.size).to.be.greaterThan(20);
  });

  for (const entry of entries) {
    it(`${entry} does not import apache-arrow or parquet-wasm statically`, () => {
      const { packages, files } = reachablePackages(join(repoRoot, entry));
      expect([...packages]).to.not.include.members(['apache-arrow']);
      expect([...packages]).to.not.include.members(['parquet-wasm']);
      expect([...files].some((f) => f.includes('/src/columnar/'))).to.equal(false);
    });
  }
});
