// A serving session: the device (a TUN device, or a MemoryLink with a peer stack on its other
// end), our Stack on it, and the services. What `tcpwasm serve` and the demo both start.

import { MemoryLink, type MemoryLinkEnd } from '../link/memory-link.js';
import { Stack } from '../stack/stack.js';
import { startServices, type ServiceOptions, type Services } from '../serve/services.js';
import { TunDevice } from '../link/tun-device.js';

export const DEFAULT_ADDRESSES = ['198.51.100.2/24', '2001:db8::2/64'];
export const DEFAULT_HOST_ADDRESSES = ['198.51.100.1/24', '2001:db8::1/64'];
/**
 * The served stack's TCP buffer budget: 256 MiB, not the library's 3/32 of RAM (which on a
 * 24 GB machine let 8,000 clients that never read pin 2 GB). 512 connections with full 256 KiB
 * send and receive buffers fit before pressure; past it each still keeps 4 KiB a ring.
 */
export const SERVE_MEMORY_LIMIT = 256 * 1024 * 1024;

export interface SessionOptions {
  /** Serve over an in-memory link (the peer stack plays the kernel) instead of TUN. */
  memory?: boolean;
  /** TUN device name (default: the kernel picks tcpwasm0, tcpwasm1, ...). */
  name?: string;
  mtu?: number;
  /** Our stack's addresses with prefix. */
  addresses?: string[];
  /** The kernel side's (or, over memory, the peer stack's) addresses. */
  hostAddresses?: string[];
  /** Existing network namespace to move the TUN device into. */
  netns?: string;
  ports?: ServiceOptions;
}

export interface Session {
  readonly mode: 'tun' | 'memory';
  readonly stack: Stack;
  readonly services: Services;
  readonly device: TunDevice | MemoryLinkEnd;
  /** Over memory: the stack on the link's other end, for clients. */
  readonly peer: Stack | undefined;
  readonly addresses: string[];
  readonly hostAddresses: string[];
  /** Closes the services (FIN, then reset after 2 s), the stack and the device (a TUN device is removed). */
  close(): Promise<void>;
}

export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const addresses = options.addresses ?? DEFAULT_ADDRESSES;
  const hostAddresses = options.hostAddresses ?? DEFAULT_HOST_ADDRESSES;
  let device: TunDevice | MemoryLinkEnd;
  let peer: Stack | undefined;
  if (options.memory) {
    const [near, far] = MemoryLink.pair({ mtu: options.mtu ?? 1500 });
    device = far;
    peer = new Stack({ device: near, addresses: hostAddresses });
  } else {
    device = await TunDevice.open({
      mtu: options.mtu ?? 1500,
      hostAddresses,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.netns === undefined ? {} : { netns: options.netns }),
    });
  }
  let stack: Stack;
  let services: Services;
  try {
    stack = new Stack({ device, addresses, memory: { limit: SERVE_MEMORY_LIMIT } });
    services = startServices(stack, options.ports);
  } catch (error) {
    device.close();
    peer?.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    mode: options.memory ? 'memory' : 'tun',
    stack,
    services,
    device,
    peer,
    addresses,
    hostAddresses,
    close() {
      closing ??= services.close().then(() => {
        stack.close();
        peer?.close();
      });
      return closing;
    },
  };
}
