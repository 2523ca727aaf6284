// Incremental pcap / pcapng parser: feed it bytes as they arrive, take out complete records.
// Formats: pcap (both byte orders, microsecond and nanosecond magic, Kuznetsov's modified pcap)
// and pcapng (SHB, IDB with per-interface link type and timestamp resolution/offset, EPB, SPB,
// the obsolete PB; other blocks skipped; several sections with different byte orders).

import { DecodeError } from '../wire/errors.js';
import { COLUMN_BYTES, RecordBatchBuilder, splitNs, type RecordBatch } from './batch.js';
import type { CaptureRecord } from './record.js';

export type { CaptureRecord } from './record.js';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BLOCK_IDB = 1;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;

const IDB_OPTION_TSRESOL = 9;
const IDB_OPTION_TSOFFSET = 14;

/** Largest record accepted: guards memory against a corrupt length field. */
export const MAX_RECORD_BYTES = 64 << 20;
/** Largest pcap frame when the header's snap length is smaller (libpcap's own ceiling). */
const PCAP_DEFAULT_MAX_FRAME = 262144;

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per second, and the units → ns conversion. */
  unitsPerSecond: bigint;
  offsetSeconds: bigint;
}

type Format = 'unknown' | 'pcap' | 'pcapng';

const NS_PER_SECOND = 1_000_000_000n;
const EMPTY = new Uint8Array(0);

function toNs(units: bigint, unitsPerSecond: bigint): bigint {
  if (unitsPerSecond === NS_PER_SECOND) return units;
  if (unitsPerSecond < NS_PER_SECOND && NS_PER_SECOND % unitsPerSecond === 0n)
    return units * (NS_PER_SECOND / unitsPerSecond);
  return (units * NS_PER_SECOND) / unitsPerSecond;
}

/**
 * An incremental pcap/pcapng parser: `push` bytes as they arrive, take the complete records with
 * `drain()` (or `RecordBatch`es with `drainBatches()`), and call `end()` when the input ends.
 */
export class CaptureParser {
  #format: Format = 'unknown';
  #buffer: Uint8Array = new Uint8Array(0);
  #pos = 0;
  /** File offset of buffer[0]. */
  #base = 0;
  #index = 0;
  #little = true;
  // pcap
  #pcapLinkType = 0;
  #pcapNs = false;
  #pcapRecordHeader = 16;
  #pcapMaxFrame = PCAP_DEFAULT_MAX_FRAME;
  // pcapng
  #interfaces: Interface[] = [];
  /** Set while drainBatches runs: records go into it instead of becoming objects. */
  #batch: RecordBatchBuilder | null = null;
  /**
   * A chunk waiting behind a bridge: when a record straddles two chunks, `buffer` holds just
   * that record (the old tail plus the chunk's first `pendingAt` bytes) and parsing continues
   * in `pending` at `pendingAt` once it is read. Copying one record instead of joining the
   * tail to the whole chunk saves a copy of every chunk.
   */
  #pending: Uint8Array | null = null;
  #pendingAt = 0;

  /**
   * @internal Where drainBatches lays a batch's columns (a buffer of at least the bytes asked
   * for); unset, each batch gets a new one. For readers that recycle batches (read-in-place.ts).
   */
  columnBuffer: ((bytes: number) => ArrayBuffer) | undefined = undefined;

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.#base + this.#pos;
  }

  /** Adds bytes; take the records they complete with drain(). */
  push(chunk: Uint8Array): void {
    if (this.#pending !== null) {
      // Pushed again before draining the last push: fold the bridge and its chunk back into one.
      this.#advance();
      if (this.#pending !== null) this.#join(this.#pending.subarray(this.#pendingAt));
      this.#pending = null;
    }
    if (this.#pos >= this.#buffer.length) {
      this.#base += this.#buffer.length;
      this.#buffer = chunk;
      this.#pos = 0;
      return;
    }
    if (chunk.length === 0) return;
    // Records already handed out keep pointing into the old buffers, which are never written
    // again; only unread bytes are copied.
    const rest = this.#buffer.length - this.#pos;
    const need = this.#straddlerLength(chunk);
    if (need > rest && need - rest < chunk.length && need <= chunk.length >> 2) {
      const bridge = new Uint8Array(need);
      bridge.set(this.#buffer.subarray(this.#pos));
      bridge.set(chunk.subarray(0, need - rest), rest);
      this.#base += this.#pos;
      this.#buffer = bridge;
      this.#pos = 0;
      this.#pending = chunk;
      this.#pendingAt = need - rest;
    } else {
      this.#join(chunk);
    }
  }

  /**
   * @internal For a reader that moves the unread bytes itself (read-in-place.ts): `buffer`
   * starts with the bytes not yet read (from `offset` on), which the caller copied there, and
   * continues with new ones. Nothing is copied or joined, so records are views of `buffer`.
   * Only after every record pushed so far was drained (no bridge pending).
   */
  refill(buffer: Uint8Array): void {
    if (this.#pending !== null) throw new Error('CaptureParser.refill: drain the records pushed before');
    this.#base += this.#pos;
    this.#buffer = buffer;
    this.#pos = 0;
  }

  /**
   * @internal The full length (header included) of the record or block that starts at `offset`,
   * when its header is complete and the length is one the parser accepts; else 0. A reader sizes
   * its buffer by it when a record is larger than a read.
   */
  get wanted(): number {
    return this.#straddlerLength(EMPTY);
  }

  /** Appends `chunk` to the unread bytes, in a new buffer. */
  #join(chunk: Uint8Array): void {
    const rest = this.#buffer.subarray(this.#pos);
    const joined = new Uint8Array(rest.length + chunk.length);
    joined.set(rest);
    joined.set(chunk, rest.length);
    this.#base += this.#pos;
    this.#buffer = joined;
    this.#pos = 0;
  }

  /**
   * The length of the record or block that starts with the unread bytes and continues into
   * `chunk`, or 0 when it cannot be told cheaply (file header, section header, a header not
   * yet complete even with the chunk, or a length the parser will refuse anyway).
   */
  #straddlerLength(chunk: Uint8Array): number {
    const head = this.#format === 'pcap' ? this.#pcapRecordHeader : this.#format === 'pcapng' ? 12 : 0;
    const rest = this.#buffer.length - this.#pos;
    if (head === 0 || rest + chunk.length < head) return 0;
    const at = (i: number) =>
      this.#pos + i < this.#buffer.length ? this.#buffer[this.#pos + i]! : chunk[this.#pos + i - this.#buffer.length]!;
    const u32 = (i: number) =>
      this.#little
        ? (at(i) | (at(i + 1) << 8) | (at(i + 2) << 16) | (at(i + 3) << 24)) >>> 0
        : ((at(i) << 24) | (at(i + 1) << 16) | (at(i + 2) << 8) | at(i + 3)) >>> 0;
    if (this.#format === 'pcap') {
      const captured = u32(8);
      return captured > this.#pcapMaxFrame ? 0 : head + captured;
    }
    // A section header may switch the byte order: leave it to the ordinary path.
    if (((at(0) << 24) | (at(1) << 16) | (at(2) << 8) | at(3)) >>> 0 === PCAPNG_SHB) return 0;
    const total = u32(4);
    return total < 12 || total % 4 !== 0 || total > MAX_RECORD_BYTES ? 0 : total;
  }

  /** Moves from a fully read bridge to the chunk behind it; true when it did. */
  #advance(): boolean {
    if (this.#pending === null || this.#pos < this.#buffer.length) return false;
    // The bridge ended at file offset base + buffer.length, which is pending[pendingAt].
    this.#base += this.#buffer.length - this.#pendingAt;
    this.#buffer = this.#pending;
    this.#pos = this.#pendingAt;
    this.#pending = null;
    return true;
  }

  /**
   * Yields every complete record pushed so far. On corrupt framing it yields everything before
   * the fault and then throws DecodeError with the fault's file offset.
   */
  *drain(): Generator<CaptureRecord, void, undefined> {
    for (;;) {
      const record = this.#next();
      if (record === undefined) {
        if (this.#advance()) continue;
        return;
      }
      if (record !== null) yield record;
    }
  }

  /**
   * As drain(), but yields the records as RecordBatch columns of up to `maxRecords` each: no
   * object per record, and each batch can go to decodeBatch as it is. Record data are views of
   * the parser's current buffer, exactly as drain()'s are. On corrupt framing it yields the
   * records before the fault (in a last, shorter batch) and then throws, as drain() does.
   */
  *drainBatches(maxRecords = 4096): Generator<RecordBatch, void, undefined> {
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError('maxRecords must be a positive integer');
    for (;;) {
      // Every record takes at least 16 bytes of file, so the bytes left bound the batch: no
      // 4096-row batch allocated only to find the last partial record of a chunk.
      const capacity = Math.min(maxRecords, Math.floor(this.#available() / 16) + 1);
      const batch = new RecordBatchBuilder(
        this.#buffer,
        this.#index + 1,
        capacity,
        this.columnBuffer?.(capacity * COLUMN_BYTES),
      );
      let more = true;
      let fault: unknown;
      this.#batch = batch;
      try {
        while (!batch.full) {
          // Records land in the batch; next() returns null for them and for blocks without one.
          if (this.#next() === undefined) {
            more = false;
            break;
          }
        }
      } catch (error) {
        fault = error;
      } finally {
        this.#batch = null;
      }
      if (batch.count > 0) yield batch.finish();
      if (fault !== undefined) throw fault;
      // A batch never spans two buffers: past a bridge, the next one starts in the chunk.
      if (!more && !this.#advance()) return;
    }
  }

  /** Call after the last chunk: throws DecodeError when the input stopped inside a record. */
  end(): void {
    this.#advance();
    const left =
      this.#buffer.length - this.#pos + (this.#pending === null ? 0 : this.#pending.length - this.#pendingAt);
    if (this.#format === 'unknown') {
      throw new DecodeError(
        left === 0 ? 'BAD_CAPTURE' : 'TRUNCATED',
        left === 0 ? 'empty file: not a pcap or pcapng capture' : `file ends inside the capture header (${left} bytes)`,
        this.offset,
      );
    }
    if (left > 0) {
      throw new DecodeError(
        'TRUNCATED',
        `capture ends inside a record at byte ${this.offset} (${left} bytes left over)`,
        this.offset,
      );
    }
  }

  #available(): number {
    return this.#buffer.length - this.#pos;
  }

  #u16(at: number): number {
    const b = this.#buffer;
    return this.#little ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
  }

  #u32(at: number): number {
    const b = this.#buffer;
    return this.#little
      ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
      : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  #fail(message: string, at = this.offset): never {
    throw new DecodeError('BAD_CAPTURE', `${message} at byte ${at}`, at);
  }

  /** A record, null for a block that yields none, undefined when more bytes are needed. */
  #next(): CaptureRecord | null | undefined {
    if (this.#format === 'unknown') return this.#readFileHeader();
    return this.#format === 'pcap' ? this.#readPcapRecord() : this.#readPcapngBlock();
  }

  #readFileHeader(): null | undefined {
    if (this.#available() < 4) return undefined;
    const p = this.#pos;
    const b = this.#buffer;
    const be = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    const le = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    if (be === PCAPNG_SHB) {
      this.#format = 'pcapng';
      return null;
    }
    for (const [magic, little] of [
      [be, false],
      [le, true],
    ] as const) {
      if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_MODIFIED) {
        if (this.#available() < 24) return undefined;
        this.#little = little;
        this.#format = 'pcap';
        this.#pcapNs = magic === PCAP_MAGIC_NS;
        this.#pcapRecordHeader = magic === PCAP_MAGIC_MODIFIED ? 24 : 16;
        const snapLength = this.#u32(p + 16);
        this.#pcapMaxFrame = Math.min(MAX_RECORD_BYTES, Math.max(PCAP_DEFAULT_MAX_FRAME, snapLength));
        // The low 16 bits are the link type; the upper bits carry FCS-length flags.
        this.#pcapLinkType = this.#u32(p + 20) & 0xffff;
        this.#pos += 24;
        return null;
      }
    }
    if (b[p] === 0x1f && b[p + 1] === 0x8b) this.#fail('gzip data where a capture was expected (decompress first)');
    this.#fail(`not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')})`);
  }

  #readPcapRecord(): CaptureRecord | null | undefined {
    const h = this.#pcapRecordHeader;
    if (this.#available() < h) return undefined;
    const p = this.#pos;
    const seconds = this.#u32(p);
    const fraction = this.#u32(p + 4);
    const captured = this.#u32(p + 8);
    const original = this.#u32(p + 12);
    if (captured > this.#pcapMaxFrame) {
      this.#fail(
        `record ${this.#index + 1} claims ${captured} captured bytes (limit ${this.#pcapMaxFrame}): corrupt record header`,
      );
    }
    if (this.#available() < h + captured) return undefined;
    this.#pos += h + captured;
    if (this.#batch !== null) {
      let ns = this.#pcapNs ? fraction : fraction * 1000;
      let s = seconds;
      if (ns >= 1e9) {
        // A corrupt fraction field: carry it into the seconds, as the BigInt sum below does.
        s += Math.floor(ns / 1e9);
        ns %= 1e9;
      }
      ++this.#index;
      this.#batch.add(this.#pcapLinkType, s, ns, p + h, captured, original);
      return null;
    }
    return {
      index: ++this.#index,
      linkType: this.#pcapLinkType,
      timestampNs: BigInt(seconds) * NS_PER_SECOND + BigInt(this.#pcapNs ? fraction : fraction * 1000),
      capturedLength: captured,
      originalLength: original,
      data: this.#buffer.subarray(p + h, p + h + captured),
    };
  }

  #readPcapngBlock(): CaptureRecord | null | undefined {
    if (this.#available() < 12) return undefined;
    const p = this.#pos;
    const b = this.#buffer;
    const typeBe = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    if (typeBe === PCAPNG_SHB) {
      // A section header sets the byte order for everything up to the next one.
      const magic = (b[p + 8]! | (b[p + 9]! << 8) | (b[p + 10]! << 16) | (b[p + 11]! << 24)) >>> 0;
      if (magic === PCAPNG_BYTE_ORDER_MAGIC) this.#little = true;
      else if (magic === 0x4d3c2b1a) this.#little = false;
      else this.#fail('pcapng section header with a bad byte-order magic');
      this.#interfaces = [];
    }
    const type = this.#u32(p);
    const total = this.#u32(p + 4);
    if (total < 12 || total % 4 !== 0 || total > MAX_RECORD_BYTES) {
      this.#fail(`pcapng block of type 0x${type.toString(16)} with impossible length ${total}`);
    }
    if (this.#available() < total) return undefined;
    if (this.#u32(p + total - 4) !== total) {
      this.#fail(`pcapng block of type 0x${type.toString(16)} whose trailing length does not match ${total}`);
    }
    this.#pos += total;
    const body = p + 8;
    const bodyLength = total - 12;
    switch (type) {
      case PCAPNG_SHB:
        if (bodyLength < 16) this.#fail('pcapng section header too short', this.#base + p);
        return null;
      case BLOCK_IDB:
        this.#readInterface(body, bodyLength, p);
        return null;
      case BLOCK_EPB:
        return this.#readPacketBlock(body, bodyLength, p, false);
      case BLOCK_SPB:
        return this.#readSimplePacket(body, bodyLength, p);
      case BLOCK_PB:
        return this.#readPacketBlock(body, bodyLength, p, true);
      default:
        return null;
    }
  }

  #readInterface(body: number, length: number, blockAt: number): void {
    if (length < 8) this.#fail('pcapng interface description too short', this.#base + blockAt);
    const iface: Interface = {
      linkType: this.#u16(body),
      snapLength: this.#u32(body + 4),
      unitsPerSecond: 1_000_000n,
      offsetSeconds: 0n,
    };
    let o = body + 8;
    const end = body + length;
    while (o + 4 <= end) {
      const code = this.#u16(o);
      const optLength = this.#u16(o + 2);
      if (code === 0) break;
      const value = o + 4;
      if (value + optLength > end) this.#fail('pcapng interface option runs past its block', this.#base + o);
      if (code === IDB_OPTION_TSRESOL && optLength >= 1) {
        const r = this.#buffer[value]!;
        const exponent = BigInt(r & 0x7f);
        iface.unitsPerSecond = r & 0x80 ? 1n << exponent : 10n ** exponent;
      } else if (code === IDB_OPTION_TSOFFSET && optLength >= 8) {
        const hi = BigInt(this.#u32(this.#little ? value + 4 : value));
        const lo = BigInt(this.#u32(this.#little ? value : value + 4));
        iface.offsetSeconds = BigInt.asIntN(64, (hi << 32n) | lo);
      }
      o = value + ((optLength + 3) & ~3);
    }
    this.#interfaces.push(iface);
  }

  #interfaceAt(id: number, blockAt: number): Interface {
    const iface = this.#interfaces[id];
    if (!iface) this.#fail(`packet block names interface ${id}, which was not described`, this.#base + blockAt);
    return iface;
  }

  #timestamp(iface: Interface, high: number, low: number): bigint {
    const units = (BigInt(high) << 32n) | BigInt(low);
    return toNs(units, iface.unitsPerSecond) + iface.offsetSeconds * NS_PER_SECOND;
  }

  #packet(iface: Interface, ts: bigint, data: number, captured: number, original: number): CaptureRecord | null {
    if (this.#batch !== null) {
      ++this.#index;
      const [seconds, ns] = splitNs(ts);
      this.#batch.add(iface.linkType, seconds, ns, data, captured, original);
      return null;
    }
    return {
      index: ++this.#index,
      linkType: iface.linkType,
      timestampNs: ts,
      capturedLength: captured,
      originalLength: original,
      data: this.#buffer.subarray(data, data + captured),
    };
  }

  /**
   * Enhanced packet block, or the obsolete packet block it replaced: the same layout except
   * that the older one has a 16-bit interface id followed by a 16-bit drops count.
   */
  #readPacketBlock(body: number, length: number, blockAt: number, obsolete: boolean): CaptureRecord | null {
    if (length < 20) this.#fail('pcapng packet block too short', this.#base + blockAt);
    const iface = this.#interfaceAt(obsolete ? this.#u16(body) : this.#u32(body), blockAt);
    const captured = this.#u32(body + 12);
    if (captured > length - 20)
      this.#fail(`pcapng packet of ${captured} bytes overruns its block`, this.#base + blockAt);
    const ts = this.#timestamp(iface, this.#u32(body + 4), this.#u32(body + 8));
    return this.#packet(iface, ts, body + 20, captured, this.#u32(body + 16));
  }

  #readSimplePacket(body: number, length: number, blockAt: number): CaptureRecord | null {
    if (length < 4) this.#fail('pcapng simple packet block too short', this.#base + blockAt);
    const iface = this.#interfaceAt(0, blockAt);
    const original = this.#u32(body);
    let captured = Math.min(original, length - 4);
    if (iface.snapLength > 0) captured = Math.min(captured, iface.snapLength);
    // A simple packet block has no timestamp.
    return this.#packet(iface, 0n, body + 4, captured, original);
  }
}
