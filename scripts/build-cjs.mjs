// Builds dist/cjs/: a CommonJS copy of the library for require('tcpwasm') and friends, made
// from tsc's ESM output one file at a time (no bundling, so every entry point shares one copy
// of each module and of the WASM codec, as the ESM entries do among themselves).
//
// Node 20 before 20.19 cannot require() an ES module, and TypeScript's node16 resolution types a
// CommonJS consumer's require() against CommonJS declarations: so dist/cjs/ gets the .js files,
// the .d.ts files beside them and a package.json saying {"type": "commonjs"}.
//
// The one construct that does not carry over is import.meta.url (the WASM files and the TUN
// addon are found relative to it). In dist/cjs it becomes the URL of the ESM twin (the same
// path without /cjs/), so `../../build/tcpwasm.wasm` still resolves to the package's build/.
// Only the modules the entry points in package.json's "exports" load are converted: the CLI
// stays ESM only (it is a program, not something to require).
//
// Run after tsc (npm run build:ts does both).

import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'cjs');

/** The ESM files package.json's "exports" point at (the `import` targets). */
function entryPoints() {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const found = [];
  for (const target of Object.values(exports)) {
    // "import": "./x.js" or "import": { "types": …, "default": "./x.js" }
    const esm = typeof target === 'object' ? target.import : undefined;
    const file = typeof esm === 'object' ? esm.default : esm;
    if (file) found.push(join(root, file));
  }
  return found;
}

/**
 * The modules the entry points load, found through the relative imports of each .js and its
 * .d.ts (a module of types only is imported by declarations alone): the library, without the
 * CLI or anything only tests use.
 */
function reachable(entries) {
  const seen = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const text of [file, file.replace(/\.js$/, '.d.ts')].filter(existsSync).map((f) => readFileSync(f, 'utf8'))) {
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+\.js)['"]/g)) {
        queue.push(join(dirname(file), m[1]));
      }
    }
  }
  return [...seen];
}

const sources = reachable(entryPoints());
rmSync(out, { recursive: true, force: true });

// The URL of this file's ESM twin: /…/dist/cjs/wire/module.js → file:///…/dist/wire/module.js.
const banner = [
  'var __tcpwasm_import_meta_url = (() => {',
  '  const f = __filename, at = Math.max(f.lastIndexOf("/cjs/"), f.lastIndexOf("\\\\cjs\\\\"));',
  '  return require("node:url").pathToFileURL(f.slice(0, at) + f.slice(at + 4)).href;',
  '})();',
].join('\n');

const usesUrl = (f) => readFileSync(f, 'utf8').includes('import.meta.url');
const common = {
  outdir: out,
  outbase: dist,
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
};
await build({ ...common, entryPoints: sources.filter((f) => !usesUrl(f)) });
// Only the few files that locate something beside themselves get the banner.
await build({
  ...common,
  entryPoints: sources.filter(usesUrl),
  define: { 'import.meta.url': '__tcpwasm_import_meta_url' },
  banner: { js: banner },
});

// Declarations are module-format neutral: the same text, read as CommonJS here.
for (const file of sources.map((f) => f.replace(/\.js$/, '.d.ts')).filter(existsSync)) {
  const target = join(out, relative(dist, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
writeFileSync(join(out, 'package.json'), '{\n  "type": "commonjs"\n}\n');
