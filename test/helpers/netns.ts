// Network namespaces for the kernel interop tests: each test gets a fresh, uniquely named
// namespace (`tcpwasm-c-<pid>-<n>`) with lo up, runs kernel-side programs in it with
// `ip netns exec`, and deletes it afterwards — also when the test failed, and also namespaces
// left behind by an earlier run that was killed (their pid is gone).

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Netns as NetnsBase, deleteOrphanNamespaces as deleteOrphans, netnsExists } from '../../src/link/netns.js';

const PREFIX = 'tcpwasm-c';
/** This process's namespaces not deleted yet, by name. */
const live = new Map<string, NetnsBase>();
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

/** Deletes the namespaces left by runs of this helper that were killed; returns their names. */
export function deleteOrphanNamespaces(): string[] {
  return deleteOrphans(PREFIX);
}

/** Creates a fresh namespace with lo up. Throws with ip's message if it cannot. */
export function createNetns(): Netns {
  if (counter++ === 0) deleteOrphanNamespaces();
  const ns = NetnsBase.createUnique(PREFIX);
  const name = ns.name;
  live.set(name, ns);
  const exec = (cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess => {
    const [ip, full] = ns.command(cmd, args);
    return spawn(ip, full, options);
  };
  return {
    name,
    exec,
    run(cmd, args, options = {}) {
      const { timeoutMs = 60_000, input, ...spawnOptions } = options;
      return new Promise((resolve, reject) => {
        const child = exec(cmd, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
        });
        child.stderr!.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
        });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(
              `${cmd} ${args.join(' ')} in ${name} timed out after ${timeoutMs} ms\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`,
            ),
          );
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
      const [ip, full] = ns.command(cmd, args);
      const r = spawnSync(ip, full, { encoding: 'utf8' });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${name} exited ${r.status}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    delete() {
      live.delete(name);
      ns.deleteQuietly();
    },
  };
}

/**
 * A namespace for each test of the calling suite: created in beforeEach, deleted in afterEach
 * (which mocha runs whether or not the test passed). Read `.current` inside a test.
 */
export function withNetns(): { readonly current: Netns } {
  let current: Netns | null = null;
  beforeEach(() => {
    current = createNetns();
  });
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

// Whatever a crashed or interrupted test left behind goes when mocha finishes (and, failing that,
// when the process exits: src/link/netns.ts deletes every namespace it made).
if (typeof after === 'function') {
  after(() => {
    for (const ns of [...live.values()]) ns.deleteQuietly();
    live.clear();
  });
}

/** Whether a namespace of that name exists. */
export function namespaceExists(name: string): boolean {
  return netnsExists(name);
}

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
