// The one runner of iproute2's `ip` for the control path (TUN configuration, network
// namespaces; never per packet): the same timeout, the same way of finding child_process, and
// one failure type that quotes the command and its stderr. Callers map it to their own error
// (TunError, NetnsError). Asynchronous for TunDevice.open; synchronous for namespaces, whose
// delete() must also work from 'exit' and signal handlers, where nothing asynchronous runs.

import { nodeBuiltin } from '../base/node-builtin.js';

/** Longest any one `ip` call may take. */
export const IP_TIMEOUT_MS = 10_000;

type ChildProcess = typeof import('node:child_process');

/** `ip` could not be run or exited non-zero. */
export class IpCommandError extends Error {
  override readonly name = 'IpCommandError';

  constructor(
    /** "ip args…" as run. */
    readonly command: string,
    /** Why: its stderr trimmed, else what Node reported. */
    readonly reason: string,
    /** `ip` could not be started at all (not on PATH, or not Node.js): `reason` says which. */
    readonly notFound: boolean,
    options?: { cause?: unknown },
  ) {
    super(notFound ? `${command}: ${reason}` : `${command} failed: ${reason}`, options);
  }
}

function childProcess(args: readonly string[]): ChildProcess {
  const module = nodeBuiltin<ChildProcess>('node:child_process');
  if (module === undefined) throw new IpCommandError(commandText(args), 'running `ip` needs Node.js', true);
  return module;
}

function notOnPath(args: readonly string[], cause: unknown): IpCommandError {
  return new IpCommandError(commandText(args), "iproute2's `ip` not found on PATH", true, { cause });
}

function commandText(args: readonly string[]): string {
  return `ip ${args.join(' ')}`;
}

/** Runs `ip args…`; resolves with its stdout, rejects with IpCommandError. */
export function runIp(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    childProcess(args).execFile('ip', args, { timeout: IP_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') reject(notOnPath(args, error));
      else reject(new IpCommandError(commandText(args), stderr.trim() || error.message, false, { cause: error }));
    });
  });
}

/** Runs `ip args…` and returns its stdout; throws IpCommandError. */
export function runIpSync(args: readonly string[]): string {
  const r = childProcess(args).spawnSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS });
  if (r.error === undefined && r.status === 0) return r.stdout;
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw notOnPath(args, r.error);
  const reason = (r.stderr ?? '').trim() || r.error?.message || `exit status ${String(r.status)}`;
  throw new IpCommandError(commandText(args), reason, false, { cause: r.error });
}
