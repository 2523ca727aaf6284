// decodeFrameInto: decodeFrame that refills one caller-owned result instead of building a new
// tree of objects per frame. A loop over a capture then allocates nothing per frame but the
// address strings (cached) and, only when asked, the payload view.
//
// Measured (bench/decode.bench.ts, ACK-only set): per decodeFrame call ~60% of the time went to
// building the result (seven objects and a subarray, ~28 ns of it the payload view alone) and
// collecting it afterwards; the copy in and the WASM decode are the rest. Here every object is
// made once, in the constructor, with every field present from the start, so the shapes never
// change and the refill is plain stores. The two parts that cost most and are often not read,
// the payload view and the IP header (two address strings), wait for first access, as fields
// of smoltcp's Packet<T> are read from the buffer when asked for.

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
import { BATCH_ROWS, codec, type Codec } from './module.js';
import type { DecodedPacket, IpInfo, Ipv4Info, Ipv6Info, TcpHeader, TcpOptions } from './types.js';

const EMPTY = new Uint8Array(0);

/**
 * A reusable decodeFrame result for decodeFrameInto. Every field holds what decodeFrame would
 * return for the last frame decoded into it (an absent optional field reads `undefined`), but
 * the objects are this result's own and are refilled by the next decodeFrameInto: copy what
 * must outlive the next call. `ip` is one of two objects, by IP version, filled from the input
 * on first access; `payload` is made on first access (a view into the decoded input, as
 * decodeFrame's). So the result keeps a reference to the input until the next frame is decoded
 * into it, and the input must not be modified before `ip` has been read. (A view of WASM
 * memory, from inputArea or a device's region, is read at once: a grow would detach it.)
 */
export class DecodedFrame implements DecodedPacket {
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
  /** The IP header's fields are read from the input on first access to `ip` after a decode. */
  #ip: IpInfo;
  #ipRead = true;
  #ipVersion = 4;
  #ipOffset = 0;
  #srcOffset = 0;
  #dstOffset = 0;
  #ipHeaderGood = true;
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
    this.#ip = this.#v4;
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

  /**
   * The IP header, one of two objects this result owns (by version). Its fields are read from
   * the input when first accessed after a decode: do not modify the input before.
   */
  get ip(): IpInfo {
    if (!this.#ipRead) {
      this.#ipRead = true;
      const data = this.#data;
      this.#ip =
        this.#ipVersion === 4
          ? readIpv4(this.#v4, data, this.#ipOffset, this.#srcOffset, this.#dstOffset, this.#ipHeaderGood)
          : readIpv6(this.#v6, data, this.#ipOffset, this.#srcOffset, this.#dstOffset);
    }
    return this.#ip;
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
    resident: boolean,
  ): void {
    const ipOffset = h32[x.ipOffset]!;
    const tcpOffset = h32[x.tcpOffset]!;
    const srcOffset = h32[x.srcOffset]!;
    const dstOffset = h32[x.dstOffset]!;
    // The IP header is left for the `ip` getter, but for what only the record holds.
    const version = h8[x.ipVersion]!;
    frame.#ipRead = false;
    frame.#ipVersion = version;
    frame.#ipOffset = ipOffset;
    frame.#srcOffset = srcOffset;
    frame.#dstOffset = dstOffset;
    frame.#ipHeaderGood = h8[x.ipChecksumState] === 0;
    if (version !== 4) frame.#v6.extensionHeaders = readExtensions(frame.#extensionLists, h8, x);

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
    // An input that lies in WASM memory (inputArea, a pinned region) is detached when memory
    // grows, and a detached view can no longer be read or subarrayed: take from it now what
    // the getters would take later.
    if (resident) {
      frame.#payload = data.subarray(payloadOffset, frame.#payloadEnd);
      void frame.ip;
    }
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

// The IP header's fields as the WASM decoder reads them (assembly/ip.ts), from the input.

function readIpv4(
  ip: Ipv4Info,
  data: Uint8Array,
  at: number,
  srcOffset: number,
  dstOffset: number,
  headerGood: boolean,
): Ipv4Info {
  const fragment = (data[at + 6]! << 8) | data[at + 7]!;
  const headerLength = (data[at]! & 15) * 4;
  ip.src = formatIpv4(data, srcOffset);
  ip.dst = formatIpv4(data, dstOffset);
  ip.ttl = data[at + 8]!;
  ip.tos = data[at + 1]!;
  ip.id = (data[at + 4]! << 8) | data[at + 5]!;
  ip.dontFragment = (fragment & 0x4000) !== 0;
  ip.moreFragments = (fragment & 0x2000) !== 0;
  ip.fragmentOffset = (fragment & 0x1fff) * 8;
  ip.headerLength = headerLength;
  ip.totalLength = (data[at + 2]! << 8) | data[at + 3]!;
  ip.headerChecksum = headerGood ? 'good' : 'bad';
  // A plain Uint8Array copy, as decodeFrame's (slice() of a Buffer would give a Buffer).
  ip.options = headerLength > 20 ? new Uint8Array(data.subarray(at + 20, at + headerLength)) : undefined;
  return ip;
}

function readIpv6(ip: Ipv6Info, data: Uint8Array, at: number, srcOffset: number, dstOffset: number): Ipv6Info {
  ip.src = formatAddress(data, srcOffset, 6);
  ip.dst = formatAddress(data, dstOffset, 6);
  ip.hopLimit = data[at + 7]!;
  ip.trafficClass = ((data[at]! & 15) << 4) | (data[at + 1]! >> 4);
  ip.flowLabel = ((data[at + 1]! & 15) << 16) | (data[at + 2]! << 8) | data[at + 3]!;
  ip.payloadLength = (data[at + 4]! << 8) | data[at + 5]!;
  return ip;
}

/** The extension headers passed (next-header values), into the kept array of that length. */
function readExtensions(lists: number[][], h8: Uint8Array, x: DetailIndex): number[] {
  const count = h8[x.extensionCount]!;
  const extensions = arrayOf(lists, count);
  for (let i = 0; i < count; i++) extensions[i] = h8[x.extensions + i]!;
  return extensions;
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

/** No view of WASM memory that a caller may pass starts below this (see Codec's memory map). */
function lowestRegion(c: Codec): number {
  return c.batchLinkTypes + BATCH_ROWS * 2;
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
  // The getters must not read later from a view of WASM memory, which a grow detaches: one
  // decoded where it lies (inputArea: not at the copy area's start, reserveInput(0)), or one of a
  // pinned region (above the batch area; the byteOffset test first, as reading .buffer costs
  // ~15 ns and ordinary arrays seldom start that high).
  const inMemory = ptr !== c.reserveInput(0) || (c.placedFrom >= lowestRegion(c) && data.buffer === c.memoryBuffer());
  DecodedFrame.fill(frame, c.bytes(), c.u16(), h32, x, ptr, data, inMemory);
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
