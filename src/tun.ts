// tcpwasm/tun: the Linux TUN device driver (a small N-API addon) and network-namespace helpers.

export { TunDevice, type TunDeviceOptions, type TunCounters } from './link/tun-device.js';
export { TunError, type TunErrorCode } from './link/tun-error.js';
export { Netns, NetnsError, netnsExists, deleteOrphanNamespaces } from './link/netns.js';
