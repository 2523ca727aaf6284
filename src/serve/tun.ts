// Opens a TunDevice (src/link/tun-device.ts) for serve and the demo. The module is loaded on
// demand, so serving over memory works in a build without it and a failure to load is reported
// as the reason the TUN path is not available.

import type { Device } from '../link/device.js';

export interface TunOpenOptions {
  name?: string;
  mtu?: number;
  hostAddresses?: string[];
  netns?: string;
}

/** The parts of TunDevice that serve uses. */
export interface TunHandle extends Device {
  readonly name: string;
  readonly netns: string | undefined;
  readonly counters: Readonly<Record<string, number>>;
}

interface TunModule {
  TunDevice: { open(options: TunOpenOptions): Promise<TunHandle> };
}

/** Thrown when no TUN device can be had; `code` is TunError's (EPERM, ENOENT, ENOADDON, ...). */
export class TunUnavailable extends Error {
  override readonly name = 'TunUnavailable';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

// A variable specifier: the module is optional at build time.
const TUN_MODULE = '../link/tun-device.js';

export async function openTun(options: TunOpenOptions): Promise<TunHandle> {
  let mod: TunModule;
  try {
    mod = (await import(TUN_MODULE)) as TunModule;
  } catch (error) {
    throw new TunUnavailable('ENOADDON', `this build has no TUN driver (${(error as Error).message})`);
  }
  try {
    return await mod.TunDevice.open(options);
  } catch (error) {
    const e = error as Error & { code?: unknown };
    throw new TunUnavailable(typeof e.code === 'string' ? e.code : 'EUNKNOWN', e.message);
  }
}
