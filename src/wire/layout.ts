// Reads the memory layouts and status codes the WebAssembly module exports as globals
// (assembly/layout.ts, assembly/status.ts), so their numbers are written down only once.

const DETAIL_FIELDS = [
  'STATUS',
  'ERROR_OFFSET',
  'IP_VERSION',
  'CHECKSUM_STATE',
  'IP_CHECKSUM_STATE',
  'FRAGMENTED',
  'IP_OFFSET',
  'TCP_OFFSET',
  'WIRE_END',
  'CAPTURED_END',
  'SRC_OFFSET',
  'DST_OFFSET',
  'PSEUDO_SRC_OFFSET',
  'PSEUDO_DST_OFFSET',
  'TTL',
  'TOS',
  'EXTENSION_COUNT',
  'OPTION_COUNT',
  'IP_ID',
  'FRAGMENT_FIELD',
  'FLOW_LABEL',
  'SRC_PORT',
  'DST_PORT',
  'SEQ',
  'ACK',
  'FLAGS',
  'WINDOW',
  'CHECKSUM',
  'URGENT',
  'EXPECTED_CHECKSUM',
  'HEADER_LENGTH',
  'PAYLOAD_OFFSET',
  'PAYLOAD_CAPTURED',
  'PAYLOAD_WIRE',
  'OPTION_MASK',
  'MSS',
  'WINDOW_SCALE',
  'SACK_COUNT',
  'TS_VALUE',
  'TS_ECHO',
  'SACK',
  'EXTENSIONS',
  'OPTIONS',
  'SIZE',
] as const;

const COLUMN_FIELDS = [
  'STATUS',
  'IP_VERSION',
  'CHECKSUM_STATE',
  'HEADER_LENGTH',
  'WINDOW_SCALE',
  'OPTION_MASK',
  'FLAGS',
  'SRC_PORT',
  'DST_PORT',
  'WINDOW',
  'URGENT',
  'CHECKSUM',
  'MSS',
  'SEQ',
  'ACK',
  'TS_VALUE',
  'TS_ECHO',
  'PAYLOAD_OFFSET',
  'PAYLOAD_LENGTH',
  'PAYLOAD_WIRE_LENGTH',
  'SRC_ADDRESS_OFFSET',
  'DST_ADDRESS_OFFSET',
  'IP_CHECKSUM_STATE',
  'FRAGMENT',
  'COUNT',
] as const;

const FRAGMENT_BIT_FIELDS = ['FRAGMENT', 'MORE', 'LATER'] as const;

const ENCODE_FIELDS = [
  'IP_VERSION',
  'TTL',
  'TOS',
  'KIND_COUNT',
  'IP_ID',
  'FRAGMENT_FIELD',
  'FLOW_LABEL',
  'SRC',
  'DST',
  'SRC_PORT',
  'DST_PORT',
  'SEQ',
  'ACK',
  'FLAGS',
  'WINDOW',
  'URGENT',
  'HEADER_LENGTH',
  'OPTION_MASK',
  'MSS',
  'WINDOW_SCALE',
  'SACK_COUNT',
  'RAW_COUNT',
  'MODE',
  'TS_VALUE',
  'TS_ECHO',
  'SACK',
  'KINDS',
  'RAW',
  'RAW_DATA',
  'PAYLOAD_LENGTH',
  'IP_OPTIONS_LENGTH',
  'IP_OPTIONS',
  'SIZE',
  'HEADROOM',
  'OK',
  'OPTIONS_TOO_LONG',
  'BAD_HEADER_LENGTH',
  'MISSING_OPTION',
  'TOO_LONG',
  'BAD_IP_OPTIONS',
] as const;

const STATUS_FIELDS = [
  'OK',
  'TRUNCATED',
  'BAD_DATA_OFFSET',
  'BAD_OPTION',
  'NOT_TCP',
  'FRAGMENT',
  'BAD_IP_HEADER',
  'UNSUPPORTED_LINK',
  'NOT_IP',
] as const;

const OPTION_BIT_FIELDS = ['MSS', 'WSCALE', 'SACK_PERMITTED', 'TIMESTAMP', 'SACK', 'OTHER'] as const;

type Fields<T extends readonly string[]> = { readonly [K in T[number]]: number };

export interface Layout {
  readonly DETAIL: Fields<typeof DETAIL_FIELDS>;
  readonly COLUMN: Fields<typeof COLUMN_FIELDS>;
  readonly ENCODE: Fields<typeof ENCODE_FIELDS>;
  readonly STATUS: Fields<typeof STATUS_FIELDS>;
  readonly OPTION_BIT: Fields<typeof OPTION_BIT_FIELDS>;
  readonly FRAGMENT_BIT: Fields<typeof FRAGMENT_BIT_FIELDS>;
}

function read<T extends readonly string[]>(exports: Record<string, unknown>, prefix: string, names: T): Fields<T> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const value = exports[prefix + name];
    if (value instanceof WebAssembly.Global) out[name] = Number(value.value);
    else if (typeof value === 'number') out[name] = value;
    else
      throw new Error(`tcpwasm: the WebAssembly module does not export ${prefix}${name}; rebuild it (npm run build)`);
  }
  // Built with keyed stores, an object of this many properties drops to V8's dictionary mode,
  // where every `LAYOUT.FIELD` read on a hot path is a hash lookup; JSON.parse makes the same
  // object with fast (constant-offset) properties.
  return Object.freeze(JSON.parse(JSON.stringify(out)) as Record<string, number>) as Fields<T>;
}

export function readLayout(exports: Record<string, unknown>): Layout {
  return Object.freeze({
    DETAIL: read(exports, 'DETAIL_', DETAIL_FIELDS),
    COLUMN: read(exports, 'COLUMN_', COLUMN_FIELDS),
    ENCODE: read(exports, 'ENCODE_', ENCODE_FIELDS),
    STATUS: read(exports, 'STATUS_', STATUS_FIELDS),
    OPTION_BIT: read(exports, 'OPTION_BIT_', OPTION_BIT_FIELDS),
    FRAGMENT_BIT: read(exports, 'FRAGMENT_BIT_', FRAGMENT_BIT_FIELDS),
  });
}

export type StatusName = (typeof STATUS_FIELDS)[number];
export const STATUS_NAMES: readonly StatusName[] = STATUS_FIELDS;
