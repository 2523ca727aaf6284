// Hand-built pcap / pcapng bytes (written with DataView, independent of src/pcap/writer.ts) and
// plain, obviously-correct walkers over capture files, to check the parser against.

import { concat } from './frames.js';

export const concatBytes = concat;

// ---------------------------------------------------------------------------------------------
// classic pcap

export interface RawPcapRecord {
  seconds: number;
  /** Microseconds or nanoseconds, as the magic says. */
  fraction: number;
  data: Uint8Array;
  /** orig_len (default data.length). */
  originalLength?: number;
  /** incl_len written into the header (default data.length): lets a test corrupt it. */
  inclLength?: number;
}

export interface RawPcapFile {
  magic: number;
  little: boolean;
  /** The whole 32-bit network / LinkType field, flag bits included. */
  network: number;
  snapLength?: number;
  records: RawPcapRecord[];
}

export const MAGIC_US = 0xa1b2c3d4;
export const MAGIC_NS = 0xa1b23c4d;
export const MAGIC_KUZNETSOV = 0xa1b2cd34;

/** A pcap file; Kuznetsov's magic gets 24-byte record headers with non-zero extra fields. */
export function buildPcap(file: RawPcapFile): Uint8Array {
  const { little } = file;
  const recordHeader = file.magic === MAGIC_KUZNETSOV ? 24 : 16;
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, file.magic, little);
  header.setUint16(4, 2, little);
  header.setUint16(6, 4, little);
  header.setInt32(8, 0, little);
  header.setUint32(12, 0, little);
  header.setUint32(16, file.snapLength ?? 65535, little);
  header.setUint32(20, file.network >>> 0, little);
  const parts: Uint8Array[] = [new Uint8Array(header.buffer)];
  for (const r of file.records) {
    const h = new DataView(new ArrayBuffer(recordHeader));
    h.setUint32(0, r.seconds, little);
    h.setUint32(4, r.fraction, little);
    h.setUint32(8, r.inclLength ?? r.data.length, little);
    h.setUint32(12, r.originalLength ?? r.data.length, little);
    if (recordHeader === 24) {
      h.setUint32(16, 0xdeadbeef, little); // ifindex
      h.setUint16(20, 0x0800, little); // protocol
      h.setUint8(22, 4); // pkt_type
      h.setUint8(23, 0xff); // pad
    }
    parts.push(new Uint8Array(h.buffer), r.data);
  }
  return concatBytes(...parts);
}

export interface WalkedPcapRecord {
  /** File offset of the record header. */
  offset: number;
  seconds: number;
  fraction: number;
  capturedLength: number;
  originalLength: number;
  data: Uint8Array;
}

export interface WalkedPcap {
  little: boolean;
  nanosecond: boolean;
  network: number;
  records: WalkedPcapRecord[];
  /** Offset where an incomplete record (or file header) starts, if the bytes end inside one. */
  incompleteAt: number | undefined;
}

/** Walks a plain (16-byte record header) pcap, stopping at the first incomplete record. */
export function walkPcap(bytes: Uint8Array): WalkedPcap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) {
    return { little: true, nanosecond: false, network: 0, records: [], incompleteAt: 0 };
  }
  const le = view.getUint32(0, true);
  const be = view.getUint32(0, false);
  let little: boolean;
  let magic: number;
  if (le === MAGIC_US || le === MAGIC_NS) [little, magic] = [true, le];
  else if (be === MAGIC_US || be === MAGIC_NS) [little, magic] = [false, be];
  else throw new Error(`walkPcap: not a plain pcap (magic ${le.toString(16)})`);
  const out: WalkedPcap = {
    little,
    nanosecond: magic === MAGIC_NS,
    network: view.getUint32(20, little),
    records: [],
    incompleteAt: undefined,
  };
  let at = 24;
  while (at < bytes.length) {
    if (at + 16 > bytes.length) {
      out.incompleteAt = at;
      break;
    }
    const captured = view.getUint32(at + 8, little);
    if (at + 16 + captured > bytes.length) {
      out.incompleteAt = at;
      break;
    }
    out.records.push({
      offset: at,
      seconds: view.getUint32(at, little),
      fraction: view.getUint32(at + 4, little),
      capturedLength: captured,
      originalLength: view.getUint32(at + 12, little),
      data: bytes.subarray(at + 16, at + 16 + captured),
    });
    at += 16 + captured;
  }
  return out;
}

/** Nanoseconds since the epoch of a walked record. */
export function walkedTimestampNs(file: WalkedPcap, r: WalkedPcapRecord): bigint {
  return BigInt(r.seconds) * 1_000_000_000n + BigInt(r.fraction) * (file.nanosecond ? 1n : 1000n);
}

// ---------------------------------------------------------------------------------------------
// pcapng

/** A block: type, total length, body padded to 4 bytes, trailing total length. */
export function ngBlock(type: number, body: Uint8Array, little: boolean): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type >>> 0, little);
  v.setUint32(4, total, little);
  out.set(body, 8);
  v.setUint32(total - 4, total, little);
  return out;
}

/** One option: code, length, value padded to 4 bytes. */
export function ngOption(code: number, value: Uint8Array, little: boolean): Uint8Array {
  const out = new Uint8Array(4 + ((value.length + 3) & ~3));
  const v = new DataView(out.buffer);
  v.setUint16(0, code, little);
  v.setUint16(2, value.length, little);
  out.set(value, 4);
  return out;
}

export const NG_END_OF_OPTIONS = new Uint8Array(4);

export function ngShb(little: boolean, options: Uint8Array[] = []): Uint8Array {
  const body = new DataView(new ArrayBuffer(16));
  body.setUint32(0, 0x1a2b3c4d, little);
  body.setUint16(4, 1, little);
  body.setUint16(6, 0, little);
  body.setBigInt64(8, -1n, little);
  const opts = options.length > 0 ? [...options, NG_END_OF_OPTIONS] : [];
  return ngBlock(0x0a0d0d0a, concatBytes(new Uint8Array(body.buffer), ...opts), little);
}

export function ngIdb(little: boolean, linkType: number, snapLength: number, options: Uint8Array[] = []): Uint8Array {
  const body = new DataView(new ArrayBuffer(8));
  body.setUint16(0, linkType, little);
  body.setUint16(2, 0, little);
  body.setUint32(4, snapLength, little);
  const opts = options.length > 0 ? [...options, NG_END_OF_OPTIONS] : [];
  return ngBlock(1, concatBytes(new Uint8Array(body.buffer), ...opts), little);
}

export function tsresolOption(value: number, little: boolean): Uint8Array {
  return ngOption(9, Uint8Array.of(value), little);
}

export function tsoffsetOption(seconds: bigint, little: boolean): Uint8Array {
  const value = new DataView(new ArrayBuffer(8));
  value.setBigInt64(0, seconds, little);
  return ngOption(14, new Uint8Array(value.buffer), little);
}

/** Enhanced packet block; `capturedLength` overrides the field (for corrupt-length tests). */
export function ngEpb(
  little: boolean,
  interfaceId: number,
  units: bigint,
  data: Uint8Array,
  originalLength = data.length,
  capturedLength = data.length,
  options: Uint8Array[] = [],
): Uint8Array {
  const head = new DataView(new ArrayBuffer(20));
  head.setUint32(0, interfaceId, little);
  head.setUint32(4, Number(units >> 32n), little);
  head.setUint32(8, Number(units & 0xffffffffn), little);
  head.setUint32(12, capturedLength, little);
  head.setUint32(16, originalLength, little);
  const padded = new Uint8Array((data.length + 3) & ~3);
  padded.set(data);
  const opts = options.length > 0 ? [...options, NG_END_OF_OPTIONS] : [];
  return ngBlock(6, concatBytes(new Uint8Array(head.buffer), padded, ...opts), little);
}

/** Simple packet block: original length then the (possibly shortened) packet bytes. */
export function ngSpb(little: boolean, originalLength: number, data: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4));
  head.setUint32(0, originalLength, little);
  return ngBlock(3, concatBytes(new Uint8Array(head.buffer), data), little);
}

/** The obsolete packet block (type 2): 16-bit interface id and drops count. */
export function ngPb(
  little: boolean,
  interfaceId: number,
  drops: number,
  units: bigint,
  data: Uint8Array,
  originalLength = data.length,
): Uint8Array {
  const head = new DataView(new ArrayBuffer(20));
  head.setUint16(0, interfaceId, little);
  head.setUint16(2, drops, little);
  head.setUint32(4, Number(units >> 32n), little);
  head.setUint32(8, Number(units & 0xffffffffn), little);
  head.setUint32(12, data.length, little);
  head.setUint32(16, originalLength, little);
  return ngBlock(2, concatBytes(new Uint8Array(head.buffer), data), little);
}

export interface WalkedBlock {
  offset: number;
  type: number;
  total: number;
}

export interface WalkedPcapngPacket {
  offset: number;
  interfaceId: number;
  linkType: number;
  /** Raw timestamp units (the corpus files use the default microseconds). */
  units: bigint;
  capturedLength: number;
  originalLength: number;
  data: Uint8Array;
}

export interface WalkedPcapng {
  blocks: WalkedBlock[];
  packets: WalkedPcapngPacket[];
  incompleteAt: number | undefined;
}

/**
 * Walks a little-endian pcapng made of SHB, option-less IDBs and EPBs (what the corpus holds);
 * stops at the first incomplete block. Throws on anything else so a test cannot silently pass.
 */
export function walkPcapng(bytes: Uint8Array): WalkedPcapng {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: WalkedPcapng = { blocks: [], packets: [], incompleteAt: undefined };
  const links: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) {
      out.incompleteAt = at;
      break;
    }
    const type = view.getUint32(at, true);
    const total = view.getUint32(at + 4, true);
    if (at + total > bytes.length) {
      out.incompleteAt = at;
      break;
    }
    if (view.getUint32(at + total - 4, true) !== total) throw new Error('walkPcapng: trailer mismatch');
    out.blocks.push({ offset: at, type, total });
    if (type === 0x0a0d0d0a) {
      if (view.getUint32(at + 8, true) !== 0x1a2b3c4d) throw new Error('walkPcapng: only little-endian sections');
      links.length = 0;
    } else if (type === 1) {
      if (total !== 20) throw new Error('walkPcapng: IDB options not supported here');
      links.push(view.getUint16(at + 8, true));
    } else if (type === 6) {
      const id = view.getUint32(at + 8, true);
      const captured = view.getUint32(at + 20, true);
      const linkType = links[id];
      if (linkType === undefined) throw new Error('walkPcapng: undeclared interface');
      out.packets.push({
        offset: at,
        interfaceId: id,
        linkType,
        units: (BigInt(view.getUint32(at + 12, true)) << 32n) | BigInt(view.getUint32(at + 16, true)),
        capturedLength: captured,
        originalLength: view.getUint32(at + 24, true),
        data: bytes.subarray(at + 28, at + 28 + captured),
      });
    } else {
      throw new Error(`walkPcapng: block type ${type} not expected in the corpus`);
    }
    at += total;
  }
  return out;
}
