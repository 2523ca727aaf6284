// One JSON-ready picture of a serving stack: what /stats returns and the page renders.

import type { Stack } from '../stack/stack.js';
import type { StackStats } from '../stack/stats.js';
import type { ServiceCounters } from './counters.js';

export interface ServicePorts {
  http: number;
  echo: number;
  discard: number;
}

export interface DeviceInfo {
  /** The device's class name (TunDevice, MemoryLinkEnd, ...). */
  kind: string;
  mtu: number;
  name?: string;
  netns?: string;
  /** The device's own counters when it has any (TunDevice, MemoryLink). */
  counters?: Record<string, number>;
}

export interface StatsSnapshot {
  uptimeSeconds: number;
  addresses: string[];
  ports: ServicePorts;
  /** TCP connections in the stack's table (every state but CLOSED). */
  connections: number;
  device: DeviceInfo;
  services: ServiceCounters;
  stack: StackStats;
}

function deviceInfo(stack: Stack): DeviceInfo {
  const device = stack.device as unknown as {
    name?: unknown;
    netns?: unknown;
    counters?: unknown;
    constructor: { name: string };
  };
  const info: DeviceInfo = { kind: device.constructor.name, mtu: stack.device.mtu };
  if (typeof device.name === 'string') info.name = device.name;
  if (typeof device.netns === 'string') info.netns = device.netns;
  if (typeof device.counters === 'object' && device.counters !== null) {
    const counters: Record<string, number> = {};
    for (const [key, value] of Object.entries(device.counters)) if (typeof value === 'number') counters[key] = value;
    info.counters = counters;
  }
  return info;
}

export function takeSnapshot(
  stack: Stack,
  startedAt: number,
  ports: ServicePorts,
  services: ServiceCounters,
): StatsSnapshot {
  return {
    uptimeSeconds: Math.max(0, (stack.clock.now() - startedAt) / 1000),
    addresses: stack.addresses.map((a) => `${a.address}/${a.prefixLength}`),
    ports,
    connections: stack.connectionCount,
    device: deviceInfo(stack),
    services,
    stack: stack.stats,
  };
}
