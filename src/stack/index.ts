// The userspace stack: Stack, sockets, servers and the clocks that drive them.

export { Stack, type StackOptions } from './stack.js';
export type { PingResult, PingOptions } from './icmp-endpoint.js';
export { TcpSocket, type TcpSocketOptions } from './socket.js';
export { Server, type ServerOptions, type ListenOptions, type ServerAddress } from './server.js';
export { RealClock, VirtualClock, ClockLimitError, type Clock, type Timer } from '../base/clock.js';
export type { StackStats, IpCounters, IcmpCounters, StackCounters } from './stats.js';
export type { MartianCounters } from './martian.js';
export type { SynCookieMode, SynQueueCounters } from './syn-queue.js';
export type { SystemError, SystemErrorCode } from './node-errors.js';
export { createNet, type NetModule, type SocketConstructor, type ServerConstructor } from './net-module.js';
export type { SocketConnectOptions, ConnectOptions } from './connect-args.js';
export type { SocketHost, HostedSocket } from './socket-host.js';
// Types that public options and counters refer to, so declarations and the API docs can name them.
export type { LocalAddress } from '../base/interface-address.js';
export type { ServerListenOptions } from './listen-args.js';
export type { MemoryBudgetOptions, MemoryCounters } from './memory-budget.js';
export type { ReassemblyOptions, ReassemblyCounters } from './reassembly.js';
export type { OnReadOptions } from './onread.js';
export type { ConnectionListener } from './net-module.js';
