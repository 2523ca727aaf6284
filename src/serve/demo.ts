// The demo `npm start` runs. As root with /dev/net/tun and the native addon: a network
// namespace of its own, a TUN device moved into it, our Stack serving on it, and the kernel's
// own TCP inside the namespace as the client (curl, node). Otherwise: two Stacks over a
// MemoryLink and a built-in client, saying why. Then it serves until Ctrl-C on a terminal, or
// stops at once (off a terminal, with CI set, or --once), and cleans up: device and namespace.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { waitForSignal } from '../cli/wait-signal.js';
import { KernelClient, StackClient, type DemoClient } from './demo-clients.js';
import { runChecks, statsExcerpt, uploadBody } from './demo-checks.js';
import { bridgeLoopback, type Bridge } from './loopback-bridge.js';
import { Netns, netnsExists } from './netns.js';
import { DEFAULT_ADDRESSES, DEFAULT_HOST_ADDRESSES, openSession, type Session } from './session.js';
import { TunUnavailable } from './tun.js';
import { bareAddress, curlCommand, httpUrl, inNamespace } from './urls.js';

export interface DemoOptions {
  /** Go straight to the in-memory fallback. */
  memory: boolean;
  /** Fail instead of falling back when the TUN path is unavailable (CI on a root runner). */
  requireTun: boolean;
  /** Serve until Ctrl-C after the checks (else stop at once). */
  keepServing: boolean;
  stdout: Writable;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Why the TUN path cannot even be tried here, or undefined. */
function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return `TUN devices and network namespaces are Linux features (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root: a network namespace needs CAP_SYS_ADMIN and the TUN device CAP_NET_ADMIN (run `sudo npm start`)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing (modprobe tun)';
  if (!onPath('ip')) return "iproute2's `ip` command is not installed";
  return undefined;
}

interface Prepared {
  session: Session;
  client: DemoClient;
  ns: Netns | undefined;
}

/** Sets up the TUN path, or says why not (cleaning up what it made). */
async function prepareTun(say: (line: string) => void): Promise<Prepared | string> {
  const missing = missingPrerequisite();
  if (missing) return missing;
  let ns: Netns;
  try {
    ns = await Netns.create(`tcpwasm-demo-${process.pid}`);
  } catch (error) {
    return (error as Error).message;
  }
  registerNamespace(ns);
  try {
    const session = await openSession({ netns: ns.name });
    const curl = onPath('curl');
    if (!curl) say('curl is not installed (apt-get install curl): the HTTP checks use node inside the namespace instead');
    return { session, client: new KernelClient(ns, curl), ns };
  } catch (error) {
    ns.deleteSync();
    if (error instanceof TunUnavailable) return `the TUN device could not be opened (${error.code}): ${error.message}`;
    throw error;
  }
}

// Namespaces to delete however the process ends: normal exit, a signal before serving starts,
// an uncaught error. (The TUN device goes with our fd when the process exits.)
const namespaces = new Set<Netns>();
let handlersInstalled = false;

function registerNamespace(ns: Netns): void {
  namespaces.add(ns);
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanup = (): void => {
    for (const n of namespaces) {
      try {
        n.deleteSync();
      } catch {
        // Exiting anyway: nothing better to do with the error here than lose it.
      }
    }
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // Only when no one else (the serving phase) is listening for the signal.
      if (process.listenerCount(signal) > 1) return;
      cleanup();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`tcpwasm demo: ${error.stack ?? error.message}\n`);
    cleanup();
    process.exit(70);
  });
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (line: string): void => { options.stdout.write(`${line}\n`); };
  say('tcpwasm demo: a TCP server in userspace (WASM codec + TypeScript TCP engine) reached by a real client');
  let prepared: Prepared | string = options.memory ? '--memory was given' : await prepareTun(say);
  if (typeof prepared === 'string') {
    if (options.requireTun) {
      say(`FAIL the TUN path is required (--require-tun) but unavailable: ${prepared}`);
      return 1;
    }
    say(`in-memory fallback: ${prepared}.`);
    say('  Our stack serves across an in-memory link; a second tcpwasm Stack is the client.');
    const session = await openSession({ memory: true });
    prepared = { session, client: new StackClient(session.peer!), ns: undefined };
  }
  const { session, client, ns } = prepared;
  const v4 = session.addresses.map(bareAddress).find((a) => !a.includes(':'))!;
  const v6 = session.addresses.map(bareAddress).find((a) => a.includes(':'));
  const ports = session.services.ports;
  if (session.mode === 'tun') {
    const dev = session.device as { name?: string };
    say(`TUN device ${dev.name} (MTU ${session.device.mtu}) in network namespace ${ns!.name}; kernel side ${DEFAULT_HOST_ADDRESSES.join(', ')}`);
  } else {
    say(`MemoryLink (MTU ${session.device.mtu}); client stack ${DEFAULT_HOST_ADDRESSES.join(', ')}`);
  }
  say(`our stack ${DEFAULT_ADDRESSES.join(', ')}: HTTP port ${ports.http} (/, /stats, /bytes/N, POST /upload), echo ${ports.echo}, discard ${ports.discard}`);
  say(`client: ${client.description}`);

  const scratch = mkdtempSync(join(tmpdir(), 'tcpwasm-demo-'));
  const uploadFile = join(scratch, 'upload.bin');
  const body = uploadBody();
  writeFileSync(uploadFile, body);
  let results;
  try {
    results = await runChecks(client, { v4, v6, httpPort: ports.http, echoPort: ports.echo, uploadFile, uploadBody: body }, say);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  say(`${results.passed} of ${results.passed + results.failed} checks passed`);
  say('server /stats (excerpt):');
  for (const line of statsExcerpt(results.stats ?? session.services.snapshot())) say(line);

  let bridge: Bridge | undefined;
  say('try it by hand:');
  if (ns) {
    const stay = options.keepServing ? '' : ' (while the demo runs; `tcpwasm serve --netns NS` serves on)';
    say(`  sudo ${inNamespace(ns.name, curlCommand(httpUrl(v4, ports.http, '/')))}${stay}`);
    if (v6) say(`  sudo ${inNamespace(ns.name, curlCommand(httpUrl(v6, ports.http, '/stats')))}`);
    say(`  sudo ${inNamespace(ns.name, `bash -c 'exec 3<>/dev/tcp/${v4}/${ports.echo}; echo hello >&3; head -1 <&3'`)}`);
  } else if (options.keepServing) {
    bridge = await bridgeLoopback(session.peer!, v4, [ports.http, ports.echo]);
    say(`  ${curlCommand(httpUrl('127.0.0.1', bridge.ports.get(ports.http)!, '/'))}   (loopback, carried by the client stack)`);
  } else {
    say('  npx tcpwasm serve --memory   (serves from 127.0.0.1 without root)');
    say('  sudo npm start               (the kernel as the client, over TUN)');
  }

  if (options.keepServing) {
    say('serving until Ctrl-C');
    await waitForSignal();
  } else {
    say('not serving on: stdout is not a terminal, CI is set, or --once was given');
  }
  await bridge?.close();
  await session.close();
  if (ns) {
    ns.deleteSync();
    namespaces.delete(ns);
    say(`device removed; namespace ${ns.name} ${netnsExists(ns.name) ? 'STILL EXISTS' : 'deleted'}`);
  }
  return results.failed === 0 ? 0 : 1;
}
