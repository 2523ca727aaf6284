// Network namespaces for the demo (control path only: runs iproute2's `ip`). The demo makes
// its own namespace so the kernel side of its TUN device touches nothing else on the machine.

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
}

async function ip(args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new NetnsError(`ip ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

/** A namespace this process created; delete() removes it (also from an exit handler: sync). */
export class Netns {
  #deleted = false;

  private constructor(readonly name: string) {}

  /** Creates `name` with its loopback up. Fails if it exists already. */
  static async create(name: string): Promise<Netns> {
    await ip(['netns', 'add', name]);
    const ns = new Netns(name);
    try {
      await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (error) {
      ns.deleteSync();
      throw error;
    }
    return ns;
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  /** `ip netns exec NAME command args...`, for spawn(). */
  command(command: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, command, ...args]];
  }

  /** Synchronous so that it can run from process 'exit' and signal handlers. Idempotent. */
  deleteSync(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    const r = spawnSync('ip', ['netns', 'delete', this.name], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new NetnsError(`ip netns delete ${this.name} failed: ${(r.stderr ?? '').trim() || r.error?.message}`);
  }
}

/** Whether a namespace of that name exists (`ip netns list`). */
export function netnsExists(name: string): boolean {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.split('\n').some((line) => line.split(' ')[0] === name);
}
