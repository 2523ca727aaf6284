// The receive fast path's batch decoder (the Stack holds one per nesting level): the codec's
// decodeBatch without a SegmentTable per call. A table costs a fresh ArrayBuffer and 22 typed-array views each time, which is most of
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

import type { TcpSegment } from './segment.js';
import { readUint32 } from './bytes.js';
import { columnStarts, type ColumnStarts } from './columns.js';
import { OptionBit, LinkType } from './constants.js';
import { BATCH_ROWS, INPUT_CHUNK_BYTES, codec, type Codec } from './module.js';

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
    if (kind <= 1) {
      // EOL (padding follows, walked as the codec does) or NOP
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
  #addresses = new Float64Array(64);
  /** Per packet of that batch: its length. */
  #lengths = new Uint32Array(64);
  /** The codec's memory generation when locate() ran; another one now means memory grew since. */
  #generationAtLocate = -1;
  /** The batch locate() last ran on. */
  #located: readonly Uint8Array[] | undefined;
  #bytes = new Uint8Array(0);
  #u16 = new Uint16Array(0);
  #u32 = new Uint32Array(0);
  /** Element index where each column starts in this.bytes / u16 / u32 (by its width). */
  #at: ColumnStarts['at'] = columnStarts(codec(), 1).at;

  /**
   * Records where each packet of a batch lies, before any of it is handled: packets in a pinned
   * region of WASM memory (Codec.allocateRegion) are then decoded in place, and found again if
   * memory grows. Call once per batch, before decode().
   */
  locate(packets: readonly Uint8Array[]): void {
    const c = codec();
    const n = packets.length;
    if (this.#addresses.length < n) {
      const size = Math.max(n, 2 * this.#addresses.length);
      this.#addresses = new Float64Array(size);
      this.#lengths = new Uint32Array(size);
    }
    const addresses = this.#addresses;
    const lengths = this.#lengths;
    for (let k = 0; k < n; k++) {
      const packet = packets[k]!;
      if (!(packet instanceof Uint8Array)) throw new TypeError(`frame ${k} is not a Uint8Array`);
      const at = packet.byteOffset;
      const length = packet.length;
      lengths[k] = length;
      addresses[k] = c.pinnedAt(packet, at, length);
    }
    this.#generationAtLocate = c.generation;
    this.#located = packets;
  }

  /**
   * Lets go of the batch locate() last ran on, once it is handled: kept, it would hold the
   * packets (and the slabs they are views of) until the next batch, which an idle stack never gets.
   */
  release(): void {
    this.#located = undefined;
  }

  /**
   * Packet `first + i` of the located batch, as a view that is valid now: the array given, or,
   * for a packet decoded in place after WASM memory grew (detaching the view), a new view of
   * the same bytes in the current buffer.
   */
  packet(packets: readonly Uint8Array[], first: number, i: number): Uint8Array {
    const row = first + i;
    const address = this.#addresses[row]!;
    if (address < 0) return packets[row]!;
    const c = codec();
    if (c.generation === this.#generationAtLocate) return packets[row]!;
    return c.viewAt(address, this.#lengths[row]!);
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
    if (first === 0 || packets !== this.#located) this.locate(packets);
    const c = codec();
    const count = end - first;
    const addresses = this.#addresses;
    const sizes = this.#lengths;
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
    const layout = columnStarts(c, count);
    const size = layout.size;
    if (this.#bytes.length < size) {
      const buffer = new ArrayBuffer(Math.max(size, 2 * this.#bytes.length));
      this.#bytes = new Uint8Array(buffer);
      this.#u16 = new Uint16Array(buffer);
      this.#u32 = new Uint32Array(buffer);
    }
    this.#bytes.set(c.bytes().subarray(c.batchBase, c.batchBase + size));
    this.#at = layout.at;
  }

  /** 0 when row i decoded as TCP; otherwise a STATUS_NAMES index. */
  status(i: number): number {
    return this.#bytes[this.#at.status + i]!;
  }

  ipVersion(i: number): number {
    return this.#bytes[this.#at.ipVersion + i]!;
  }

  /** ChecksumState of row i. */
  checksumState(i: number): number {
    return this.#bytes[this.#at.checksumState + i]!;
  }

  /** The IPv4 header checksum of row i as ChecksumState (UNVERIFIABLE: IPv6, or not all there). */
  ipChecksumState(i: number): number {
    return this.#bytes[this.#at.ipChecksumState + i]!;
  }

  /** FragmentBit flags of row i (0: a whole datagram). */
  fragment(i: number): number {
    return this.#bytes[this.#at.fragment + i]!;
  }

  srcAddressOffset(i: number): number {
    return this.#u32[this.#at.srcAddressOffset + i]!;
  }

  dstAddressOffset(i: number): number {
    return this.#u32[this.#at.dstAddressOffset + i]!;
  }

  /**
   * Row i as a TcpSegment, exactly as segmentFromRow reads a SegmentTable row, plus the IP
   * header's ECN codepoint. The payload is a view into `packet`; SACK blocks are not among the
   * columns, so they are read from the packet's options (sackBlocks).
   */
  segment(i: number, packet: Uint8Array): TcpSegment {
    const a = this.#at;
    const u8 = this.#bytes;
    const u16 = this.#u16;
    const u32 = this.#u32;
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
      payload: packet.subarray(payloadAt, payloadAt + u32[a.capturedPayloadLength + i]!),
    };
    if (mask !== 0) {
      if (mask & OptionBit.MSS) seg.mss = u16[a.mss + i]!;
      if (mask & OptionBit.WINDOW_SCALE) seg.windowScale = u8[a.windowScale + i]!;
      if (mask & OptionBit.SACK_PERMITTED) seg.sackPermitted = true;
      if (mask & OptionBit.TIMESTAMP) {
        seg.tsVal = u32[a.tsValue + i]!;
        seg.tsEcr = u32[a.tsEcho + i]!;
      }
      if (mask & OptionBit.SACK) seg.sack = sackBlocks(packet, payloadAt - u8[a.headerLength + i]!, payloadAt);
    }
    // The IP ECN field (RFC 3168 §5) for the engine's ECN: the low 2 bits of the IPv4 TOS byte
    // or of the IPv6 traffic class (which straddles bytes 0 and 1). Packets are raw IP here.
    const ecn = (u8[a.ipVersion + i] === 4 ? packet[1]! : packet[1]! >> 4) & 3;
    if (ecn !== 0) seg.ecn = ecn;
    return seg;
  }
}
