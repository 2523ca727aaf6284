// Network namespaces for bench/tun.bench.ts: each measurement gets its own (`tcpwasm-d-<pid>-<n>`),
// and the kernel-side peer (bench/clients/tun-peer.mjs) runs in it with `ip netns exec`. Every
// namespace made here is deleted by delete(), and whatever is left when the process exits (an
// exception, Ctrl-C) is deleted by an exit hook, so a failed run leaves nothing behind.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netns, deleteOrphanNamespaces } from '../dist/tun.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled to .bench/ beside bench/: the .mjs peer is not compiled, so point at the source tree. */
export const PEER_SCRIPT = join(here, '../bench/clients/tun-peer.mjs');

const PREFIX = 'tcpwasm-d';
/** Peers still running: killed by the exit hook if the bench dies before it stops them. */
const children = new Set<ChildProcess>();
/** Namespaces not deleted yet (src/link/netns.ts deletes them at exit; signals need this). */
const live = new Set<Netns>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // A bench run killed outright (SIGKILL: no hook runs) leaves its namespaces; delete them now.
  deleteOrphanNamespaces(PREFIX);
  const cleanUp = () => {
    for (const child of [...children]) child.kill('SIGKILL');
    for (const ns of [...live]) ns.deleteQuietly();
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

/** What a kernel-side peer printed (its one JSON line), or why it failed. */
export interface PeerRun<T> {
  result: Promise<T>;
  child: ChildProcess;
}

export class BenchNamespace {
  readonly name: string;
  readonly #ns: Netns;

  private constructor(ns: Netns) {
    this.#ns = ns;
    this.name = ns.name;
  }

  /** Creates a fresh namespace with lo up. */
  static create(): BenchNamespace {
    hookExit();
    const ns = Netns.createUnique(PREFIX);
    live.add(ns);
    return new BenchNamespace(ns);
  }

  /** Sets the namespace's loopback MTU (the kernel-to-kernel baseline at the TUN's MTU). */
  setLoopbackMtu(mtu: number): void {
    execFileSync('ip', ['-n', this.name, 'link', 'set', 'lo', 'mtu', String(mtu)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  /**
   * Runs the peer script in the namespace. `result` resolves with the first JSON line it prints
   * (for `serve`, the readiness line; the child keeps running until killed) and rejects with its
   * stderr if it exits without one or with a failure status.
   */
  peer<T>(args: string[], timeoutMs: number): PeerRun<T> {
    // stdin is a pipe the peer watches: when this process dies, however it dies, the pipe
    // closes and the peer exits instead of running on in a namespace that is gone.
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, PEER_SCRIPT, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    const result = new Promise<T>((resolve, reject) => {
      let out = '';
      let err = '';
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        child.kill('SIGKILL');
        reject(
          new Error(
            `peer ${args.join(' ')} in ${this.name}: no result after ${timeoutMs} ms${err ? `: ${err.trim()}` : ''}`,
          ),
        );
      }, timeoutMs);
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (d: string) => {
        err += d;
      });
      child.stdout!.on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl < 0 || done) return;
        done = true;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as T);
        } catch {
          reject(new Error(`peer ${args.join(' ')} printed ${JSON.stringify(out.slice(0, 200))}`));
        }
      });
      child.on('error', (e) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(e);
      });
      child.on('exit', (code, signal) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(
          new Error(
            `peer ${args.join(' ')} in ${this.name} exited ${signal ?? code} without a result${err ? `: ${err.trim()}` : ''}`,
          ),
        );
      });
    });
    return { result, child };
  }

  /**
   * Runs `program args` (not node: e.g. ApacheBench) in the namespace to completion and resolves
   * with its stdout; rejects with its stderr when it exits non-zero, or after `timeoutMs` (it is
   * killed then). Killed with the bench too, like a peer.
   */
  run(program: string, args: string[], timeoutMs: number): Promise<string> {
    const child = spawn('ip', ['netns', 'exec', this.name, program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    return new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        children.delete(child);
        reject(e);
      });
      // 'close', not 'exit': the last of stdout may still be in the pipe at exit.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        children.delete(child);
        if (code === 0) resolve(out);
        else
          reject(
            new Error(
              `${program} ${args.join(' ')} in ${this.name} exited ${signal ?? code}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}: ${err.trim() || out.slice(-500)}`,
            ),
          );
      });
    });
  }

  delete(): void {
    live.delete(this.#ns);
    this.#ns.deleteQuietly();
  }
}

/** Stops a child this bench started (by its own handle) and waits until it is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
