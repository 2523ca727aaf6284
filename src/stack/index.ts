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
