// Network namespaces for the kernel interop tests: each test gets a fresh, uniquely named
// namespace (`tcpwasm-c-<pid>-<n>`) with lo up, runs kernel-side programs in it with
// `ip netns exec`, and deletes it afterwards — also when the test failed, and also namespaces
// left behind by an earlier run that was killed (their pid is gone).

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PREFIX = 'tcpwasm-c';
const live = new Set<string>();
let counter = 0;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions extends SpawnOptions {
  /** Kill the program (SIGKILL) after this many ms and reject (default 60 s). */
  timeoutMs?: number;
  /** Written to the program's stdin, which is then closed. */
  input?: string | Uint8Array;
}

export interface Netns {
  readonly name: string;
  /** Starts `cmd args` inside the namespace (`ip netns exec`, which execs the program itself). */
  exec(cmd: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs `cmd args` inside the namespace to completion, collecting its output. */
  run(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Runs `cmd args` inside the namespace synchronously; throws with stderr if it fails. */
  runSync(cmd: string, args: readonly string[]): string;
  /** Deletes the namespace (idempotent). Programs still running in it keep it alive until they exit. */
  delete(): void;
}

function ip(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) return { status: null, stdout: '', stderr: r.error.message };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function deleteNamespace(name: string): void {
  ip(['netns', 'delete', name]);
  live.delete(name);
}

/** Namespaces named by this helper whose creating process no longer exists. */
export function orphanNamespaces(): string[] {
  const { status, stdout } = ip(['netns', 'list']);
  if (status !== 0) return [];
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}-(\\d+)-\\d+$`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      names.push(name);
    }
  }
  return names;
}

/** Deletes the namespaces left by runs of this helper that were killed; returns their names. */
export function deleteOrphanNamespaces(): string[] {
  const names = orphanNamespaces();
  for (const name of names) ip(['netns', 'delete', name]);
  return names;
}

/** Creates a fresh namespace with lo up. Throws with ip's message if it cannot. */
export function createNetns(): Netns {
  if (counter === 0) deleteOrphanNamespaces();
  const name = `${PREFIX}-${process.pid}-${++counter}`;
  const add = ip(['netns', 'add', name]);
  if (add.status !== 0) throw new Error(`ip netns add ${name} failed: ${add.stderr.trim()}`);
  live.add(name);
  const lo = ip(['-n', name, 'link', 'set', 'dev', 'lo', 'up']);
  if (lo.status !== 0) {
    deleteNamespace(name);
    throw new Error(`ip -n ${name} link set lo up failed: ${lo.stderr.trim()}`);
  }
  const exec = (cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess =>
    spawn('ip', ['netns', 'exec', name, cmd, ...args], options);
  return {
    name,
    exec,
    run(cmd, args, options = {}) {
      const { timeoutMs = 60_000, input, ...spawnOptions } = options;
      return new Promise((resolve, reject) => {
        const child = exec(cmd, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
        child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${cmd} ${args.join(' ')} in ${name} timed out after ${timeoutMs} ms\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
        child.stdin!.end(input ?? '');
      });
    },
    runSync(cmd, args) {
      const r = spawnSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8' });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${name} exited ${r.status}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    delete() {
      if (live.has(name)) deleteNamespace(name);
    },
  };
}

/**
 * A namespace for each test of the calling suite: created in beforeEach, deleted in afterEach
 * (which mocha runs whether or not the test passed). Read `.current` inside a test.
 */
export function withNetns(): { readonly current: Netns } {
  let current: Netns | null = null;
  beforeEach(() => { current = createNetns(); });
  afterEach(() => {
    current?.delete();
    current = null;
  });
  return {
    get current(): Netns {
      if (current === null) throw new Error('no namespace: withNetns().current is only valid inside a test');
      return current;
    },
  };
}

/** Names of this process's namespaces that still exist (for the cleanup test). */
export function liveNamespaces(): string[] {
  return [...live];
}

/** Whether a namespace of that name exists. */
export function namespaceExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`) || ip(['netns', 'list']).stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

// Whatever a crashed or interrupted test left behind goes when mocha finishes or the process exits.
if (typeof after === 'function') {
  after(() => {
    for (const name of [...live]) deleteNamespace(name);
  });
}
process.on('exit', () => {
  for (const name of [...live]) deleteNamespace(name);
});

const ADDON = fileURLToPath(new URL('../../native/build/Release/tcpwasm_tun.node', import.meta.url));

/** Why the interop tests cannot run here (empty when they can). */
export function interopMissing(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push(`Linux is required (this is ${process.platform})`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    missing.push('root (CAP_NET_ADMIN and CAP_SYS_ADMIN for network namespaces) is required');
  }
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch (e) {
    missing.push(`/dev/net/tun is not usable (${(e as NodeJS.ErrnoException).code ?? String(e)}; modprobe tun)`);
  }
  if (!existsSync(ADDON)) missing.push(`the TUN addon is not built (${ADDON} missing; npm rebuild)`);
  const v = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) missing.push('iproute2 `ip` is not installed (apt-get install iproute2)');
  return missing;
}

/**
 * Call in a before hook of an interop suite. Under CI=true what is missing fails the suite with
 * the reason; elsewhere the suite is skipped and the reason printed.
 */
export function requireInterop(context: Mocha.Context, extra: Array<[ok: boolean, reason: string]> = []): void {
  const missing = [...interopMissing(), ...extra.filter(([ok]) => !ok).map(([, reason]) => reason)];
  if (missing.length === 0) return;
  const reason = `kernel interop tests cannot run: ${missing.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.log(`      (skipping: ${reason})`);
  context.skip();
}

/** Whether a command exists on PATH (for requireInterop's extra checks). */
export function hasCommand(cmd: string, args: readonly string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error;
}
