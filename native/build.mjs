// Builds the optional TUN addon (tcpwasm_tun.node) with node-gyp; run by `npm install`.
//
// The addon is optional: everything but TunDevice works without it. So a failed build must not
// fail the install. It prints one warning line saying why, records the reason in
// native/build-failure.txt (TunDevice.open() quotes it in its ENOADDON error) and exits 0.
// TCPWASM_SKIP_NATIVE=1 skips the build (recorded the same way). `npm run build` runs it with
// --if-stale, which skips a build that is already up to date.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const failureFile = join(here, 'build-failure.txt');
const addonFile = join(here, 'build', 'Release', 'tcpwasm_tun.node');

function fail(reason) {
  try {
    writeFileSync(failureFile, `${reason}\n`);
  } catch {
    // A read-only install directory: the warning below is all we can leave.
  }
  console.warn(`tcpwasm: native TUN addon not built (${reason.split('\n')[0]}); everything but TunDevice works`);
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else on PATH, else the copy bundled with npm. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/** Node's own headers when they are installed locally, so node-gyp does not download them. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** With --if-stale (npm run build): nothing to do when the addon is newer than its sources and loads. */
function upToDate() {
  if (!process.argv.includes('--if-stale') || !existsSync(addonFile)) return false;
  const built = statSync(addonFile).mtimeMs;
  if (['tun.c', 'binding.gyp'].some((f) => statSync(join(here, f)).mtimeMs > built)) return false;
  try {
    createRequire(import.meta.url)(addonFile);
    return true;
  } catch {
    return false;
  }
}

if (process.env.TCPWASM_SKIP_NATIVE === '1') fail('skipped: TCPWASM_SKIP_NATIVE=1');
if (upToDate()) process.exit(0);
if (process.platform !== 'linux') fail(`TUN devices need Linux; this is ${process.platform}`);

const [command, ...prefixArgs] = nodeGypCommand();
const result = spawnSync(command, [...prefixArgs, 'rebuild', '-C', here, ...nodedirArgs()], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (result.error) fail(`cannot run node-gyp: ${result.error.message}`);
if (result.status !== 0) {
  const output = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('gyp info'));
  const errors = output.filter((line) => /error|not found|ERR!/i.test(line));
  const why = (
    errors.find((line) => !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(line)) ??
    errors[0] ??
    `node-gyp exited with ${result.status}`
  ).trim();
  fail(`node-gyp rebuild failed: ${why}\n\n${output.slice(-40).join('\n')}`);
}
try {
  createRequire(import.meta.url)(addonFile);
} catch (error) {
  fail(`built, but it does not load: ${error instanceof Error ? error.message : String(error)}`);
}
rmSync(failureFile, { force: true });
