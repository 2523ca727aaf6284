// The stack's receive-side batch decoder: the codec's decodeBatch without a SegmentTable per
// call. A table costs a fresh ArrayBuffer and 22 typed-array views each time, which is most of
// the work for the small batches a lossy link delivers (an ACK batch holds two or three
// packets) and much of the garbage the collector then has to sweep. Here the packets are copied
// into WASM memory once, decoded there by one call, and the column bytes are copied into one
// buffer this object keeps and reuses; rows are read from it by column offset.
//
// Packets a device already placed in a pinned region of the codec's memory (TunDevice reads
// straight into one) are decoded where they lie, with no copy. Their views die if WASM memory
// grows while the batch is handled (encoding a reply can grow it), so locate() records every
// packet's address and length before anything runs, and packet() re-derives a view from them
// with the current buffer when the old one has been detached.

import { OptionBit, LinkType } from '../wire/constants.js';
import { BATCH_ROWS, INPUT_CHUNK_BYTES, codec, type Codec } from '../wire/module.js';
import type { TcpSegment } from '../wire/segment.js';

/** The columns the stack reads, by their index in the codec's batch layout. */
interface ColumnIndexes {
  status: number; ipVersion: number; checksumState: number; headerLength: number; windowScale: number; optionMask: number;
  flags: number; srcPort: number; dstPort: number; window: number; urgentPointer: number; mss: number;
  seq: number; ack: number; tsValue: number; tsEcho: number; payloadOffset: number; payloadLength: number;
  srcAddressOffset: number; dstAddressOffset: number;
}

interface ColumnLayout {
  /** Bytes of the batch area for this many rows. */
  size: number;
  at: ColumnIndexes;
}

/** Column layouts by row count, per codec: batches of a given size recur, so each is worked out once. */
const layoutsByCodec = new WeakMap<Codec, Array<ColumnLayout | undefined>>();

/** Where the columns lie in a batch area laid out for `count` rows (as element indexes). */
function columnLayout(c: Codec, count: number): ColumnLayout {
  let layouts = layoutsByCodec.get(c);
  if (layouts === undefined) {
    layouts = [];
    layoutsByCodec.set(c, layouts);
  }
  const known = layouts[count];
  if (known !== undefined) return known;
  const C = c.layout.COLUMN;
  const widths: number[] = [];
  const starts: number[] = [];
  let size = 0;
  for (let k = 0; k < C.COUNT; k++) {
    const width = c.exports.columnWidth(k);
    widths.push(width);
    starts.push(size);
    size += (width * count + 15) & ~15; // the module's layout: each column 16-byte aligned
  }
  const index = (column: number) => starts[column]! / widths[column]!;
  const layout: ColumnLayout = {
    size,
    at: {
      status: index(C.STATUS), ipVersion: index(C.IP_VERSION), checksumState: index(C.CHECKSUM_STATE),
      headerLength: index(C.HEADER_LENGTH),
      windowScale: index(C.WINDOW_SCALE), optionMask: index(C.OPTION_MASK), flags: index(C.FLAGS),
      srcPort: index(C.SRC_PORT), dstPort: index(C.DST_PORT), window: index(C.WINDOW),
      urgentPointer: index(C.URGENT), mss: index(C.MSS), seq: index(C.SEQ), ack: index(C.ACK),
      tsValue: index(C.TS_VALUE), tsEcho: index(C.TS_ECHO), payloadOffset: index(C.PAYLOAD_OFFSET),
      payloadLength: index(C.PAYLOAD_LENGTH), srcAddressOffset: index(C.SRC_ADDRESS_OFFSET),
      dstAddressOffset: index(C.DST_ADDRESS_OFFSET),
    },
  };
  layouts[count] = layout;
  return layout;
}

/**
 * The SACK blocks of a TCP header at `tcp` whose options end at `end`, flat [left0, right0, ...]:
 * the first SACK option, which the codec found well formed (it set OptionBit.SACK only then, and
 * only for the first occurrence of the kind). Read here rather than by decoding the whole packet
 * again: during loss recovery most ACKs carry SACK blocks.
 */
function sackBlocks(packet: Uint8Array, tcp: number, end: number): number[] {
  const flat: number[] = [];
  let i = tcp + 20;
  while (i + 1 < end) {
    const kind = packet[i]!;
    if (kind <= 1) { // EOL (padding follows, walked as the codec does) or NOP
      i++;
      continue;
    }
    const length = packet[i + 1]!;
    if (length < 2) break;
    if (kind === 5) {
      for (let at = i + 2; at + 8 <= i + length && at + 8 <= end; at += 8) {
        flat.push(readUint32(packet, at), readUint32(packet, at + 4));
      }
      break;
    }
    i += length;
  }
  return flat;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * How many of `packets`, from `first`, one decode call takes: at most BATCH_ROWS rows and
 * INPUT_CHUNK_BYTES bytes (but always at least one packet).
 */
export function chunkEnd(packets: readonly Uint8Array[], first: number): number {
  let bytes = 0;
  let end = first;
  while (end < packets.length && end - first < BATCH_ROWS) {
    const packet = packets[end]!;
    if (!(packet instanceof Uint8Array)) throw new TypeError(`frame ${end} is not a Uint8Array`);
    const n = packet.length;
    if (end > first && bytes + n > INPUT_CHUNK_BYTES) break;
    bytes += n;
    end++;
  }
  return end;
}

export class ReceivedBatch {
  /** Rows decoded by the last decode() call. */
  count = 0;
  /** Per packet of the batch given to locate(): its address in WASM memory when pinned, else -1. */
  private addresses = new Float64Array(64);
  /** Per packet of that batch: its length. */
  private lengths = new Uint32Array(64);
  /** The codec's memory view when locate() ran; another one now means memory grew since. */
  private heapAtLocate: Uint8Array | undefined;
  /** The batch locate() last ran on. */
  private located: readonly Uint8Array[] | undefined;
  private bytes = new Uint8Array(0);
  private u16 = new Uint16Array(0);
  private u32 = new Uint32Array(0);
  /** Element index where each column starts in this.bytes / u16 / u32 (by its width). */
  private at: ColumnIndexes = columnLayout(codec(), 1).at;

  /**
   * Records where each packet of a batch lies, before any of it is handled: packets in a pinned
   * region of WASM memory (Codec.allocateRegion) are then decoded in place, and found again if
   * memory grows. Call once per batch, before decode().
   */
  locate(packets: readonly Uint8Array[]): void {
    const c = codec();
    const n = packets.length;
    if (this.addresses.length < n) {
      const size = Math.max(n, 2 * this.addresses.length);
      this.addresses = new Float64Array(size);
      this.lengths = new Uint32Array(size);
    }
    const buffer = c.memoryBuffer();
    const addresses = this.addresses;
    const lengths = this.lengths;
    for (let k = 0; k < n; k++) {
      const packet = packets[k]!;
      if (!(packet instanceof Uint8Array)) throw new TypeError(`frame ${k} is not a Uint8Array`);
      const at = packet.byteOffset;
      const length = packet.length;
      lengths[k] = length;
      // The cheap numeric test first: reading .buffer costs ~15 ns, and ordinary arrays start
      // at offsets that lie in no region.
      addresses[k] = c.isPinned(at, length) && packet.buffer === buffer ? at : -1;
    }
    this.heapAtLocate = c.bytes();
    this.located = packets;
  }

  /**
   * Packet `first + i` of the located batch, as a view that is valid now: the array given, or,
   * for a packet decoded in place after WASM memory grew (detaching the view), a new view of
   * the same bytes in the current buffer.
   */
  packet(packets: readonly Uint8Array[], first: number, i: number): Uint8Array {
    const row = first + i;
    const address = this.addresses[row]!;
    if (address < 0) return packets[row]!;
    const c = codec();
    if (c.bytes() === this.heapAtLocate) return packets[row]!;
    return new Uint8Array(c.memoryBuffer(), address, this.lengths[row]!);
  }

  /**
   * Decodes packets [first, end) of the batch given to locate() as raw IP packets, TCP
   * checksums verified (what decodeBatch(packets, LinkType.RAW) reports for them). Row k
   * describes packets[first + k]. Packets in a pinned region are decoded where they lie; the
   * others are copied in first. The caller keeps end - first within chunkEnd's limits.
   */
  decode(packets: readonly Uint8Array[], first: number, end: number): void {
    // The first chunk of a batch (or a batch not seen yet): record where its packets lie now,
    // before handling any row can grow memory.
    if (first === 0 || packets !== this.located) this.locate(packets);
    const c = codec();
    const count = end - first;
    const addresses = this.addresses;
    const sizes = this.lengths;
    let total = 0;
    for (let k = first; k < end; k++) if (addresses[k]! < 0) total += sizes[k]!;
    // Columns laid out for exactly `count` rows: the area is then compact and leaves in one copy.
    c.configureColumns(count);
    const base = c.reserveInput(total);
    const heap = c.bytes();
    const words = c.u32();
    const offsets = c.batchOffsets >>> 2;
    const lengths = c.batchLengths >>> 2;
    let at = base;
    for (let k = 0; k < count; k++) {
      const row = first + k;
      const address = addresses[row]!;
      const n = sizes[row]!;
      words[lengths + k] = n;
      if (address >= 0) {
        words[offsets + k] = address;
        continue;
      }
      heap.set(packets[row]!, at);
      words[offsets + k] = at;
      at += n;
    }
    // Offsets are absolute addresses (data pointer 0), as decodeBatch passes them.
    c.exports.decodeBatch(0, c.batchOffsets, c.batchLengths, 0, LinkType.RAW, 0, count, 1);
    this.#readColumns(c, count);
    this.count = count;
  }

  #readColumns(c: Codec, count: number): void {
    const layout = columnLayout(c, count);
    const size = layout.size;
    if (this.bytes.length < size) {
      const buffer = new ArrayBuffer(Math.max(size, 2 * this.bytes.length));
      this.bytes = new Uint8Array(buffer);
      this.u16 = new Uint16Array(buffer);
      this.u32 = new Uint32Array(buffer);
    }
    this.bytes.set(c.bytes().subarray(c.batchBase, c.batchBase + size));
    this.at = layout.at;
  }

  /** 0 when row i decoded as TCP; otherwise a STATUS_NAMES index. */
  status(i: number): number {
    return this.bytes[this.at.status + i]!;
  }

  ipVersion(i: number): number {
    return this.bytes[this.at.ipVersion + i]!;
  }

  /** ChecksumState of row i. */
  checksumState(i: number): number {
    return this.bytes[this.at.checksumState + i]!;
  }

  srcAddressOffset(i: number): number {
    return this.u32[this.at.srcAddressOffset + i]!;
  }

  dstAddressOffset(i: number): number {
    return this.u32[this.at.dstAddressOffset + i]!;
  }

  /**
   * Row i as a TcpSegment, exactly as segmentFromRow reads a SegmentTable row. The payload is a
   * view into `packet`; SACK blocks are not among the columns, so a row carrying them is decoded
   * again alone.
   */
  segment(i: number, packet: Uint8Array): TcpSegment {
    const a = this.at;
    const u8 = this.bytes;
    const u16 = this.u16;
    const u32 = this.u32;
    const mask = u8[a.optionMask + i]!;
    const payloadAt = u32[a.payloadOffset + i]!;
    const seg: TcpSegment = {
      srcPort: u16[a.srcPort + i]!,
      dstPort: u16[a.dstPort + i]!,
      seq: u32[a.seq + i]!,
      ack: u32[a.ack + i]!,
      flags: u16[a.flags + i]!,
      window: u16[a.window + i]!,
      urgentPointer: u16[a.urgentPointer + i]!,
      payload: packet.subarray(payloadAt, payloadAt + u32[a.payloadLength + i]!),
    };
    if (mask === 0) return seg;
    if (mask & OptionBit.MSS) seg.mss = u16[a.mss + i]!;
    if (mask & OptionBit.WINDOW_SCALE) seg.windowScale = u8[a.windowScale + i]!;
    if (mask & OptionBit.SACK_PERMITTED) seg.sackPermitted = true;
    if (mask & OptionBit.TIMESTAMP) {
      seg.tsVal = u32[a.tsValue + i]!;
      seg.tsEcr = u32[a.tsEcho + i]!;
    }
    if (mask & OptionBit.SACK) seg.sack = sackBlocks(packet, payloadAt - u8[a.headerLength + i]!, payloadAt);
    return seg;
  }
}
