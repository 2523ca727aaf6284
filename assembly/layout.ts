// Memory layouts shared with the TypeScript side. They are exported as WebAssembly globals and
// read by name at start-up (src/wire/layout.ts), so these numbers exist only here.

// ---- Detail record: everything known about one decoded packet (decodeFrame).
export const DETAIL_STATUS: i32 = 0; // i32
export const DETAIL_ERROR_OFFSET: i32 = 4; // i32
export const DETAIL_IP_VERSION: i32 = 8; // u8
export const DETAIL_CHECKSUM_STATE: i32 = 9; // u8
export const DETAIL_IP_CHECKSUM_STATE: i32 = 10; // u8
export const DETAIL_FRAGMENTED: i32 = 11; // u8
export const DETAIL_IP_OFFSET: i32 = 12; // u32
export const DETAIL_TCP_OFFSET: i32 = 16; // u32
export const DETAIL_WIRE_END: i32 = 20; // u32
export const DETAIL_CAPTURED_END: i32 = 24; // u32
export const DETAIL_SRC_OFFSET: i32 = 28; // u32
export const DETAIL_DST_OFFSET: i32 = 32; // u32
export const DETAIL_PSEUDO_SRC_OFFSET: i32 = 36; // u32
export const DETAIL_PSEUDO_DST_OFFSET: i32 = 40; // u32
export const DETAIL_TTL: i32 = 44; // u8
export const DETAIL_TOS: i32 = 45; // u8
export const DETAIL_EXTENSION_COUNT: i32 = 46; // u8
export const DETAIL_OPTION_COUNT: i32 = 47; // u8
export const DETAIL_IP_ID: i32 = 48; // u16
export const DETAIL_FRAGMENT_FIELD: i32 = 50; // u16
export const DETAIL_FLOW_LABEL: i32 = 52; // u32
export const DETAIL_SRC_PORT: i32 = 56; // u16
export const DETAIL_DST_PORT: i32 = 58; // u16
export const DETAIL_SEQ: i32 = 60; // u32
export const DETAIL_ACK: i32 = 64; // u32
export const DETAIL_FLAGS: i32 = 68; // u16
export const DETAIL_WINDOW: i32 = 70; // u16
export const DETAIL_CHECKSUM: i32 = 72; // u16
export const DETAIL_URGENT: i32 = 74; // u16
export const DETAIL_EXPECTED_CHECKSUM: i32 = 76; // u16
export const DETAIL_HEADER_LENGTH: i32 = 78; // u16
export const DETAIL_PAYLOAD_OFFSET: i32 = 80; // u32
export const DETAIL_PAYLOAD_CAPTURED: i32 = 84; // u32
export const DETAIL_PAYLOAD_WIRE: i32 = 88; // u32
export const DETAIL_OPTION_MASK: i32 = 92; // u16
export const DETAIL_MSS: i32 = 94; // u16
export const DETAIL_WINDOW_SCALE: i32 = 96; // u8
export const DETAIL_SACK_COUNT: i32 = 97; // u8
export const DETAIL_TS_VALUE: i32 = 100; // u32
export const DETAIL_TS_ECHO: i32 = 104; // u32
export const DETAIL_SACK: i32 = 108; // 4 x (u32 left, u32 right)
export const DETAIL_EXTENSIONS: i32 = 140; // 8 x u8 next-header values
export const DETAIL_OPTIONS: i32 = 148; // 40 x (u8 kind, u8 offset, u8 length, u8 typed)
export const DETAIL_SIZE: i32 = 320;

// ---- Option presence bits (detail OPTION_MASK and the batch optionMask column).
export const OPTION_BIT_MSS: i32 = 1;
export const OPTION_BIT_WSCALE: i32 = 2;
export const OPTION_BIT_SACK_PERMITTED: i32 = 4;
export const OPTION_BIT_TIMESTAMP: i32 = 8;
export const OPTION_BIT_SACK: i32 = 16;
export const OPTION_BIT_OTHER: i32 = 32;

// ---- Batch columns: one typed array per field, `capacity` rows each, 16-byte aligned.
export const COLUMN_STATUS: i32 = 0; // u8
export const COLUMN_IP_VERSION: i32 = 1; // u8
export const COLUMN_CHECKSUM_STATE: i32 = 2; // u8
export const COLUMN_HEADER_LENGTH: i32 = 3; // u8
export const COLUMN_WINDOW_SCALE: i32 = 4; // u8
export const COLUMN_OPTION_MASK: i32 = 5; // u8
export const COLUMN_FLAGS: i32 = 6; // u16
export const COLUMN_SRC_PORT: i32 = 7; // u16
export const COLUMN_DST_PORT: i32 = 8; // u16
export const COLUMN_WINDOW: i32 = 9; // u16
export const COLUMN_URGENT: i32 = 10; // u16
export const COLUMN_CHECKSUM: i32 = 11; // u16
export const COLUMN_MSS: i32 = 12; // u16
export const COLUMN_SEQ: i32 = 13; // u32
export const COLUMN_ACK: i32 = 14; // u32
export const COLUMN_TS_VALUE: i32 = 15; // u32
export const COLUMN_TS_ECHO: i32 = 16; // u32
export const COLUMN_PAYLOAD_OFFSET: i32 = 17; // u32
export const COLUMN_PAYLOAD_LENGTH: i32 = 18; // u32
export const COLUMN_PAYLOAD_WIRE_LENGTH: i32 = 19; // u32
export const COLUMN_SRC_ADDRESS_OFFSET: i32 = 20; // u32
export const COLUMN_DST_ADDRESS_OFFSET: i32 = 21; // u32
// The IP columns below are written for every row whose IP header was read, also when the packet
// is not TCP or did not decode (a receiver counts and reassembles those); zero / 2 otherwise.
export const COLUMN_IP_CHECKSUM_STATE: i32 = 22; // u8: 0 good, 1 bad, 2 not checked (IPv6...)
export const COLUMN_FRAGMENT: i32 = 23; // u8: FRAGMENT_BIT_*
export const COLUMN_COUNT: i32 = 24;

const COLUMN_WIDTHS: usize = memory.data<u8>([
  1, 1, 1, 1, 1, 1,
  2, 2, 2, 2, 2, 2, 2,
  4, 4, 4, 4, 4, 4, 4, 4, 4,
  1, 1,
]);

// ---- Fragment bits (the batch FRAGMENT column).
/** A fragment: IPv4 MF set or a non-zero offset, or an IPv6 Fragment header (atomic included). */
export const FRAGMENT_BIT_FRAGMENT: i32 = 1;
/** More fragments follow (IPv4 MF, IPv6 M). */
export const FRAGMENT_BIT_MORE: i32 = 2;
/** Not the first fragment: the offset is not zero. */
export const FRAGMENT_BIT_LATER: i32 = 4;

/** Bytes per element of column `column`. */
export function columnWidth(column: i32): i32 {
  return <i32>load<u8>(COLUMN_WIDTHS + <usize>column);
}

/** Byte offset of column `column` from the start of a batch area holding `capacity` rows. */
export function columnOffset(column: i32, capacity: i32): i32 {
  let offset = 0;
  for (let c = 0; c < column; c++) offset += (columnWidth(c) * capacity + 15) & ~15;
  return offset;
}

// ---- Encode request: the header an encoder call should produce.
export const ENCODE_IP_VERSION: i32 = 0; // u8: 4 or 6
export const ENCODE_TTL: i32 = 1; // u8
export const ENCODE_TOS: i32 = 2; // u8
export const ENCODE_KIND_COUNT: i32 = 3; // u8: 255 = no explicit order, use the canonical one
export const ENCODE_IP_ID: i32 = 4; // u16
export const ENCODE_FRAGMENT_FIELD: i32 = 6; // u16 (flags + offset; DF is 0x4000)
export const ENCODE_FLOW_LABEL: i32 = 8; // u32
export const ENCODE_SRC: i32 = 12; // 16 bytes (IPv4 uses the first 4)
export const ENCODE_DST: i32 = 28; // 16 bytes
export const ENCODE_SRC_PORT: i32 = 44; // u16
export const ENCODE_DST_PORT: i32 = 46; // u16
export const ENCODE_SEQ: i32 = 48; // u32
export const ENCODE_ACK: i32 = 52; // u32
export const ENCODE_FLAGS: i32 = 56; // u16
export const ENCODE_WINDOW: i32 = 58; // u16
export const ENCODE_URGENT: i32 = 60; // u16
export const ENCODE_HEADER_LENGTH: i32 = 62; // u16: 0 = as the options need
export const ENCODE_OPTION_MASK: i32 = 64; // u16: OPTION_BIT_* of the typed values present
export const ENCODE_MSS: i32 = 66; // u16
export const ENCODE_WINDOW_SCALE: i32 = 68; // u8
export const ENCODE_SACK_COUNT: i32 = 69; // u8
export const ENCODE_RAW_COUNT: i32 = 70; // u8
export const ENCODE_MODE: i32 = 71; // u8: 0 = IP packet, 1 = bare TCP segment
export const ENCODE_TS_VALUE: i32 = 72; // u32
export const ENCODE_TS_ECHO: i32 = 76; // u32
export const ENCODE_SACK: i32 = 80; // 4 x (u32, u32)
export const ENCODE_KINDS: i32 = 112; // 40 x u8
export const ENCODE_RAW: i32 = 152; // 40 x (u8 kind, u8 total length, u16 data offset in RAW_DATA)
export const ENCODE_RAW_DATA: i32 = 312; // 40 bytes of raw option data
export const ENCODE_PAYLOAD_LENGTH: i32 = 352; // u32
export const ENCODE_IP_OPTIONS_LENGTH: i32 = 356; // u8
export const ENCODE_IP_OPTIONS: i32 = 360; // 40 bytes of IPv4 options
export const ENCODE_SIZE: i32 = 400;
/** Room the encoder needs in front of the payload for the largest headers it writes. */
export const ENCODE_HEADROOM: i32 = 128;

export const ENCODE_OK: i32 = 0;
export const ENCODE_OPTIONS_TOO_LONG: i32 = 1;
export const ENCODE_BAD_HEADER_LENGTH: i32 = 2;
export const ENCODE_MISSING_OPTION: i32 = 3;
export const ENCODE_TOO_LONG: i32 = 4;
export const ENCODE_BAD_IP_OPTIONS: i32 = 5;
