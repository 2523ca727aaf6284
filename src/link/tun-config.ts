// The control path of TunDevice: configures the kernel side of a new device with iproute2's
// `ip` — move it into a namespace, set its MTU, add addresses, bring it up. Only ever run while
// opening a device, never per packet.

import { nodeBuiltin } from '../node.js';
import { TunError } from './tun-error.js';

export interface KernelSide {
  name: string;
  mtu: number;
  /** "address/prefix", family already checked. */
  addresses: readonly { text: string; version: 4 | 6 }[];
  netns: string | undefined;
}

/** Longest any one `ip` call may take. */
const IP_TIMEOUT_MS = 10_000;

/** Runs `ip args…`; rejects with ECONFIG quoting its stderr (or EBUSY for a name in use). */
function ip(args: string[]): Promise<void> {
  const childProcess = nodeBuiltin<typeof import('node:child_process')>('node:child_process');
  if (!childProcess) return Promise.reject(new TunError('ECONFIG', 'configuring a TUN device needs Node.js'));
  return new Promise((resolve, reject) => {
    childProcess.execFile('ip', args, { timeout: IP_TIMEOUT_MS, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const command = `ip ${args.join(' ')}`;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new TunError('ECONFIG', `${command}: iproute2's \`ip\` not found on PATH`, { cause: error }));
      }
      const text = stderr.trim() || error.message;
      if (args.includes('netns') && /File exists|same name exists/i.test(text)) {
        return reject(new TunError('EBUSY', `${command}: name in use in namespace (${text})`, { cause: error }));
      }
      reject(new TunError('ECONFIG', `${command} failed: ${text}`, { cause: error }));
    });
  });
}

/** Configures the kernel side of device `side.name`: namespace, MTU, addresses, up. */
export async function configureKernelSide(side: KernelSide): Promise<void> {
  const { name, netns } = side;
  if (netns !== undefined) await ip(['link', 'set', 'dev', name, 'netns', netns]);
  const inNs = netns === undefined ? [] : ['-n', netns];
  await ip([...inNs, 'link', 'set', 'dev', name, 'mtu', String(side.mtu)]);
  for (const address of side.addresses) {
    // nodad: the address is usable at once, not "tentative" for a second of duplicate detection
    // on a link where the only other party is us.
    await ip([...inNs, 'addr', 'add', address.text, 'dev', name, ...(address.version === 6 ? ['nodad'] : [])]);
  }
  await ip([...inNs, 'link', 'set', 'dev', name, 'up']);
}
