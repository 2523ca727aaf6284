// The control path of TunDevice: configures the kernel side of a new device with iproute2's
// `ip` — move it into a namespace, set its MTU, add addresses, bring it up. Only ever run while
// opening a device, never per packet.

import { IpCommandError, runIp } from './ip-command.js';
import { TunError } from './tun-error.js';

export interface KernelSide {
  name: string;
  /** The name as asked for, when it was a pattern with %d (the kernel numbered `name`). */
  pattern: string | undefined;
  mtu: number;
  /** Packets the kernel queues for us to read (`ip link set … txqueuelen`). */
  txQueueLength: number;
  /** "address/prefix", family already checked. */
  addresses: readonly { text: string; version: 4 | 6 }[];
  netns: string | undefined;
}

/**
 * `ip args…` through the shared runner; its failure becomes ECONFIG quoting the command and
 * stderr, or EBUSY for a name already in use in the target namespace.
 */
async function ip(args: string[]): Promise<string> {
  try {
    return await runIp(args);
  } catch (error) {
    if (!(error instanceof IpCommandError)) throw error;
    if (!error.notFound && args.includes('netns') && /File exists|same name exists/i.test(error.reason)) {
      throw new TunError('EBUSY', `${error.command}: name in use in namespace (${error.reason})`, {
        cause: error.cause,
      });
    }
    throw new TunError('ECONFIG', error.message, { cause: error.cause });
  }
}

/** Interface names in the namespace (`ip [-n NS] -j link show`). */
async function linkNames(inNs: string[]): Promise<Set<string>> {
  const links = JSON.parse(await ip([...inNs, '-j', 'link', 'show'])) as Array<{ ifname: string }>;
  return new Set(links.map((l) => l.ifname));
}

/**
 * Moves device `name` into `netns` and returns its name there. The kernel numbers a %d pattern
 * by the names in *our* namespace, so the number it picked may already be taken in the target
 * (a second device moved into the same namespace): then the device is renamed to the lowest
 * number free in both before moving again.
 */
async function moveToNamespace(name: string, netns: string, pattern: string | undefined): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ip(['link', 'set', 'dev', name, 'netns', netns]);
      return name;
    } catch (error) {
      if (!(error instanceof TunError && error.code === 'EBUSY') || pattern === undefined || attempt >= 4) throw error;
      const taken = new Set([...(await linkNames([])), ...(await linkNames(['-n', netns]))]);
      let candidate = name;
      for (let n = 0; taken.has(candidate); n++) candidate = pattern.replace('%d', String(n));
      if (new TextEncoder().encode(candidate).length > 15) throw error;
      await ip(['link', 'set', 'dev', name, 'name', candidate]);
      name = candidate;
    }
  }
}

/**
 * Configures the kernel side of device `side.name`: namespace, MTU, addresses, up. Resolves
 * with the device's final name (moving it into a namespace may have renumbered it).
 */
export async function configureKernelSide(side: KernelSide): Promise<string> {
  const { netns } = side;
  const name = netns === undefined ? side.name : await moveToNamespace(side.name, netns, side.pattern);
  const inNs = netns === undefined ? [] : ['-n', netns];
  await ip([...inNs, 'link', 'set', 'dev', name, 'mtu', String(side.mtu), 'txqueuelen', String(side.txQueueLength)]);
  for (const address of side.addresses) {
    // nodad: the address is usable at once, not "tentative" for a second of duplicate detection
    // on a link where the only other party is us.
    await ip([...inNs, 'addr', 'add', address.text, 'dev', name, ...(address.version === 6 ? ['nodad'] : [])]);
  }
  await ip([...inNs, 'link', 'set', 'dev', name, 'up']);
  return name;
}
