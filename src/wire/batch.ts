// decodeBatch: many frames per WebAssembly call, results as typed-array columns (SegmentTable)
// with no object created per packet.

import { DecodeError, type DecodeErrorCode } from './errors.js';
import { formatAddress } from '../base/address.js';
import { STATUS_NAMES } from './layout.js';
import { columnSlots, columnSpan, typedView, type Column, type ColumnSlot, type TypedColumn } from './columns.js';
import { BATCH_ROWS, INPUT_CHUNK_BYTES, codec, type Codec } from './module.js';

/** Frames laid out in one buffer: frame i is data[offsets[i], offsets[i] + lengths[i]). */
export interface PackedFrames {
  data: Uint8Array;
  offsets: ArrayLike<number>;
  lengths: ArrayLike<number>;
}

export interface BatchOptions {
  /** Verify TCP checksums (default true). Off, checksumState is UNCHECKED (3). */
  verifyChecksums?: boolean;
  /** Each frame's length on the wire (capture records' originalLength); see decodeFrame. */
  originalLengths?: ArrayLike<number>;
  /**
   * A table from an earlier call to fill again instead of allocating one, when it has as many
   * rows as this batch has frames (capture batches mostly do); otherwise a new table is made.
   * Its previous rows are overwritten, so use it only once nothing reads them any more.
   */
  into?: SegmentTable;
}

/**
 * Each table's column bytes as one array, in the WASM batch area's layout for its row count,
 * so decodeBatch fills a table of up to BATCH_ROWS rows with one copy. Kept outside the class
 * so it is no part of SegmentTable's public face.
 */
const rawColumns = new WeakMap<SegmentTable, Uint8Array>();

/** Set by SegmentTable's static block: gives a reused table the frames of its new batch. */
let rebindFrames: (table: SegmentTable, frame: (i: number) => Uint8Array) => void;

/**
 * All columns of a table as views into one ArrayBuffer laid out as the WASM batch area is for a
 * capacity of `length` rows: one allocation per table instead of one per column (each off-heap
 * typed-array allocation costs about a microsecond in V8), and a table of up to BATCH_ROWS rows
 * is filled by one copy of the whole area.
 */
function allocateColumns(slots: readonly ColumnSlot[], length: number, into: Record<Column, TypedColumn>): Uint8Array {
  let size = 0;
  for (const s of slots) size += columnSpan(s.width, length);
  const buffer = new ArrayBuffer(size);
  let at = 0;
  for (const { name, width } of slots) {
    into[name] = typedView(width, buffer, at, length);
    at += columnSpan(width, length);
  }
  return new Uint8Array(buffer);
}

/** Bits of `SegmentTable.fragment`. */
export const FragmentBit = Object.freeze({
  /** The datagram is a fragment: IPv4 MF or a non-zero offset, or an IPv6 Fragment header. */
  FRAGMENT: 1,
  /** More fragments follow (IPv4 MF, IPv6 M). */
  MORE: 2,
  /** Not the first fragment (a non-zero offset). */
  LATER: 4,
} as const);

/**
 * Decoded segments as columns: row i describes frame i. Rows whose status is not 0 hold zeros
 * (checksumState 2) but for the IP columns ipChecksumState and fragment. Offsets are relative to the start of the row's frame.
 */
export class SegmentTable {
  readonly length: number;
  /** 0 when the frame decoded as TCP; otherwise see error(i). */
  readonly status!: Uint8Array;
  readonly ipVersion!: Uint8Array;
  /** ChecksumState: 0 good, 1 bad, 2 unverifiable, 3 unchecked. */
  readonly checksumState!: Uint8Array;
  /** TCP header length in bytes. */
  readonly headerLength!: Uint8Array;
  /** Valid where optionMask has OptionBit.WINDOW_SCALE. */
  readonly windowScale!: Uint8Array;
  /** OptionBit flags of the typed options present. */
  readonly optionMask!: Uint8Array;
  readonly flags!: Uint16Array;
  readonly srcPort!: Uint16Array;
  readonly dstPort!: Uint16Array;
  readonly window!: Uint16Array;
  readonly urgentPointer!: Uint16Array;
  readonly checksum!: Uint16Array;
  /** Valid where optionMask has OptionBit.MSS. */
  readonly mss!: Uint16Array;
  readonly seq!: Uint32Array;
  readonly ack!: Uint32Array;
  /** Valid where optionMask has OptionBit.TIMESTAMP. */
  readonly tsValue!: Uint32Array;
  readonly tsEcho!: Uint32Array;
  readonly payloadOffset!: Uint32Array;
  /** Payload bytes present in the capture (`payload(i).length`). */
  readonly capturedPayloadLength!: Uint32Array;
  /** Payload bytes on the wire, from the IP length (DecodedPacket.payloadLength). */
  readonly payloadLength!: Uint32Array;
  /** Where the IP source / destination address bytes sit in the frame (4 or 16 by ipVersion). */
  readonly srcAddressOffset!: Uint32Array;
  readonly dstAddressOffset!: Uint32Array;
  /**
   * IPv4 header checksum, as ChecksumState: GOOD, BAD, or UNVERIFIABLE for IPv6 (which has
   * none) and headers not wholly captured. Filled whenever the IP header was read, also for
   * rows that are not TCP.
   */
  readonly ipChecksumState!: Uint8Array;
  /** FragmentBit flags, filled like ipChecksumState: is the datagram a fragment, which one. */
  readonly fragment!: Uint8Array;
  #frame: (i: number) => Uint8Array;

  static {
    // decodeBatch's `into` points a reused table at the new batch's frames; module-private.
    rebindFrames = (table, frame) => {
      table.#frame = frame;
    };
  }

  /** @internal built by decodeBatch */
  constructor(length: number, slots: readonly ColumnSlot[], frame: (i: number) => Uint8Array) {
    this.length = length;
    rawColumns.set(this, allocateColumns(slots, length, this as unknown as Record<Column, TypedColumn>));
    this.#frame = frame;
  }

  /** The error code of row i, or undefined when it decoded. */
  error(i: number): DecodeErrorCode | undefined {
    const s = this.status[i];
    return s ? (STATUS_NAMES[s] as DecodeErrorCode) : undefined;
  }

  /** The bytes of frame i as given to decodeBatch. */
  frame(i: number): Uint8Array {
    return this.#frame(i);
  }

  /** Captured payload of row i: a view into the input, not a copy. */
  payload(i: number): Uint8Array {
    const off = this.payloadOffset[i]!;
    return this.#frame(i).subarray(off, off + this.capturedPayloadLength[i]!);
  }

  srcAddress(i: number): string {
    if (this.status[i]) throw new DecodeError(this.error(i)!, `row ${i} did not decode`);
    return formatAddress(this.#frame(i), this.srcAddressOffset[i]!, this.ipVersion[i] as 4 | 6);
  }

  dstAddress(i: number): string {
    if (this.status[i]) throw new DecodeError(this.error(i)!, `row ${i} did not decode`);
    return formatAddress(this.#frame(i), this.dstAddressOffset[i]!, this.ipVersion[i] as 4 | 6);
  }
}

function isPacked(input: readonly Uint8Array[] | PackedFrames): input is PackedFrames {
  return !Array.isArray(input);
}

/**
 * Decodes many frames with one WebAssembly call per chunk of up to 4096 frames. `frames` is an
 * array of frames, or one buffer with offsets and lengths. `linkType` is one link type for all
 * frames or one per frame. Never throws for bad packets: row i's status says what went wrong.
 */
export function decodeBatch(
  frames: readonly Uint8Array[] | PackedFrames,
  linkType: number | ArrayLike<number>,
  options: BatchOptions = {},
): SegmentTable {
  return decodeBatchWith(codec(), frames, linkType, options);
}

export function decodeBatchWith(
  c: Codec,
  frames: readonly Uint8Array[] | PackedFrames,
  linkType: number | ArrayLike<number>,
  options: BatchOptions = {},
): SegmentTable {
  const packed = isPacked(frames);
  const count = packed ? frames.offsets.length : frames.length;
  if (packed) {
    if (!(frames.data instanceof Uint8Array)) throw new TypeError('frames.data must be a Uint8Array');
    if (frames.lengths.length !== count) throw new RangeError('frames.offsets and frames.lengths differ in length');
  }
  if (typeof linkType !== 'number' && linkType.length !== count) {
    throw new RangeError(`linkType has ${linkType.length} entries for ${count} frames`);
  }
  const originals = options.originalLengths;
  if (originals !== undefined && originals.length !== count) {
    throw new RangeError(`originalLengths has ${originals.length} entries for ${count} frames`);
  }
  // A batch of one chunk has its frames checked while they are staged (one pass, not two); a
  // larger one first, so that no chunk is decoded into the table before a bad frame throws.
  if (packed) {
    if (count > BATCH_ROWS) checkPacked(frames, count);
  } else {
    checkFrames(frames, count);
  }
  checkLinkTypes(linkType, count);

  const frameAt = packed
    ? (i: number) => frames.data.subarray(frames.offsets[i]!, frames.offsets[i]! + frames.lengths[i]!)
    : (i: number) => frames[i]!;
  const slots = columnSlots(c);
  // A reused table of this length has the layout below (rows decide it), so it is filled the same
  // way as a new one: every row and column is overwritten. Saves an ArrayBuffer and 22 views per
  // batch, which the garbage collector otherwise spends about a tenth of a flows run on.
  const reuse = options.into;
  let table: SegmentTable;
  if (reuse !== undefined && reuse.length === count && rawColumns.has(reuse)) {
    table = reuse;
    rebindFrames(table, frameAt);
  } else {
    table = new SegmentTable(count, slots, frameAt);
  }
  const verify = options.verifyChecksums === false ? 0 : 1;
  // Columns laid out for min(count, BATCH_ROWS) rows: when one chunk holds every frame, the WASM
  // batch area then matches the table's buffer byte for byte and leaves in one copy.
  const capacity = Math.max(1, Math.min(count, BATCH_ROWS));
  c.configureColumns(capacity);

  let row = 0;
  while (row < count) {
    const rows = packed ? stagePacked(c, frames, row, count) : stageArray(c, frames, row, count);
    const words = c.u32();
    if (typeof linkType !== 'number') {
      const view = c.dataView();
      for (let k = 0; k < rows; k++) view.setUint16(c.batchLinkTypes + 2 * k, linkType[row + k]!, true);
    }
    if (originals !== undefined) {
      const at = c.batchOriginals >>> 2;
      for (let k = 0; k < rows; k++) words[at + k] = Math.min(originals[row + k]! >>> 0, 0x7fffffff);
    }
    // The staged offsets are relative to stagedBase: where the chunk's buffer (or its copy) lies,
    // or 0 for absolute addresses (frames from different buffers).
    c.exports.decodeBatch(
      stagedBase,
      c.batchOffsets,
      c.batchLengths,
      typeof linkType === 'number' ? 0 : c.batchLinkTypes,
      typeof linkType === 'number' ? linkType : 0,
      originals === undefined ? 0 : c.batchOriginals,
      rows,
      verify,
    );
    if (rows === count) {
      const raw = rawColumns.get(table)!;
      raw.set(c.bytes().subarray(c.batchBase, c.batchBase + raw.length));
    } else {
      copyColumns(c, slots, capacity, table, row, rows);
    }
    row += rows;
  }
  return table;
}

function checkPacked(frames: PackedFrames, count: number): void {
  const { data, offsets, lengths } = frames;
  const size = data.length;
  for (let i = 0; i < count; i++) checkFrame(offsets[i]!, lengths[i]!, size, i);
}

/** Frame i of a packed batch must lie inside its `size`-byte buffer. */
function checkFrame(at: number, length: number, size: number, i: number): void {
  // Integers in range, written so NaN and fractions fail too.
  if (!(at >= 0 && length >= 0 && at + length <= size && (at | 0) === at && (length | 0) === length)) {
    throw new RangeError(`frame ${i} lies outside frames.data`);
  }
}

/**
 * What the staged offsets of the current chunk are relative to: the WASM address of the buffer
 * the frames lie in (the input area, or where it was copied), or 0 when they are absolute.
 * decodeBatch passes it as its data pointer, so no offset is rewritten per frame.
 */
let stagedBase = 0;

function checkFrames(frames: readonly Uint8Array[], count: number): void {
  for (let i = 0; i < count; i++) {
    if (!(frames[i] instanceof Uint8Array)) throw new TypeError(`frame ${i} is not a Uint8Array`);
  }
}

function checkLinkTypes(linkType: number | ArrayLike<number>, count: number): void {
  const bad = (lt: number) => !Number.isInteger(lt) || lt < 0 || lt > 0xffff;
  if (typeof linkType === 'number') {
    if (count > 0 && bad(linkType)) throw new TypeError('link type of frame 0 is not 0..65535');
    return;
  }
  for (let i = 0; i < count; i++) if (bad(linkType[i]!)) throw new TypeError(`link type of frame ${i} is not 0..65535`);
}

/**
 * True when `data` can be decoded where it lies: in the caller's input area, or in a pinned
 * region (a capture read in place, a TUN device's receive area), which the codec never writes.
 */
function inPlace(c: Codec, data: Uint8Array): boolean {
  return c.isResident(data) || c.pinnedAt(data, data.byteOffset, data.length) >= 0;
}

/**
 * Puts a chunk of packed frames in WASM memory and writes their addresses and lengths. Frames
 * of one buffer are copied as the one span they cover (a memcpy, not a call per frame), or not
 * at all when the buffer is the input area. Returns the chunk's row count.
 */
function stagePacked(c: Codec, frames: PackedFrames, row: number, count: number): number {
  const { data, offsets, lengths } = frames;
  const size = data.length;
  const words = c.u32();
  const o = c.batchOffsets >>> 2;
  const l = c.batchLengths >>> 2;
  if (c.isResident(data)) {
    // Zero-copy: the frames are read where they lie, so neither their span nor their bytes per
    // chunk matter (no copy area to fit). One pass checks them and writes offsets and lengths.
    let rows = 0;
    for (const stop = Math.min(count - row, BATCH_ROWS); rows < stop; rows++) {
      const at = offsets[row + rows]!;
      const length = lengths[row + rows]!;
      checkFrame(at, length, size, row + rows);
      words[o + rows] = at;
      words[l + rows] = length;
    }
    stagedBase = data.byteOffset;
    return rows;
  }
  // One pass checks the chunk's frames, finds its rows (by BATCH_ROWS and INPUT_CHUNK_BYTES) and
  // the span they cover, and writes their offsets (relative to the buffer) and lengths.
  let first = Infinity;
  let end = 0;
  let bytes = 0;
  let rows = 0;
  while (row + rows < count && rows < BATCH_ROWS) {
    const at = offsets[row + rows]!;
    const length = lengths[row + rows]!;
    checkFrame(at, length, size, row + rows);
    if (rows > 0 && bytes + length > INPUT_CHUNK_BYTES) break;
    if (at < first) first = at;
    if (at + length > end) end = at + length;
    words[o + rows] = at;
    words[l + rows] = length;
    bytes += length;
    rows++;
  }
  if (rows === 0 || first > end) first = end;
  if (inPlace(c, data)) {
    // A pinned region (a capture read in place): the frames are read where they lie.
    stagedBase = data.byteOffset;
  } else if (end - first <= 2 * bytes + 4096) {
    // A grow by the copy detaches `words`, but what was written through it stays in memory.
    stagedBase = c.copyIn(data.subarray(first, end)) - first;
  } else {
    // Frames scattered thinly over a large buffer: copy each (rare; see stageArray).
    return stageEach(c, (k) => data.subarray(offsets[k]!, offsets[k]! + lengths[k]!), row, rows);
  }
  return rows;
}

/**
 * As stagePacked for an array of frames. Frames that are views of one buffer (the records of
 * a capture read into memory, say) are still copied as one span when they cover it densely;
 * frames already in the input area are not copied at all. One pass over the frames: each
 * typed-array getter (length, byteOffset, buffer) costs several ns on V8's hot path.
 */
function stageArray(c: Codec, frames: readonly Uint8Array[], row: number, count: number): number {
  const buffer = frames[row]!.buffer;
  const words = c.u32();
  const o = c.batchOffsets >>> 2;
  const l = c.batchLengths >>> 2;
  let first = Infinity;
  let end = 0;
  let bytes = 0;
  let rows = 0;
  let shared = true;
  while (row + rows < count && rows < BATCH_ROWS) {
    const f = frames[row + rows]!;
    const length = f.length;
    if (rows > 0 && bytes + length > INPUT_CHUNK_BYTES) break;
    if (shared) {
      if (f.buffer === buffer) {
        const at = f.byteOffset;
        words[o + rows] = at;
        if (at < first) first = at;
        if (at + length > end) end = at + length;
      } else {
        shared = false;
      }
    }
    words[l + rows] = length;
    bytes += length;
    rows++;
  }
  if (!shared || end - first > 2 * bytes + 4096) return stageEach(c, (k) => frames[k]!, row, rows);
  if (rows === 0 || first > end) first = end;
  // Frames in WASM memory are used where they lie only when the whole span is in the caller's
  // input area or in one pinned region; any other view of WASM memory is copied.
  const span = new Uint8Array(buffer, first, end - first);
  // The offsets written are the frames' byteOffsets; a copy may grow memory, which detaches
  // `words` but keeps the values written through it.
  stagedBase = inPlace(c, span) ? 0 : c.copyIn(span) - first;
  return rows;
}

/**
 * Frames from different buffers: each one in the caller's input area stays where it is and the
 * others are copied one after another into the copy area (which lies past the input area).
 */
function stageEach(c: Codec, frameAt: (k: number) => Uint8Array, row: number, rows: number): number {
  // First note where the caller's input-area frames are and how much the others need: growing
  // memory for the copies detaches every view of it, the caller's included.
  const offsets = c.batchOffsets >>> 2;
  const lengths = c.batchLengths >>> 2;
  let words = c.u32();
  let need = 0;
  for (let k = 0; k < rows; k++) {
    const f = frameAt(row + k);
    const resident = c.isResident(f);
    words[offsets + k] = resident ? f.byteOffset : COPY_PENDING;
    words[lengths + k] = f.length;
    if (!resident) need += f.length;
  }
  c.reserveInput(need);
  stagedBase = 0;
  words = c.u32();
  let at = 0;
  for (let k = 0; k < rows; k++) {
    if (words[offsets + k] !== COPY_PENDING) continue;
    const f = frameAt(row + k);
    words[offsets + k] = c.copyIn(f, at);
    at += f.length;
  }
  return rows;
}

/** Marks a frame not yet copied in (no frame starts at the last address of a 4 GiB memory). */
const COPY_PENDING = 0xffffffff;

/** Copies a chunk's rows column by column from a batch area laid out for `capacity` rows. */
function copyColumns(
  c: Codec,
  slots: readonly ColumnSlot[],
  capacity: number,
  table: SegmentTable,
  row: number,
  rows: number,
): void {
  const buffer = c.memoryBuffer();
  let address = c.batchBase;
  for (const { name, width } of slots) {
    (table as unknown as Record<Column, TypedColumn>)[name].set(typedView(width, buffer, address, rows), row);
    address += columnSpan(width, capacity);
  }
}
