// Network namespaces for a TUN device's kernel side (control path only: runs iproute2's `ip`).
// The demo, the benchmarks and the tests each make their own so that the kernel end of their
// device touches nothing else on the machine. Every namespace made here is deleted by delete()
// or, failing that, when the process exits; one left by a process that was killed outright
// (SIGKILL: no exit handler runs) is found by its name, `<prefix>-<pid>[-<n>]`, and deleted by
// the next deleteOrphanNamespaces(prefix) once that pid is gone.

import { IpCommandError, runIpSync } from './ip-command.js';

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
}

/** Runs `ip args…` (the shared runner, synchronous) and returns its stdout; throws NetnsError quoting its stderr. */
function ip(args: readonly string[]): string {
  try {
    return runIpSync(args);
  } catch (error) {
    if (error instanceof IpCommandError) throw new NetnsError(error.message, { cause: error.cause });
    throw error;
  }
}

/** Namespaces this process made and has not deleted yet. */
const owned = new Set<Netns>();
let exitHooked = false;
let counter = 0;

function deleteOwnedOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const ns of [...owned]) ns.deleteQuietly();
  });
}

/** A namespace this process created. */
export class Netns {
  #deleted = false;

  private constructor(readonly name: string) {}

  /** Creates `name` with its loopback up. Fails (NetnsError) if it exists already. */
  static create(name: string): Netns {
    ip(['netns', 'add', name]);
    const ns = new Netns(name);
    owned.add(ns);
    deleteOwnedOnExit();
    try {
      ip(['-n', name, 'link', 'set', 'dev', 'lo', 'up']);
    } catch (error) {
      ns.deleteQuietly();
      throw error;
    }
    return ns;
  }

  /** Creates `<prefix>-<pid>-<n>`, a name no other process or call uses. */
  static createUnique(prefix: string): Netns {
    return Netns.create(`${prefix}-${process.pid}-${++counter}`);
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  /** `ip netns exec NAME command args...`, for spawn(). */
  command(command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, command, ...args]];
  }

  /**
   * Deletes the namespace; idempotent. Synchronous, so that it can run from 'exit' and signal
   * handlers. Programs still running inside keep it alive until they exit.
   */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    owned.delete(this);
    ip(['netns', 'delete', this.name]);
  }

  /** delete(), ignoring a failure (it is gone already, or we are exiting anyway). */
  deleteQuietly(): void {
    try {
      this.delete();
    } catch {
      // nothing more to do
    }
  }
}

/** Whether a namespace of that name exists (`ip netns list`). */
export function netnsExists(name: string): boolean {
  try {
    return ip(['netns', 'list'])
      .split('\n')
      .some((line) => line.split(' ')[0] === name);
  } catch {
    return false;
  }
}

/**
 * Deletes the namespaces named `<prefix>-<pid>` or `<prefix>-<pid>-<n>` whose process no longer
 * exists (left by a run that was killed), and returns their names. Only that prefix: other
 * programs' namespaces are never touched.
 */
export function deleteOrphanNamespaces(prefix: string): string[] {
  let list: string;
  try {
    list = ip(['netns', 'list']);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)(?:-\\d+)?$`);
  const deleted: string[] = [];
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = pattern.exec(name);
    if (m === null || Number(m[1]) === process.pid || processExists(Number(m[1]))) continue;
    try {
      ip(['netns', 'delete', name]);
      deleted.push(name);
    } catch {
      // deleted meanwhile by someone else
    }
  }
  return deleted;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, not ours to signal
  }
}
