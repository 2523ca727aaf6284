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
import { waitForSignal } from '../wait-signal.js';
import { KernelClient, StackClient, type DemoClient } from './demo-clients.js';
import { runChecks, statsExcerpt, uploadBody } from './demo-checks.js';
import { bridgeLoopback, type Bridge } from '../loopback-bridge.js';
import { Netns, deleteOrphanNamespaces, netnsExists } from '../../link/netns.js';
import { DEFAULT_ADDRESSES, DEFAULT_HOST_ADDRESSES, openSession, type Session } from '../session.js';
import { TunError } from '../../link/tun-error.js';
import type { TunDevice } from '../../link/tun-device.js';
import { bareAddress, curlCommand, httpUrl, inNamespace } from '../urls.js';

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
  if (process.platform !== 'linux')
    return `TUN devices and network namespaces are Linux features (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'not running as root: a network namespace needs CAP_SYS_ADMIN and the TUN device CAP_NET_ADMIN (run `sudo npm start`)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing (modprobe tun)';
  if (!onPath('ip')) return "iproute2's `ip` command is not installed";
  return undefined;
}

interface Prepared {
  session: Session;
  client: DemoClient;
  ns: Netns | undefined;
  /** Deletes the namespace now (and no longer at exit). */
  deleteNamespace: () => void;
}

/** Sets up the TUN path, or says why not (cleaning up what it made). */
async function prepareTun(say: (line: string) => void): Promise<Prepared | string> {
  const missing = missingPrerequisite();
  if (missing) return missing;
  let ns: Netns;
  try {
    // A demo killed outright (SIGKILL) cannot delete its namespace: the next run does.
    deleteOrphanNamespaces('tcpwasm-demo');
    ns = Netns.create(`tcpwasm-demo-${process.pid}`);
  } catch (error) {
    return (error as Error).message;
  }
  const deleteNamespace = onExit(() => ns.delete());
  try {
    const session = await openSession({ netns: ns.name });
    const curl = onPath('curl');
    if (!curl)
      say('curl is not installed (apt-get install curl): the HTTP checks use node inside the namespace instead');
    return { session, client: new KernelClient(ns, curl), ns, deleteNamespace };
  } catch (error) {
    deleteNamespace();
    if (error instanceof TunError) return `the TUN device could not be opened (${error.code}): ${error.message}`;
    throw error;
  }
}

// What to undo however the process ends: normal exit, a signal before serving starts, an
// uncaught error — the namespace, the scratch directory. (The TUN device goes with our fd.)
const cleanups = new Set<() => void>();
let handlersInstalled = false;

function runCleanups(): void {
  for (const undo of cleanups) {
    try {
      undo();
    } catch {
      // Exiting anyway: nothing better to do with the error here than lose it.
    }
  }
  cleanups.clear();
}

/** Registers `undo` to run at exit; returns a function that runs it now (once) instead. */
function onExit(undo: () => void): () => void {
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on('exit', runCleanups);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        // Only when no one else (the serving phase) is listening for the signal.
        if (process.listenerCount(signal) > 1) return;
        runCleanups();
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      });
    }
    process.on('uncaughtException', (error) => {
      process.stderr.write(`tcpwasm demo: ${error.stack ?? error.message}\n`);
      runCleanups();
      process.exit(70);
    });
  }
  cleanups.add(undo);
  return () => {
    if (cleanups.delete(undo)) undo();
  };
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (line: string): void => {
    options.stdout.write(`${line}\n`);
  };
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
    prepared = { session, client: new StackClient(session.peer!), ns: undefined, deleteNamespace: () => {} };
  }
  const { session, client, ns, deleteNamespace } = prepared;
  const v4 = session.addresses.map(bareAddress).find((a) => !a.includes(':'))!;
  const v6 = session.addresses.map(bareAddress).find((a) => a.includes(':'));
  const ports = session.services.ports;
  if (session.mode === 'tun') {
    const dev = session.device as TunDevice;
    say(
      `TUN device ${dev.name} (MTU ${session.device.mtu}) in network namespace ${ns!.name}; kernel side ${DEFAULT_HOST_ADDRESSES.join(', ')}`,
    );
  } else {
    say(`MemoryLink (MTU ${session.device.mtu}); client stack ${DEFAULT_HOST_ADDRESSES.join(', ')}`);
  }
  say(
    `our stack ${DEFAULT_ADDRESSES.join(', ')}: HTTP port ${ports.http} (/, /stats, /bytes/N, POST /upload), echo ${ports.echo}, discard ${ports.discard}`,
  );
  say(`client: ${client.description}`);

  const scratch = mkdtempSync(join(tmpdir(), 'tcpwasm-demo-'));
  const removeScratch = onExit(() => rmSync(scratch, { recursive: true, force: true }));
  const uploadFile = join(scratch, 'upload.bin');
  const body = uploadBody();
  writeFileSync(uploadFile, body);
  let results;
  try {
    results = await runChecks(
      client,
      { v4, v6, httpPort: ports.http, echoPort: ports.echo, uploadFile, uploadBody: body },
      say,
    );
  } finally {
    removeScratch();
  }
  say(`${results.passed} of ${results.passed + results.failed} checks passed`);
  say('server /stats (excerpt):');
  for (const line of statsExcerpt(results.stats ?? session.services.snapshot())) say(line);

  let bridge: Bridge | undefined;
  say('try it by hand:');
  if (ns && options.keepServing) {
    say(`  sudo ${inNamespace(ns.name, curlCommand(httpUrl(v4, ports.http, '/')))}`);
    if (v6) say(`  sudo ${inNamespace(ns.name, curlCommand(httpUrl(v6, ports.http, '/stats')))}`);
    say(
      `  sudo ${inNamespace(ns.name, `bash -c 'exec 3<>/dev/tcp/${v4}/${ports.echo}; echo hello >&3; head -1 <&3'`)}`,
    );
  } else if (ns) {
    // This run's namespace is about to go: point at ways to get one that stays.
    say('  sudo npm start                      (in a terminal it serves on until Ctrl-C, with commands like these)');
    say('  sudo ip netns add web && sudo npx tcpwasm serve --netns web');
    say(`  sudo ${inNamespace('web', curlCommand(httpUrl(v4, ports.http, '/')))}`);
    say(`  sudo ${inNamespace('web', `bash -c 'exec 3<>/dev/tcp/${v4}/${ports.echo}; echo hello >&3; head -1 <&3'`)}`);
  } else if (options.keepServing) {
    bridge = await bridgeLoopback(session.peer!, v4, [ports.http, ports.echo]);
    say(
      `  ${curlCommand(httpUrl('127.0.0.1', bridge.ports.get(ports.http)!, '/'))}   (loopback, carried by the client stack)`,
    );
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
    deleteNamespace();
    say(`device removed; namespace ${ns.name} ${netnsExists(ns.name) ? 'STILL EXISTS' : 'deleted'}`);
  } else {
    say('stopped: both stacks closed');
  }
  return results.failed === 0 ? 0 : 1;
}
