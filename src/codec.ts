// tcpwasm/codec: the WASM codec (checksum, decode, encode, batch decode) and pcap/pcapng parsing.
// Browser-safe: nothing here (or below it) imports a `node:` module statically.

export { init, type InitOptions, type WasmSource } from './wire/module.js';
export { DecodeError, type DecodeErrorCode } from './wire/errors.js';
export { internetChecksum, onesComplementSum, combineSums, updateChecksum, pseudoHeaderSum } from './wire/checksum.js';
export { decodeFrame, decodeIp } from './wire/decode.js';
export { decodeFrameInto, DecodedFrame } from './wire/decoded-frame.js';
export { decodeBatch, SegmentTable, FragmentBit, type PackedFrames, type BatchOptions } from './wire/batch.js';
export { inputArea } from './wire/input.js';
export {
  encodePacket,
  encodeTcp,
  encodeInto,
  EncodeSpaceError,
  type PacketInit,
  type IpHeaderInit,
  type TcpHeaderInit,
  type AddressInit,
} from './wire/encode.js';
export { PacketTemplate, type TemplateFields } from './wire/packet-template.js';
export { TcpFlags, LinkType, ChecksumState, OptionBit, type ChecksumStatus } from './wire/constants.js';
export { formatTcpFlags } from './wire/flags.js';
export { parseAddress, formatIpv4, formatIpv6, type ParsedAddress } from './base/address.js';
export type { DecodedPacket, TcpHeader, TcpOptions, IpInfo, Ipv4Info, Ipv6Info } from './wire/types.js';
export { parseCapture, parseCaptureBatches } from './pcap/read.js';
export { RecordBatch } from './pcap/batch.js';
export { CaptureParser, type CaptureRecord } from './pcap/parser.js';
export {
  writePcap,
  writePcapng,
  PcapWriter,
  PcapngWriter,
  type PcapWriterOptions,
  type PcapngInterface,
  type WritableRecord,
} from './pcap/writer.js';
// The engine's segments to packets and back: encodeSegment writes headers into the headroom a
// segment declares (no payload copy); segmentFromRow reads a decodeBatch row. The pure
// converters (segmentFromPacket, packetFromSegment, …) are tcpwasm/engine's.
export { encodeSegment, encodeSegmentBytes } from './wire/encode-segment.js';
export { segmentFromRow } from './wire/segment-row.js';
