// tcpwasm: a WebAssembly-accelerated TCP segment codec with pcap/pcapng I/O.

export { init } from './wire/module.js';
export { DecodeError, type DecodeErrorCode } from './errors.js';
export {
  internetChecksum, onesComplementSum, combineSums, updateChecksum, pseudoHeaderSum,
} from './wire/checksum.js';
export { decodeFrame, decodeIp } from './wire/decode.js';
export { decodeBatch, SegmentTable, type PackedFrames, type BatchOptions } from './wire/batch.js';
export { inputArea } from './wire/input.js';
export {
  encodePacket, encodeTcp, type PacketInit, type IpHeaderInit, type TcpHeaderInit, type AddressInit,
} from './wire/encode.js';
export { TcpFlags, LinkType, ChecksumState, OptionBit, type ChecksumStatus } from './wire/constants.js';
export { formatTcpFlags } from './wire/flags.js';
export { parseAddress, formatIpv4, formatIpv6, type ParsedAddress } from './wire/address.js';
export type {
  DecodedPacket, TcpHeader, TcpOptions, IpInfo, Ipv4Info, Ipv6Info,
} from './wire/types.js';
export * from './pcap/index.js';
export * from './stack/index.js';
export { MemoryLink, MemoryLinkEnd, type MemoryLinkOptions, type LinkCounters } from './link/memory-link.js';
export type { Device, PacketBatchHandler } from './link/device.js';
export { PcapTap, type PcapTapOptions } from './link/pcap-tap.js';
export { FaultyDevice, type FaultyDeviceOptions, type FaultyDirectionCounters } from './link/faulty-device.js';
export type { FaultOptions, FaultCounters } from './link/faults.js';
// The sans-IO engine for embedding in other stacks: feed it segments and the time, send what
// pollTransmit returns (see src/tcp/connection.ts).
export {
  Connection, type ConnectionInit, type ConnectionEvent, type ConnectionErrorCode,
} from './tcp/connection.js';
export { resetFor } from './tcp/reset.js';
export { SEGMENT_HEADROOM, type TcpSegment } from './wire/segment.js';
export {
  segmentFromHeader, segmentFromPacket, headerFromSegment, packetFromSegment,
} from './wire/segment-convert.js';
export { encodeSegment, encodeSegmentBytes } from './wire/encode-segment.js';
export { DEFAULT_TCP_CONFIG, resolveTcpConfig, type TcpConfig } from './tcp/config.js';
export type { EcnMode } from './tcp/ecn.js';
export type { TcpState } from './tcp/state.js';
export { createTcpCounters, type TcpCounters } from './tcp/counters.js';
export { IsnGenerator } from './tcp/isn.js';
export {
  registerCongestionControl, createCongestionControl, type CongestionControl,
} from './tcp/congestion.js';
export { Cubic, type CubicOptions } from './tcp/cubic.js';
export { seqAdd, seqDiff, seqLt, seqLe, seqGt, seqGe } from './tcp/seq.js';
export { TunDevice, type TunDeviceOptions, type TunCounters } from './link/tun-device.js';
export { Netns, NetnsError, netnsExists, deleteOrphanNamespaces } from './link/netns.js';
export { TunError, type TunErrorCode } from './link/tun-error.js';
// tcpwasm serve's services (HTTP with live stats, echo, discard) on any Stack.
export * from './serve/index.js';
