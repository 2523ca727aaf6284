// tcpwasm: the names most programs need — the WASM codec and pcap/pcapng I/O, the userspace
// Stack with its sockets and clocks, the links it runs on (in memory, a capture tap, a faulty
// link for tests, the Linux TUN device) and the services `tcpwasm serve` runs.
//
// Everything else has its own entry point and is not repeated here (each name has one home):
//   tcpwasm/engine  the sans-IO Connection, its segment type, config, congestion control, seq*
//   tcpwasm/tun     TunDevice again, plus the network-namespace helpers (Netns, …)
//   tcpwasm/serve   the HTTP app and byte source behind startServices
//   tcpwasm/codec   the codec alone (no `node:` imports: browsers, Deno, Bun, workers)
//   tcpwasm/stack   the Stack alone

export * from './codec.js';
// The Node.js readers (files, streams, .gz) beside the codec entry's parse* functions.
export { readCapture, readCaptureBatches, type ReadBatchesOptions } from './pcap/index.js';
export * from './stack/index.js';
export { MemoryLink, MemoryLinkEnd, type MemoryLinkOptions, type LinkCounters } from './link/memory-link.js';
export type { Device, PacketBatchHandler } from './link/device.js';
export { PcapTap, type PcapTapOptions } from './link/pcap-tap.js';
export { FaultyDevice, type FaultyDeviceOptions, type FaultyDirectionCounters } from './link/faulty-device.js';
export type { FaultOptions, FaultCounters } from './link/faults.js';
export { TunDevice, TunError, type TunDeviceOptions, type TunCounters, type TunErrorCode } from './tun.js';
export {
  startServices,
  type Services,
  type ServiceOptions,
  type CloseOptions,
  type ServiceCounters,
  type StatsSnapshot,
  type ServicePorts,
  type DeviceInfo,
} from './serve/index.js';
