// decodeFrameInto: decodeFrame that refills one caller-owned result instead of building a new
// tree of objects per frame. A loop over a capture then allocates nothing per frame but the
// address strings (cached) and, only when asked, the payload view.
//
// Measured (bench/decode.bench.ts, ACK-only set): per decodeFrame call ~60% of the time went to
// building the result (seven objects and a subarray, ~28 ns of it the payload view alone) and
// collecting it afterwards; the copy in and the WASM decode are the rest. Here every object is
// made once, in the constructor, with every field present from the start, so the shapes never
// change and the refill is plain stores.

import { formatIpv4, formatAddress } from '../base/address.js';
import { CHECKSUM_STATUS, type ChecksumStatus } from './constants.js';
import {
  checkInput,
  detailIndex,
  readOptionKinds,
  readPseudoHeader,
  readSack,
  statusError,
  type DetailIndex,
} from './decode.js';
import { codec, type Codec } from './module.js';
import type { DecodedPacket, IpInfo, Ipv4Info, Ipv6Info, TcpHeader, TcpOptions } from './types.js';

const EMPTY = new Uint8Array(0);

/**
 * A reusable decodeFrame result for decodeFrameInto. Every field holds what decodeFrame would
 * return for the last frame decoded into it (an absent optional field reads `undefined`), but
 * the objects are this result's own and are refilled by the next decodeFrameInto: copy what
 * must outlive the next call. `ip` is one of two objects, by IP version. `payload` is made on
 * first access (a view into the decoded input, as decodeFrame's); the result keeps a reference
 * to the input until the next frame is decoded into it.
 */
export class DecodedFrame implements DecodedPacket {
  ip: IpInfo;
  readonly tcp: TcpHeader;
  payloadLength = 0;
  checksumStatus: ChecksumStatus = 'unverifiable';
  expectedChecksum: number | undefined = undefined;
  pseudoHeader: { src: string; dst: string } | undefined = undefined;
  readonly offsets = { ip: 0, tcp: 0, payload: 0 };
  #data: Uint8Array = EMPTY;
  #payloadStart = 0;
  #payloadEnd = 0;
  #payload: Uint8Array | undefined = undefined;
  readonly #v4: Ipv4Info;
  readonly #v6: Ipv6Info;
  readonly #timestamp = { value: 0, echo: 0 };
  /**
   * Arrays for tcp.options.kinds and extensionHeaders, one per length met so far: changing an
   * array's length is a runtime call (~10 ns), and the lengths alternate (ACKs with and without
   * timestamps), so each length keeps an array of its own.
   */
  readonly #kindLists: number[][] = [];
  readonly #extensionLists: number[][] = [];

  constructor() {
    this.#v4 = {
      version: 4,
      src: '0.0.0.0',
      dst: '0.0.0.0',
      ttl: 0,
      tos: 0,
      id: 0,
      dontFragment: false,
      moreFragments: false,
      fragmentOffset: 0,
      headerLength: 0,
      totalLength: 0,
      headerChecksum: 'good',
      options: undefined,
    };
    this.#v6 = {
      version: 6,
      src: '::',
      dst: '::',
      hopLimit: 0,
      trafficClass: 0,
      flowLabel: 0,
      payloadLength: 0,
      extensionHeaders: [],
    };
    this.ip = this.#v4;
    const options: TcpOptions = {
      kinds: [],
      mss: undefined,
      windowScale: undefined,
      sackPermitted: undefined,
      sack: undefined,
      timestamp: undefined,
      unknown: undefined,
    };
    this.tcp = {
      srcPort: 0,
      dstPort: 0,
      seq: 0,
      ack: 0,
      headerLength: 0,
      flags: 0,
      window: 0,
      checksum: 0,
      urgentPointer: 0,
      options,
    };
  }

  /** Captured payload bytes: a view into the decoded input, not a copy (made on first access). */
  get payload(): Uint8Array {
    return (this.#payload ??= this.#data.subarray(this.#payloadStart, this.#payloadEnd));
  }

  /**
   * Refills `frame` from the detail record of a successful decode (see decodeFrameInto).
   * @internal
   */
  static fill(
    frame: DecodedFrame,
    h8: Uint8Array,
    h16: Uint16Array,
    h32: Uint32Array,
    x: DetailIndex,
    ptr: number,
    data: Uint8Array,
  ): void {
    const ipOffset = h32[x.ipOffset]!;
    const tcpOffset = h32[x.tcpOffset]!;
    const srcOffset = h32[x.srcOffset]!;
    const dstOffset = h32[x.dstOffset]!;
    if (h8[x.ipVersion] === 4) frame.ip = fillIpv4(frame.#v4, h8, h16, x, ptr, ipOffset, srcOffset, dstOffset);
    else frame.ip = fillIpv6(frame.#v6, frame.#extensionLists, h8, h32, x, ptr, ipOffset, srcOffset, dstOffset);

    const tcp = frame.tcp;
    tcp.srcPort = h16[x.srcPort]!;
    tcp.dstPort = h16[x.dstPort]!;
    tcp.seq = h32[x.seq]!;
    tcp.ack = h32[x.ack]!;
    tcp.headerLength = h16[x.headerLength]!;
    tcp.flags = h16[x.flags]!;
    tcp.window = h16[x.window]!;
    tcp.checksum = h16[x.checksum]!;
    tcp.urgentPointer = h16[x.urgent]!;
    fillOptions(tcp.options, frame.#kindLists, frame.#timestamp, h8, h16, h32, x, data, tcpOffset);

    const payloadOffset = h32[x.payloadOffset]!;
    frame.#data = data;
    frame.#payloadStart = payloadOffset;
    frame.#payloadEnd = payloadOffset + h32[x.payloadCaptured]!;
    frame.#payload = undefined;
    frame.payloadLength = h32[x.payloadWire]!;
    const checksumState = h8[x.checksumState]!;
    frame.checksumStatus = CHECKSUM_STATUS[checksumState]!;
    frame.expectedChecksum = checksumState !== 2 ? h16[x.expected] : undefined;
    frame.pseudoHeader = readPseudoHeader(h8, h32, x, ptr, srcOffset, dstOffset);
    const offsets = frame.offsets;
    offsets.ip = ipOffset;
    offsets.tcp = tcpOffset;
    offsets.payload = payloadOffset;
  }
}

/** The array of `lists` kept for `length` elements, made on first use. */
function arrayOf(lists: number[][], length: number): number[] {
  let list = lists[length];
  if (list === undefined) {
    // Filled in order so the slots for shorter lengths hold arrays too (the list stays packed).
    for (let n = lists.length; n <= length; n++) lists.push(new Array<number>(n).fill(0));
    list = lists[length]!;
  }
  return list;
}

function fillIpv4(
  ip: Ipv4Info,
  h8: Uint8Array,
  h16: Uint16Array,
  x: DetailIndex,
  ptr: number,
  ipOffset: number,
  srcOffset: number,
  dstOffset: number,
): Ipv4Info {
  const fragment = h16[x.fragment]!;
  const at = ptr + ipOffset;
  const headerLength = (h8[at]! & 15) * 4;
  ip.src = formatIpv4(h8, ptr + srcOffset);
  ip.dst = formatIpv4(h8, ptr + dstOffset);
  ip.ttl = h8[x.ttl]!;
  ip.tos = h8[x.tos]!;
  ip.id = h16[x.ipId]!;
  ip.dontFragment = (fragment & 0x4000) !== 0;
  ip.moreFragments = (fragment & 0x2000) !== 0;
  ip.fragmentOffset = (fragment & 0x1fff) * 8;
  ip.headerLength = headerLength;
  ip.totalLength = (h8[at + 2]! << 8) | h8[at + 3]!;
  ip.headerChecksum = h8[x.ipChecksumState] === 0 ? 'good' : 'bad';
  ip.options = headerLength > 20 ? h8.slice(at + 20, at + headerLength) : undefined;
  return ip;
}

function fillIpv6(
  ip: Ipv6Info,
  lists: number[][],
  h8: Uint8Array,
  h32: Uint32Array,
  x: DetailIndex,
  ptr: number,
  ipOffset: number,
  srcOffset: number,
  dstOffset: number,
): Ipv6Info {
  const count = h8[x.extensionCount]!;
  const extensions = (ip.extensionHeaders = arrayOf(lists, count));
  for (let i = 0; i < count; i++) extensions[i] = h8[x.extensions + i]!;
  const at = ptr + ipOffset;
  ip.src = formatAddress(h8, ptr + srcOffset, 6);
  ip.dst = formatAddress(h8, ptr + dstOffset, 6);
  ip.hopLimit = h8[x.ttl]!;
  ip.trafficClass = h8[x.tos]!;
  ip.flowLabel = h32[x.flowLabel]!;
  ip.payloadLength = (h8[at + 4]! << 8) | h8[at + 5]!;
  return ip;
}

function fillOptions(
  options: TcpOptions,
  lists: number[][],
  timestamp: { value: number; echo: number },
  h8: Uint8Array,
  h16: Uint16Array,
  h32: Uint32Array,
  x: DetailIndex,
  data: Uint8Array,
  tcpOffset: number,
): void {
  const count = h8[x.optionCount]!;
  const kinds = (options.kinds = arrayOf(lists, count));
  options.unknown = count === 0 ? undefined : readOptionKinds(h8, x, count, kinds, data, tcpOffset);
  const mask = h16[x.optionMask]!;
  if (mask === 0) {
    options.mss = undefined;
    options.windowScale = undefined;
    options.sackPermitted = undefined;
    options.timestamp = undefined;
    options.sack = undefined;
    return;
  }
  const B = x.codec.layout.OPTION_BIT;
  options.mss = mask & B.MSS ? h16[x.mss]! : undefined;
  options.windowScale = mask & B.WSCALE ? h8[x.windowScale]! : undefined;
  options.sackPermitted = mask & B.SACK_PERMITTED ? true : undefined;
  if (mask & B.TIMESTAMP) {
    timestamp.value = h32[x.tsValue]!;
    timestamp.echo = h32[x.tsEcho]!;
    options.timestamp = timestamp;
  } else {
    options.timestamp = undefined;
  }
  options.sack = mask & B.SACK ? readSack(h8, h32, x) : undefined;
}

/** decodeFrameInto on a given codec instance (tests compare the SIMD and scalar builds). */
export function decodeIntoWith(
  c: Codec,
  frame: DecodedFrame,
  data: Uint8Array,
  linkType: number,
  originalLength = 0,
): DecodedFrame {
  const x = detailIndex(c);
  const ptr = c.placeCounted(data);
  const status = c.exports.decodeDetail(ptr, c.placedLength, linkType, originalLength, c.detail);
  // Views taken after the call: placing the input may have grown (and so replaced) memory.
  const h32 = c.u32();
  if (status !== 0) throw statusError(status, h32[x.errorOffset]! | 0, linkType);
  DecodedFrame.fill(frame, c.bytes(), c.u16(), h32, x, ptr, data);
  return frame;
}

/**
 * decodeFrame into a result the caller reuses: decodes one captured frame of the given pcap link
 * type and refills `frame` (a `new DecodedFrame()` at first) with what decodeFrame would return,
 * field for field, instead of building new objects. Returns `frame`. Throws the same DecodeError
 * as decodeFrame, and then leaves `frame` as it was. Every object inside `frame` (ip, tcp,
 * tcp.options, its kinds array, the timestamp) is reused by the next call: copy what you keep.
 */
export function decodeFrameInto(
  frame: DecodedFrame,
  data: Uint8Array,
  linkType: number,
  originalLength?: number,
): DecodedFrame {
  if (!(frame instanceof DecodedFrame)) throw new TypeError('frame must be a DecodedFrame');
  checkInput(data, linkType, originalLength);
  return decodeIntoWith(codec(), frame, data, linkType, originalLength);
}
