// Where decodeBatch's columns lie in the WASM batch area. The module lays out one typed column
// per field, `rows` elements each, every column 16-byte aligned (assembly/layout.ts); this file
// is the one TypeScript place that knows it. SegmentTable copies the area into its own buffer
// and the stack's ReceivedBatch reads rows from a copy by the element indexes below.

import { BATCH_ROWS, type Codec } from './module.js';

export type Column =
  | 'status'
  | 'ipVersion'
  | 'checksumState'
  | 'headerLength'
  | 'windowScale'
  | 'optionMask'
  | 'flags'
  | 'srcPort'
  | 'dstPort'
  | 'window'
  | 'urgentPointer'
  | 'checksum'
  | 'mss'
  | 'seq'
  | 'ack'
  | 'tsValue'
  | 'tsEcho'
  | 'payloadOffset'
  | 'capturedPayloadLength'
  | 'payloadLength'
  | 'srcAddressOffset'
  | 'dstAddressOffset'
  | 'ipChecksumState'
  | 'fragment';

/** Column name -> layout name in the WASM module, in the module's column order. */
const COLUMNS: ReadonlyArray<readonly [Column, string]> = [
  ['status', 'STATUS'],
  ['ipVersion', 'IP_VERSION'],
  ['checksumState', 'CHECKSUM_STATE'],
  ['headerLength', 'HEADER_LENGTH'],
  ['windowScale', 'WINDOW_SCALE'],
  ['optionMask', 'OPTION_MASK'],
  ['flags', 'FLAGS'],
  ['srcPort', 'SRC_PORT'],
  ['dstPort', 'DST_PORT'],
  ['window', 'WINDOW'],
  ['urgentPointer', 'URGENT'],
  ['checksum', 'CHECKSUM'],
  ['mss', 'MSS'],
  ['seq', 'SEQ'],
  ['ack', 'ACK'],
  ['tsValue', 'TS_VALUE'],
  ['tsEcho', 'TS_ECHO'],
  ['payloadOffset', 'PAYLOAD_OFFSET'],
  ['capturedPayloadLength', 'PAYLOAD_LENGTH'],
  ['payloadLength', 'PAYLOAD_WIRE_LENGTH'],
  ['srcAddressOffset', 'SRC_ADDRESS_OFFSET'],
  ['dstAddressOffset', 'DST_ADDRESS_OFFSET'],
  ['ipChecksumState', 'IP_CHECKSUM_STATE'],
  ['fragment', 'FRAGMENT'],
];

export type TypedColumn = Uint8Array | Uint16Array | Uint32Array;

/** A column of a codec's batch area and how wide its elements are, in the area's order. */
export interface ColumnSlot {
  readonly name: Column;
  readonly width: number;
}

const slotsByCodec = new WeakMap<Codec, readonly ColumnSlot[]>();

/** The batch column layout of a codec: fixed once loaded, so asked of WASM only once. */
export function columnSlots(c: Codec): readonly ColumnSlot[] {
  let slots = slotsByCodec.get(c);
  if (!slots) {
    const C = c.layout.COLUMN;
    if (C.COUNT !== COLUMNS.length)
      throw new Error('tcpwasm: the batch columns of the WebAssembly module differ from the TypeScript side; rebuild');
    slots = COLUMNS.map(([name, layoutName]) => ({
      name,
      width: c.exports.columnWidth(C[layoutName as keyof typeof C]),
    }));
    // Readers copy the batch area assuming this order and columnSpan's alignment: check once.
    let at = 0;
    COLUMNS.forEach(([, layoutName], i) => {
      if (c.exports.columnOffset(C[layoutName as keyof typeof C], BATCH_ROWS) !== at) {
        throw new Error(`tcpwasm: batch column ${layoutName} is not where the TypeScript side expects it; rebuild`);
      }
      at += columnSpan(slots![i]!.width, BATCH_ROWS);
    });
    slotsByCodec.set(c, slots);
  }
  return slots;
}

/** Bytes column `width` takes in an area of `rows` rows: the WASM module's layout (16-byte aligned). */
export function columnSpan(width: number, rows: number): number {
  return (width * rows + 15) & ~15;
}

export function typedView(width: number, buffer: ArrayBufferLike, offset: number, length: number): TypedColumn {
  if (width === 1) return new Uint8Array(buffer, offset, length);
  if (width === 2) return new Uint16Array(buffer, offset, length);
  return new Uint32Array(buffer, offset, length);
}

/**
 * A batch area laid out for one row count: its size in bytes and where each column starts, as
 * an element index for an array of the column's width over the area (bytes for u8 columns,
 * 16-bit words for u16, 32-bit words for u32).
 */
export interface ColumnStarts {
  readonly size: number;
  readonly at: Readonly<Record<Column, number>>;
}

const startsByCodec = new WeakMap<Codec, Array<ColumnStarts | undefined>>();

/** The layout of a batch area of `rows` rows; batches of a given size recur, so each is worked out once. */
export function columnStarts(c: Codec, rows: number): ColumnStarts {
  let known = startsByCodec.get(c);
  if (known === undefined) {
    known = [];
    startsByCodec.set(c, known);
  }
  const cached = known[rows];
  if (cached !== undefined) return cached;
  const at = {} as Record<Column, number>;
  let size = 0;
  for (const { name, width } of columnSlots(c)) {
    at[name] = size / width;
    size += columnSpan(width, rows);
  }
  // Built with keyed stores, a record of this many properties can drop to V8's dictionary
  // mode; the hot path reads it per row, so give it a fast shape (as layout.ts does).
  const layout: ColumnStarts = { size, at: Object.freeze(JSON.parse(JSON.stringify(at)) as Record<Column, number>) };
  known[rows] = layout;
  return layout;
}
