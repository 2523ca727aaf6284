// tcpwasm/engine: the sans-IO RFC 9293 engine for embedding in other stacks. Feed a Connection
// segments and the time, send what pollTransmit returns. Browser-safe: no `node:` imports.

export { Connection, type ConnectionInit, type ConnectionEvent, type ConnectionErrorCode } from './tcp/connection.js';
export { resetFor } from './tcp/reset.js';
export { SEGMENT_HEADROOM, type TcpSegment } from './wire/segment.js';
export { segmentFromHeader, segmentFromPacket, headerFromSegment, packetFromSegment } from './wire/segment-convert.js';
export { DEFAULT_TCP_CONFIG, resolveTcpConfig, type TcpConfig, type LossDetection } from './tcp/config.js';
// The bits of TcpSegment.flags (plain constants: importing them loads no WebAssembly).
export { TcpFlags } from './wire/constants.js';
export type { EcnMode } from './tcp/ecn.js';
export type { TcpState } from './tcp/state.js';
export { createTcpCounters, type TcpCounters, type TcpDropCounters } from './tcp/counters.js';
export { IsnGenerator } from './tcp/isn.js';
export {
  registerCongestionControl,
  createCongestionControl,
  type CongestionControl,
  type Factory as CongestionControlFactory,
} from './tcp/congestion.js';
export { Cubic, type CubicOptions } from './tcp/cubic.js';
export { seqAdd, seqDiff, seqLt, seqLe, seqGt, seqGe } from './tcp/seq.js';
