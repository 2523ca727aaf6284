// Loads the native half of TunDevice (native/tun.c, built by native/build.mjs at install time).
// The addon is optional: when it did not build or does not load, loading fails with ENOADDON
// and the reason — the one native/build.mjs recorded, or the load error.

import { nodeBuiltin } from '../base/node-builtin.js';
import { TunError } from './tun-error.js';

/** An open TUN device, owned by the addon (an N-API external). */
export type TunHandle = { readonly __brand: 'TunHandle' };

/** The functions native/tun.c exports (see the comment at its top). */
export interface TunAddon {
  open(name: string, vnetHeader?: boolean, receiveOffload?: boolean): [TunHandle, string];
  start(
    handle: TunHandle,
    memory: WebAssembly.Memory,
    offset: number,
    capacity: number,
    slot: number,
    maxPackets: number,
    meta: Uint32Array,
    onBatch: (count: number, errno: number, dropped: number, offloaded?: number, offloadedSegments?: number) => void,
  ): void;
  stop(handle: TunHandle): void;
  /** Reads what waits now, synchronously, delivering it through start's onBatch; optional (older builds). */
  poll?(handle: TunHandle): void;
  write(
    handle: TunHandle,
    packets: readonly Uint8Array[],
    count: number,
    segmentSizes?: Uint32Array | null,
  ): [written: number, errno: number, bytes: number, offloaded: number, offloadedSegments: number];
  /** Whether the read handle keeps the event loop alive (default true). */
  ref(handle: TunHandle, on: boolean): void;
  close(handle: TunHandle): void;
  /**
   * The read path's virtio_net_hdr check on bytes from JS (tests): the wire segments a GSO
   * super-packet stands for, 0 for a plain packet, -1 for one the read path drops; `packet` is
   * changed as a read would change it (a partial checksum completed). Optional (older builds).
   */
  checkVnet?(header: Uint8Array, packet: Uint8Array, receiveOffload: boolean): number;
}

type Loader = () => TunAddon;

// src/link/tun-addon.ts and dist/link/tun-addon.js both sit two levels below the package root.
const ADDON_URL = new URL('../../native/build/Release/tcpwasm_tun.node', import.meta.url);
const FAILURE_URL = new URL('../../native/build-failure.txt', import.meta.url);

function loadBuilt(): TunAddon {
  const module = nodeBuiltin<typeof import('node:module')>('node:module');
  const url = nodeBuiltin<typeof import('node:url')>('node:url');
  if (!module || !url) throw new Error('TUN devices need Node.js');
  return module.createRequire(import.meta.url)(url.fileURLToPath(ADDON_URL)) as TunAddon;
}

/** What native/build.mjs wrote when the build failed (first line), if it did. */
function recordedFailure(): string | undefined {
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  const url = nodeBuiltin<typeof import('node:url')>('node:url');
  try {
    return fs?.readFileSync(url!.fileURLToPath(FAILURE_URL), 'utf8').split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

let loader: Loader = loadBuilt;
let loaded: TunAddon | undefined;

/** The addon, loaded on first use; throws TunError ENOADDON saying why it is not there. */
export function tunAddon(): TunAddon {
  if (loaded) return loaded;
  try {
    loaded = loader();
    return loaded;
  } catch (error) {
    const why = recordedFailure() ?? (error instanceof Error ? error.message : String(error));
    throw new TunError('ENOADDON', `native addon not built: ${why}; run \`npm rebuild tcpwasm\``, { cause: error });
  }
}

/**
 * @internal Replaces the loader (tests: a loader that throws shows the ENOADDON path). null
 * restores the real one. Forgets an addon already loaded either way.
 */
export function setTunAddonLoader(replacement: Loader | null): void {
  loader = replacement ?? loadBuilt;
  loaded = undefined;
}
