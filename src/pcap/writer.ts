// Capture files out: classic pcap and pcapng, for recording what a stack sends and for building
// test captures. Both writers produce whole files in memory.

/** One frame to write to a capture. */
export interface WritableRecord {
  data: Uint8Array;
  /** Nanoseconds since the Unix epoch (default 0). */
  timestampNs?: bigint;
  /** Length on the wire (default data.length). */
  originalLength?: number;
  /** pcapng only: index into `interfaces` (default 0). */
  interfaceId?: number;
}

/** The pcap file header: link type, timestamp resolution, byte order, snap length. */
export interface PcapWriterOptions {
  linkType: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** Byte order of the file; default little-endian. */
  bigEndian?: boolean;
  /** Snap length written in the header (default 262144). */
  snapLength?: number;
}

const NS = 1_000_000_000n;

/** Accumulates records and renders a pcap file. */
export class PcapWriter {
  readonly #chunks: Uint8Array[] = [];
  readonly #little: boolean;
  readonly #nanosecond: boolean;

  constructor(options: PcapWriterOptions) {
    this.#little = !options.bigEndian;
    this.#nanosecond = options.nanosecond ?? false;
    const header = new DataView(new ArrayBuffer(24));
    header.setUint32(0, this.#nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, this.#little);
    header.setUint16(4, 2, this.#little);
    header.setUint16(6, 4, this.#little);
    header.setUint32(16, options.snapLength ?? 262144, this.#little);
    header.setUint32(20, options.linkType, this.#little);
    this.#chunks.push(new Uint8Array(header.buffer));
  }

  /** Appends one record. */
  add(record: WritableRecord): this {
    const ts = record.timestampNs ?? 0n;
    const header = new DataView(new ArrayBuffer(16));
    header.setUint32(0, Number(ts / NS), this.#little);
    const fraction = ts % NS;
    header.setUint32(4, Number(this.#nanosecond ? fraction : fraction / 1000n), this.#little);
    header.setUint32(8, record.data.length, this.#little);
    header.setUint32(12, record.originalLength ?? record.data.length, this.#little);
    this.#chunks.push(new Uint8Array(header.buffer), record.data.slice());
    return this;
  }

  /** The file so far. */
  bytes(): Uint8Array {
    return concat(this.#chunks);
  }

  /** The bytes added since the last take (the header first): for writing a file as it grows. */
  take(): Uint8Array {
    const out = concat(this.#chunks);
    this.#chunks.length = 0;
    return out;
  }
}

/** Renders a pcap file from records. */
export function writePcap(records: Iterable<WritableRecord>, options: PcapWriterOptions): Uint8Array {
  const writer = new PcapWriter(options);
  for (const record of records) writer.add(record);
  return writer.bytes();
}

/** One pcapng Interface Description Block. */
export interface PcapngInterface {
  linkType: number;
  snapLength?: number;
  /** if_tsresol byte: 6 = microseconds (default), 9 = nanoseconds, 0x80|n = 2^-n seconds. */
  timestampResolution?: number;
}

/** Renders a pcapng file: one section, the given interfaces, one enhanced packet block per record. */
export function writePcapng(
  records: Iterable<WritableRecord>,
  interfaces: PcapngInterface[],
  bigEndian = false,
): Uint8Array {
  const writer = new PcapngWriter(bigEndian);
  for (const iface of interfaces) writer.addInterface(iface);
  for (const record of records) writer.add(record);
  return writer.take();
}

/** A pcapng file built block by block: one section, interfaces added before the packets that use them. */
export class PcapngWriter {
  readonly #blocks: Uint8Array[] = [];
  readonly #little: boolean;
  readonly #unitsPerSecond: bigint[] = [];

  constructor(bigEndian = false) {
    this.#little = !bigEndian;
    const shb = new DataView(new ArrayBuffer(16));
    shb.setUint32(0, 0x1a2b3c4d, this.#little);
    shb.setUint16(4, 1, this.#little);
    shb.setUint16(6, 0, this.#little);
    shb.setBigInt64(8, -1n, this.#little);
    this.#block(0x0a0d0d0a, new Uint8Array(shb.buffer));
  }

  #block(type: number, body: Uint8Array): void {
    const padded = (body.length + 3) & ~3;
    const total = 12 + padded;
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.#little);
    v.setUint32(4, total, this.#little);
    out.set(body, 8);
    v.setUint32(total - 4, total, this.#little);
    this.#blocks.push(out);
  }

  /** Adds an interface description block; returns its interface id. */
  addInterface(iface: PcapngInterface): number {
    const little = this.#little;
    const resolution = iface.timestampResolution ?? 6;
    const body = new DataView(new ArrayBuffer(resolution === 6 ? 8 : 20));
    body.setUint16(0, iface.linkType, little);
    body.setUint32(4, iface.snapLength ?? 262144, little);
    if (resolution !== 6) {
      body.setUint16(8, 9, little);
      body.setUint16(10, 1, little);
      body.setUint8(12, resolution);
      // opt_endofopt occupies bytes 16..19 (zero).
    }
    this.#block(1, new Uint8Array(body.buffer));
    this.#unitsPerSecond.push(resolution & 0x80 ? 1n << BigInt(resolution & 0x7f) : 10n ** BigInt(resolution));
    return this.#unitsPerSecond.length - 1;
  }

  /** Adds an enhanced packet block on interface record.interfaceId (default 0). */
  add(record: WritableRecord): this {
    const little = this.#little;
    const id = record.interfaceId ?? 0;
    const units = ((record.timestampNs ?? 0n) * this.#unitsPerSecond[id]!) / NS;
    const body = new Uint8Array(20 + record.data.length);
    const v = new DataView(body.buffer);
    v.setUint32(0, id, little);
    v.setUint32(4, Number(units >> 32n), little);
    v.setUint32(8, Number(units & 0xffffffffn), little);
    v.setUint32(12, record.data.length, little);
    v.setUint32(16, record.originalLength ?? record.data.length, little);
    body.set(record.data, 20);
    this.#block(6, body);
    return this;
  }

  /** The blocks added since the last take. */
  take(): Uint8Array {
    const out = concat(this.#blocks);
    this.#blocks.length = 0;
    return out;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
