// Argument parsing for `tcpwasm serve` and `tcpwasm demo` (pure: tested without running them).

import { parseArgs } from 'node:util';
import { parseAddress } from '../base/address.js';
import type { SessionOptions } from './session.js';
import { UsageError } from './usage-error.js';

export const SERVE_USAGE = `serve options (tcpwasm serve):
  --name NAME           TUN device name (default: the kernel picks tcpwasm0, tcpwasm1, ...)
  --mtu N               device MTU, 68..65535 (1280 or more with an IPv6 address; default 1500)
  --address A/P         our stack's address, repeatable (default 198.51.100.2/24 and 2001:db8::2/64)
  --host-address A/P    the kernel side's address, repeatable (default 198.51.100.1/24 and 2001:db8::1/64)
  --netns NS            move the device into the existing network namespace NS
  --http-port N         HTTP port (default 80): / live stats page, /stats JSON, /bytes/N, POST /upload
  --echo-port N         echo port (default 7)
  --discard-port N      discard port (default 9)
  --memory              no TUN device: serve over an in-memory link, reached from 127.0.0.1
                        through a second userspace stack (no root needed)

demo options (tcpwasm demo, what npm start runs):
  --memory              skip the TUN path: two stacks over an in-memory link, built-in client
  --require-tun         fail (exit 1) instead of falling back when the TUN path is unavailable
  --once                exit after the checks even on a terminal (the default off a terminal or with CI set)`;

function port(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--${name} expects a port from 1 to 65535, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** "address/prefix" with the prefix in range for the family; returns the IP version. */
function interfaceAddress(flag: string, text: string): 4 | 6 {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) throw new UsageError(`--${flag} expects ADDRESS/PREFIX, e.g. 198.51.100.2/24, got ${JSON.stringify(text)}`);
  let version: 4 | 6;
  try {
    version = parseAddress(m[1]!).version;
  } catch {
    throw new UsageError(`--${flag}: not an IPv4 or IPv6 address: ${JSON.stringify(m[1])}`);
  }
  const max = version === 4 ? 32 : 128;
  if (Number(m[2]) > max) throw new UsageError(`--${flag}: prefix length of ${m[1]} must be 0..${max}, got ${m[2]}`);
  return version;
}

export function parseServeArgs(argv: string[]): SessionOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        name: { type: 'string' },
        mtu: { type: 'string' },
        address: { type: 'string', multiple: true },
        'host-address': { type: 'string', multiple: true },
        netns: { type: 'string' },
        'http-port': { type: 'string' },
        'echo-port': { type: 'string' },
        'discard-port': { type: 'string' },
        memory: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options: SessionOptions = { memory: values.memory ?? false };
  if (values.memory && (values.name !== undefined || values.netns !== undefined)) {
    throw new UsageError('--name and --netns configure the TUN device; they do not go with --memory');
  }
  if (values.name !== undefined) {
    // IFNAMSIZ is 16 with the NUL; the kernel accepts no slash, space or colon.
    if (!/^[A-Za-z0-9_.%-]{1,15}$/.test(values.name))
      throw new UsageError(
        `--name expects an interface name of 1 to 15 letters, digits, _ . - or %d, got ${JSON.stringify(values.name)}`,
      );
    options.name = values.name;
  }
  if (values.netns !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(values.netns))
      throw new UsageError(`--netns expects a namespace name, got ${JSON.stringify(values.netns)}`);
    options.netns = values.netns;
  }
  const versions = new Set<number>();
  if (values.address !== undefined) {
    for (const a of values.address) versions.add(interfaceAddress('address', a));
    options.addresses = values.address;
  } else {
    versions.add(4).add(6);
  }
  if (values['host-address'] !== undefined) {
    for (const a of values['host-address']) versions.add(interfaceAddress('host-address', a));
    options.hostAddresses = values['host-address'];
  }
  if (values.mtu !== undefined) {
    if (!/^[0-9]{1,5}$/.test(values.mtu) || Number(values.mtu) < 68 || Number(values.mtu) > 65535) {
      throw new UsageError(`--mtu expects a whole number from 68 to 65535, got ${JSON.stringify(values.mtu)}`);
    }
    options.mtu = Number(values.mtu);
    if (versions.has(6) && options.mtu < 1280)
      throw new UsageError(
        `--mtu ${options.mtu} is below IPv6's minimum of 1280; give IPv4 addresses only, or a larger MTU`,
      );
  }
  const http = port('http-port', values['http-port']) ?? 80;
  const echo = port('echo-port', values['echo-port']) ?? 7;
  const discard = port('discard-port', values['discard-port']) ?? 9;
  if (new Set([http, echo, discard]).size !== 3)
    throw new UsageError(`the HTTP, echo and discard ports must differ, got ${http}, ${echo} and ${discard}`);
  options.ports = { httpPort: http, echoPort: echo, discardPort: discard };
  return options;
}

export interface DemoArgs {
  memory: boolean;
  requireTun: boolean;
  once: boolean;
}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: { memory: { type: 'boolean' }, 'require-tun': { type: 'boolean' }, once: { type: 'boolean' } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.memory && values['require-tun']) throw new UsageError('--memory and --require-tun contradict each other');
  return { memory: values.memory ?? false, requireTun: values['require-tun'] ?? false, once: values.once ?? false };
}
