// Prints each entry point's runtime export names, as import() and as require() see them:
//   node test/package/list-exports.mjs        (in the repo: 'tcpwasm' resolves to itself)
// The package test runs it inside a project that installed the packed tarball.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ENTRIES = [
  'tcpwasm',
  'tcpwasm/codec',
  'tcpwasm/engine',
  'tcpwasm/stack',
  'tcpwasm/tun',
  'tcpwasm/serve',
  'tcpwasm/flows',
];

const out = {};
for (const entry of ENTRIES) {
  out[entry] = {
    import: Object.keys(await import(entry)).sort(),
    require: Object.keys(require(entry)).sort(),
  };
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(out));
} else {
  for (const [entry, { import: names }] of Object.entries(out)) {
    console.log(`${entry} (${names.length}): ${names.join(', ')}`);
  }
}
