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
