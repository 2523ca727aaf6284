// decodeBatch: many frames per WebAssembly call, results as typed-array columns (SegmentTable)
// with no object created per packet.

import { DecodeError, type DecodeErrorCode } from '../errors.js';
import { formatAddress } from './address.js';
import { STATUS_NAMES } from './layout.js';
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
}

type Column = 'status' | 'ipVersion' | 'checksumState' | 'headerLength' | 'windowScale' | 'optionMask'
  | 'flags' | 'srcPort' | 'dstPort' | 'window' | 'urgentPointer' | 'checksum' | 'mss'
  | 'seq' | 'ack' | 'tsValue' | 'tsEcho' | 'payloadOffset' | 'payloadLength' | 'payloadWireLength'
  | 'srcAddressOffset' | 'dstAddressOffset';

/** Table column name -> layout name in the WASM module, in the module's column order. */
const COLUMNS: ReadonlyArray<readonly [Column, string]> = [
  ['status', 'STATUS'], ['ipVersion', 'IP_VERSION'], ['checksumState', 'CHECKSUM_STATE'],
  ['headerLength', 'HEADER_LENGTH'], ['windowScale', 'WINDOW_SCALE'], ['optionMask', 'OPTION_MASK'],
  ['flags', 'FLAGS'], ['srcPort', 'SRC_PORT'], ['dstPort', 'DST_PORT'], ['window', 'WINDOW'],
  ['urgentPointer', 'URGENT'], ['checksum', 'CHECKSUM'], ['mss', 'MSS'], ['seq', 'SEQ'], ['ack', 'ACK'],
  ['tsValue', 'TS_VALUE'], ['tsEcho', 'TS_ECHO'], ['payloadOffset', 'PAYLOAD_OFFSET'],
  ['payloadLength', 'PAYLOAD_LENGTH'], ['payloadWireLength', 'PAYLOAD_WIRE_LENGTH'],
  ['srcAddressOffset', 'SRC_ADDRESS_OFFSET'], ['dstAddressOffset', 'DST_ADDRESS_OFFSET'],
];

type TypedColumn = Uint8Array | Uint16Array | Uint32Array;

/** Where a column lives in a codec's batch area and how wide its elements are. */
interface ColumnSlot {
  readonly name: Column;
  readonly width: number;
  /** Address of the column's first element in WASM memory. */
  readonly address: number;
}

const slotsByCodec = new WeakMap<Codec, readonly ColumnSlot[]>();

/** The batch column layout of a codec: fixed once loaded, so asked of WASM only once. */
function columnSlots(c: Codec): readonly ColumnSlot[] {
  let slots = slotsByCodec.get(c);
  if (!slots) {
    const C = c.layout.COLUMN;
    slots = COLUMNS.map(([name, layoutName]) => {
      const column = C[layoutName as keyof typeof C];
      return { name, width: c.exports.columnWidth(column), address: c.batchBase + c.exports.columnOffset(column, BATCH_ROWS) };
    });
    slotsByCodec.set(c, slots);
  }
  return slots;
}

/**
 * All columns of a table as views into one ArrayBuffer: one allocation per table instead of one
 * per column (each off-heap typed-array allocation costs about a microsecond in V8).
 */
function allocateColumns(slots: readonly ColumnSlot[], length: number): Map<Column, TypedColumn> {
  const span = (width: number) => (width * length + 7) & ~7;
  const buffer = new ArrayBuffer(slots.reduce((bytes, s) => bytes + span(s.width), 0));
  const out = new Map<Column, TypedColumn>();
  let at = 0;
  for (const { name, width } of slots) {
    out.set(name, typedView(width, buffer, at, length));
    at += span(width);
  }
  return out;
}

function typedView(width: number, buffer: ArrayBufferLike, offset: number, length: number): TypedColumn {
  if (width === 1) return new Uint8Array(buffer, offset, length);
  if (width === 2) return new Uint16Array(buffer, offset, length);
  return new Uint32Array(buffer, offset, length);
}

/**
 * Decoded segments as columns: row i describes frame i. Rows whose status is not 0 hold zeros
 * (checksumState 2). Offsets are relative to the start of the row's frame.
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
  /** Payload bytes present in the capture. */
  readonly payloadLength!: Uint32Array;
  /** Payload bytes on the wire, from the IP length. */
  readonly payloadWireLength!: Uint32Array;
  /** Where the IP source / destination address bytes sit in the frame (4 or 16 by ipVersion). */
  readonly srcAddressOffset!: Uint32Array;
  readonly dstAddressOffset!: Uint32Array;
  readonly #frame: (i: number) => Uint8Array;

  /** @internal built by decodeBatch */
  constructor(length: number, slots: readonly ColumnSlot[], frame: (i: number) => Uint8Array) {
    this.length = length;
    for (const [name, array] of allocateColumns(slots, length)) {
      (this as unknown as Record<Column, TypedColumn>)[name] = array;
    }
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
    return this.#frame(i).subarray(off, off + this.payloadLength[i]!);
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

function linkTypeAt(linkType: number | ArrayLike<number>, i: number): number {
  return typeof linkType === 'number' ? linkType : linkType[i]!;
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
  const frameAt = packed
    ? (i: number) => frames.data.subarray(frames.offsets[i]!, frames.offsets[i]! + frames.lengths[i]!)
    : (i: number) => frames[i]!;
  for (let i = 0; i < count; i++) {
    const f = frameAt(i);
    if (!(f instanceof Uint8Array)) throw new TypeError(`frame ${i} is not a Uint8Array`);
    if (packed && (frames.offsets[i]! + frames.lengths[i]! > frames.data.length || frames.offsets[i]! < 0)) {
      throw new RangeError(`frame ${i} lies outside frames.data`);
    }
    const lt = linkTypeAt(linkType, i);
    if (!Number.isInteger(lt) || lt < 0 || lt > 0xffff) throw new TypeError(`link type of frame ${i} is not 0..65535`);
  }

  const slots = columnSlots(c);
  const table = new SegmentTable(count, slots, frameAt);
  const verify = options.verifyChecksums === false ? 0 : 1;

  let row = 0;
  while (row < count) {
    // Gather frames into the input area until the chunk is full by rows or bytes.
    let bytes = 0;
    let rows = 0;
    while (row + rows < count && rows < BATCH_ROWS) {
      const size = frameAt(row + rows).length;
      if (rows > 0 && bytes + size > INPUT_CHUNK_BYTES) break;
      bytes += size;
      rows++;
    }
    c.reserveInput(bytes);
    const heap = c.bytes();
    const view = c.dataView();
    let at = 0;
    for (let k = 0; k < rows; k++) {
      const f = frameAt(row + k);
      heap.set(f, c.inputBase + at);
      view.setUint32(c.batchOffsets + 4 * k, at, true);
      view.setUint32(c.batchLengths + 4 * k, f.length, true);
      if (typeof linkType !== 'number') view.setUint16(c.batchLinkTypes + 2 * k, linkType[row + k]!, true);
      if (originals !== undefined) view.setUint32(c.batchOriginals + 4 * k, Math.min(originals[row + k]! >>> 0, 0x7fffffff), true);
      at += f.length;
    }
    c.exports.decodeBatch(c.inputBase, c.batchOffsets, c.batchLengths,
      typeof linkType === 'number' ? 0 : c.batchLinkTypes, typeof linkType === 'number' ? linkType : 0,
      originals === undefined ? 0 : c.batchOriginals, rows, verify);
    copyColumns(c, slots, table, row, rows);
    row += rows;
  }
  return table;
}

function copyColumns(c: Codec, slots: readonly ColumnSlot[], table: SegmentTable, row: number, rows: number): void {
  const buffer = c.exports.memory.buffer;
  for (const { name, width, address } of slots) {
    (table as unknown as Record<Column, TypedColumn>)[name].set(typedView(width, buffer, address, rows), row);
  }
}
