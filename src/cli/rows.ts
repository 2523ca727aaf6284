// Text and CSV lines for the rows of a SegmentTable, built from its columns and the frame bytes
// (addresses, options) without an object per packet; text lines are written byte by byte into
// the output buffer. Rows the columns cannot describe fully (a bad checksum needs the expected
// value, a failed row its message, JSON the IP header details) go through decodeFrame and the
// per-frame formatters, so every line matches what `formatLine` / `toJson` print.

import { DecodeError } from '../wire/errors.js';
import { ACK, AE, ChecksumState, FIN, RST, SYN, URG } from '../wire/constants.js';
import { decodeFrame } from '../wire/decode.js';
import { formatAddress } from '../base/address.js';
import { formatTcpFlags } from '../wire/flags.js';
import type { SegmentTable } from '../wire/batch.js';
import { recordAt, timestampNsAt, type FrameColumns } from './chunk.js';
import { formatLine, formatTime, toJson } from './format.js';
import { optionsText, optionsTextBound, writeOptions } from './options-text.js';
import type { LineBuffer } from './line-buffer.js';
import { TimeOfDay, epochText } from './time-text.js';

/** Where the source address lies in an IPv4 header. */
const IPV4_SRC_OFFSET = 12;
const DOT = 0x2e;
const COLON = 0x3a;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
/**
 * Bytes of a text line apart from its option list, at most: time 15, IP6 addresses 2 x 45, ports,
 * flags (9 letters), five 10-digit numbers and the fixed words come to under 260.
 */
const TEXT_LINE_FIXED_BYTES = 320;

const FLAG_TEXT: string[] = [];
function flagText(flags: number): string {
  return (FLAG_TEXT[flags] ??= formatTcpFlags(flags));
}

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** The decodeFrame view of row i, for the rows the columns do not cover. */
function decodeRow(chunk: FrameColumns, i: number) {
  const record = recordAt(chunk, i);
  return { record, packet: decodeFrame(record.data, record.linkType, record.originalLength) };
}

/** The DecodeError decodeFrame gives for a row whose status is not 0. */
export function rowError(chunk: FrameColumns, i: number): DecodeError {
  try {
    decodeRow(chunk, i);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error(`frame ${chunk.firstIndex + i}: the batch decoder failed it but decodeFrame did not`);
}

/** How text lines look; both off is the default line (tcpdump's with a checksum verdict). */
export interface TextStyle {
  /** Exactly `tcpdump -nn -S`: no checksum text, no `seq` on a segment that carries none. */
  tcpdump: boolean;
  /** Each line starts with the frame number as `tcpdump -#` prints it. */
  frameNumbers: boolean;
}

/** tcpdump -# prints the packet number right-aligned in 5 columns, then two spaces. */
export function frameNumberText(frame: number): string {
  return `${String(frame).padStart(5)}  `;
}

export class RowFormatter {
  readonly #time = new TimeOfDay();
  readonly #chunk: FrameColumns;
  readonly #table: SegmentTable;
  readonly #style: TextStyle;

  constructor(chunk: FrameColumns, table: SegmentTable, style: TextStyle = { tcpdump: false, frameNumbers: false }) {
    this.#chunk = chunk;
    this.#table = table;
    this.#style = style;
  }

  #options(i: number): string {
    const t = this.#table;
    if (t.headerLength[i]! <= 20) return '';
    const frame = this.#chunk.offsets[i]!;
    const end = frame + t.payloadOffset[i]!;
    return optionsText(this.#chunk.data, end - t.headerLength[i]! + 20, end);
  }

  #address(i: number, offsetColumn: Uint32Array): string {
    return formatAddress(
      this.#chunk.data,
      this.#chunk.offsets[i]! + offsetColumn[i]!,
      this.#table.ipVersion[i] as 4 | 6,
    );
  }

  #writeAddress(out: LineBuffer, i: number, offsetColumn: Uint32Array): void {
    const at = this.#chunk.offsets[i]! + offsetColumn[i]!;
    if (this.#table.ipVersion[i] !== 4) return out.ascii(formatAddress(this.#chunk.data, at, 6));
    const d = this.#chunk.data;
    out.uint(d[at]!);
    out.byte(DOT);
    out.uint(d[at + 1]!);
    out.byte(DOT);
    out.uint(d[at + 2]!);
    out.byte(DOT);
    out.uint(d[at + 3]!);
  }

  /**
   * Bytes the IPv4 header's total length claims beyond what the frame held on the wire (its
   * original length): 0 for a whole datagram.
   */
  #ipv4Missing(i: number): number {
    const frame = this.#chunk.offsets[i]!;
    const ipStart = this.#table.srcAddressOffset[i]! - IPV4_SRC_OFFSET;
    const d = this.#chunk.data;
    const total = (d[frame + ipStart + 2]! << 8) | d[frame + ipStart + 3]!;
    const onWire = this.#chunk.originalLengths[i]! - ipStart;
    return total > onWire ? total - onWire : 0;
  }

  /**
   * Writes the tcpdump-like line of a decoded row (status 0), identical to formatLine's, byte by
   * byte: no string is built for the line (only for an option list or an IPv6 address).
   */
  writeText(out: LineBuffer, i: number): void {
    const t = this.#table;
    const { tcpdump, frameNumbers } = this.#style;
    if (t.checksumState[i] === ChecksumState.BAD && !tcpdump) {
      const { record, packet } = decodeRow(this.#chunk, i);
      return out.line(`${frameNumbers ? frameNumberText(record.index) : ''}${formatLine(record, packet)}`);
    }
    const optionBytes = t.headerLength[i]! - 20;
    out.begin(TEXT_LINE_FIXED_BYTES + optionsTextBound(optionBytes));
    const flags = t.flags[i]!;
    const length = t.payloadLength[i]! + (tcpdump && t.ipVersion[i] === 4 ? this.#ipv4Missing(i) : 0);
    const seq = t.seq[i]!;
    if (frameNumbers) out.ascii(frameNumberText(this.#chunk.firstIndex + i));
    this.#time.write(out, this.#chunk.seconds[i]!, this.#chunk.nanoseconds[i]!);
    out.ascii(t.ipVersion[i] === 4 ? ' IP ' : ' IP6 ');
    const missing = tcpdump && t.ipVersion[i] === 4 ? this.#ipv4Missing(i) : 0;
    if (missing > 0) {
      // tcpdump (print-ip.c) says so when the frame on the wire was shorter than the IPv4 total
      // length, and takes the TCP length from that total.
      out.ascii('truncated-ip - ');
      out.uint(missing);
      out.ascii(' bytes missing! ');
    }
    this.#writeAddress(out, i, t.srcAddressOffset);
    out.byte(DOT);
    out.uint(t.srcPort[i]!);
    out.ascii(' > ');
    this.#writeAddress(out, i, t.dstAddressOffset);
    out.byte(DOT);
    out.uint(t.dstPort[i]!);
    out.ascii(': Flags [');
    // tcpdump 4.99.3 (Debian 12) has no letter for AE (RFC 9768, formerly NS).
    out.ascii(flagText(tcpdump ? flags & ~AE : flags));
    out.byte(CLOSE_BRACKET);
    // tcpdump (print-tcp.c) prints seq only when the segment occupies sequence space or resets.
    if (!tcpdump || length > 0 || (flags & (SYN | FIN | RST)) !== 0) {
      out.ascii(', seq ');
      out.uint(seq);
      if (length > 0) {
        out.byte(COLON);
        out.uint((seq + length) >>> 0);
      }
    }
    if (flags & ACK) {
      out.ascii(', ack ');
      out.uint(t.ack[i]!);
    }
    out.ascii(', win ');
    out.uint(t.window[i]!);
    if (flags & URG) {
      out.ascii(', urg ');
      out.uint(t.urgentPointer[i]!);
    }
    if (optionBytes > 0) {
      const end = this.#chunk.offsets[i]! + t.payloadOffset[i]!;
      out.ascii(', options [');
      writeOptions(out, this.#chunk.data, end - optionBytes, end, tcpdump);
      out.byte(CLOSE_BRACKET);
    }
    out.ascii(', length ');
    out.uint(length);
    const state = t.checksumState[i];
    // tcpdump prints checksums only with -v; with -K nothing was verified, so there is no verdict.
    if (tcpdump || state === ChecksumState.UNCHECKED) return out.byte(NEWLINE);
    out.ascii(', cksum 0x');
    out.hex4(t.checksum[i]!);
    out.ascii(state === ChecksumState.GOOD ? ' (correct)\n' : ' (unverifiable)\n');
  }

  /** The line for a row that failed to decode. */
  errorText(i: number): string {
    const error = rowError(this.#chunk, i);
    return `${this.#style.frameNumbers ? frameNumberText(this.#chunk.firstIndex + i) : ''}${formatTime(timestampNsAt(this.#chunk, i))} frame ${this.#chunk.firstIndex + i}: ${error.code}: ${error.message}`;
  }

  json(i: number): string {
    const { record, packet } = decodeRow(this.#chunk, i);
    const out = toJson(record, packet);
    if (this.#table.checksumState[i] === ChecksumState.UNCHECKED) {
      // -K: the batch verified nothing, so the row carries no verdict (decodeFrame always checks).
      out.checksumStatus = 'unchecked';
      delete out.expectedChecksum;
    }
    return JSON.stringify(out);
  }

  errorJson(i: number): string {
    const error = rowError(this.#chunk, i);
    return JSON.stringify({
      frame: this.#chunk.firstIndex + i,
      timestampNs: timestampNsAt(this.#chunk, i).toString(),
      error: { code: error.code, message: error.message },
    });
  }

  csv(i: number): string {
    const t = this.#table;
    let checksum = 'good';
    let expected = '';
    const state = t.checksumState[i];
    if (state === ChecksumState.BAD) {
      checksum = 'bad';
      expected = hex4(decodeRow(this.#chunk, i).packet.expectedChecksum!);
    } else if (state === ChecksumState.UNCHECKED) checksum = 'unchecked';
    else if (state !== ChecksumState.GOOD) checksum = 'unverifiable';
    return csvLine([
      this.#chunk.firstIndex + i,
      epochText(this.#chunk.seconds[i]!, this.#chunk.nanoseconds[i]!),
      t.ipVersion[i]!,
      this.#address(i, t.srcAddressOffset),
      t.srcPort[i]!,
      this.#address(i, t.dstAddressOffset),
      t.dstPort[i]!,
      flagText(t.flags[i]!),
      t.seq[i]!,
      t.ack[i]!,
      t.window[i]!,
      t.urgentPointer[i]!,
      t.headerLength[i]!,
      t.payloadLength[i]!,
      t.capturedPayloadLength[i]!,
      this.#options(i),
      hex4(t.checksum[i]!),
      checksum,
      expected,
      '',
    ]);
  }

  errorCsv(i: number): string {
    const error = rowError(this.#chunk, i);
    const blanks = new Array<string>(CSV_COLUMNS.length - 2).fill('');
    blanks[blanks.length - 1] = error.code;
    return csvLine([
      this.#chunk.firstIndex + i,
      epochText(this.#chunk.seconds[i]!, this.#chunk.nanoseconds[i]!),
      ...blanks,
    ]);
  }
}

/** The CSV header row; every data row has these columns in this order. */
export const CSV_COLUMNS = [
  'frame',
  'time_epoch',
  'ip_version',
  'src',
  'src_port',
  'dst',
  'dst_port',
  'flags',
  'seq',
  'ack',
  'window',
  'urgent',
  'header_length',
  'length',
  'captured_length',
  'options',
  'checksum',
  'checksum_status',
  'expected_checksum',
  'error',
] as const;

/** One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c === 0x2c || c === 0x22 || c === 0x0a || c === 0x0d) return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

export function csvLine(values: ReadonlyArray<string | number>): string {
  let line = csvField(values[0]!);
  for (let k = 1; k < values.length; k++) line += `,${csvField(values[k]!)}`;
  return line;
}
