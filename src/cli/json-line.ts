// --json lines written byte by byte from the SegmentTable's columns and the frame's header bytes,
// for the rows whose object toJson would build from plain fields: IPv4 without options or IPv6
// without extension headers, a checksum that is good (or not checked), and options that are
// each typed (no raw entries). Every other row goes through decodeFrame and toJson; the bytes
// are the same either way (JSON.stringify of that object, keys in its order).

import { formatAddress } from '../base/address.js';
import { ChecksumState } from '../wire/constants.js';
import type { SegmentTable } from '../wire/batch.js';
import type { FrameColumns } from './chunk.js';
import type { LineBuffer } from './line-buffer.js';
import { be16, be32, wellFormed } from './options-text.js';

/** More than the longest line this path writes (IPv6 addresses, four SACK blocks, 40 option kinds). */
const JSON_LINE_BOUND = 2048;
/** toISOString's four-digit years end here (later years print with a sign). */
const LAST_PLAIN_SECOND = 253402300799;
const IPV4_SRC_OFFSET = 12;
const IPV6_SRC_OFFSET = 8;
const IPV6_HEADER = 40;

const KIND_EOL = 0;
const KIND_NOP = 1;
const KIND_MSS = 2;
const KIND_WSCALE = 3;
const KIND_SACK_PERMITTED = 4;
const KIND_SACK = 5;
const KIND_TIMESTAMP = 8;

/**
 * Where each typed option lies in bytes[start, end), or false when a row's options would not all
 * be typed (an unknown kind, a repeat, a length that does not fit, bytes after EOL that are not
 * zero). `at` is indexed by kind.
 */
function scanOptions(d: Uint8Array, start: number, end: number, at: Int32Array): boolean {
  at.fill(-1);
  let i = start;
  while (i < end) {
    const kind = d[i]!;
    if (kind === KIND_EOL) {
      for (let k = i + 1; k < end; k++) if (d[k] !== 0) return false;
      return true;
    }
    if (kind === KIND_NOP) {
      i++;
      continue;
    }
    const length = d[i + 1]!;
    if (kind > KIND_TIMESTAMP || at[kind] !== -1 || !wellFormed(kind, length) || i + length > end) return false;
    at[kind] = i;
    i += length;
  }
  return true;
}

/** The ISO date-time of a second, cached: consecutive frames nearly always share it. */
class IsoSecond {
  #second = Number.NaN;
  #text = '';

  get(seconds: number): string {
    if (seconds !== this.#second) {
      this.#second = seconds;
      this.#text = new Date(seconds * 1000).toISOString().slice(0, 19);
    }
    return this.#text;
  }
}

/** Writes JSON lines for rows the columns describe fully; the caller handles the rest. */
export class JsonLineWriter {
  readonly #iso = new IsoSecond();
  readonly #at = new Int32Array(KIND_TIMESTAMP + 1);

  /** Writes row i's line (status 0) and returns true, or returns false having written nothing. */
  write(out: LineBuffer, chunk: FrameColumns, t: SegmentTable, i: number): boolean {
    const state = t.checksumState[i]!;
    if (state !== ChecksumState.GOOD && state !== ChecksumState.UNCHECKED) return false;
    const seconds = chunk.seconds[i]!;
    if (!(seconds > 0 && seconds <= LAST_PLAIN_SECOND)) return false;
    const d = chunk.data;
    const frame = chunk.offsets[i]!;
    const v4 = t.ipVersion[i] === 4;
    const src = frame + t.srcAddressOffset[i]!;
    const ip = src - (v4 ? IPV4_SRC_OFFSET : IPV6_SRC_OFFSET);
    const headerLength = t.headerLength[i]!;
    const tcp = frame + t.payloadOffset[i]! - headerLength;
    if (v4 ? d[ip] !== 0x45 : tcp !== ip + IPV6_HEADER) return false;
    const at = this.#at;
    if (headerLength > 20 && !scanOptions(d, tcp + 20, tcp + headerLength, at)) return false;

    out.begin(JSON_LINE_BOUND);
    const ns = chunk.nanoseconds[i]!;
    out.ascii('{"frame":');
    out.uint(chunk.firstIndex + i);
    out.ascii(',"timestampNs":"');
    out.uint(seconds);
    out.digits(ns, 9);
    out.ascii('","time":"');
    out.ascii(this.#iso.get(seconds));
    out.byte(0x2e);
    out.digits(ns, 9);
    out.ascii('Z","linkType":');
    out.uint(chunk.linkTypes[i]!);
    out.ascii(',"capturedLength":');
    out.uint(chunk.lengths[i]!);
    out.ascii(',"originalLength":');
    out.uint(chunk.originalLengths[i]!);
    if (v4) {
      out.ascii(',"ip":{"version":4,"src":"');
      this.#ipv4(out, d, src);
      out.ascii('","dst":"');
      this.#ipv4(out, d, src + 4);
      out.ascii('","ttl":');
      out.uint(d[ip + 8]!);
      out.ascii(',"tos":');
      out.uint(d[ip + 1]!);
      out.ascii(',"id":');
      out.uint(be16(d, ip + 4));
      const fragment = be16(d, ip + 6);
      out.ascii((fragment & 0x4000) !== 0 ? ',"dontFragment":true' : ',"dontFragment":false');
      out.ascii((fragment & 0x2000) !== 0 ? ',"moreFragments":true' : ',"moreFragments":false');
      out.ascii(',"fragmentOffset":');
      out.uint((fragment & 0x1fff) * 8);
      out.ascii(',"headerLength":20,"totalLength":');
      out.uint(be16(d, ip + 2));
      out.ascii(ipv4HeaderSumGood(d, ip) ? ',"headerChecksum":"good"}' : ',"headerChecksum":"bad"}');
    } else {
      out.ascii(',"ip":{"version":6,"src":"');
      out.ascii(formatAddress(d, src, 6));
      out.ascii('","dst":"');
      out.ascii(formatAddress(d, src + 16, 6));
      out.ascii('","hopLimit":');
      out.uint(d[ip + 7]!);
      out.ascii(',"trafficClass":');
      out.uint(((d[ip]! & 15) << 4) | (d[ip + 1]! >> 4));
      out.ascii(',"flowLabel":');
      out.uint(((d[ip + 1]! & 15) << 16) | (d[ip + 2]! << 8) | d[ip + 3]!);
      out.ascii(',"payloadLength":');
      out.uint(be16(d, ip + 4));
      out.ascii(',"extensionHeaders":[]}');
    }
    out.ascii(',"tcp":{"srcPort":');
    out.uint(t.srcPort[i]!);
    out.ascii(',"dstPort":');
    out.uint(t.dstPort[i]!);
    out.ascii(',"seq":');
    out.uint(t.seq[i]!);
    out.ascii(',"ack":');
    out.uint(t.ack[i]!);
    out.ascii(',"headerLength":');
    out.uint(headerLength);
    out.ascii(',"flags":');
    out.uint(t.flags[i]!);
    out.ascii(',"window":');
    out.uint(t.window[i]!);
    out.ascii(',"checksum":');
    out.uint(t.checksum[i]!);
    out.ascii(',"urgentPointer":');
    out.uint(t.urgentPointer[i]!);
    out.ascii(',"options":{"kinds":[');
    if (headerLength > 20) this.#options(out, d, tcp + 20, tcp + headerLength);
    else out.ascii(']}}');
    out.ascii(',"payloadLength":');
    out.uint(t.payloadLength[i]!);
    out.ascii(',"capturedPayloadLength":');
    out.uint(t.capturedPayloadLength[i]!);
    if (state === ChecksumState.GOOD) {
      // A good checksum is the one expected.
      out.ascii(',"checksumStatus":"good","expectedChecksum":');
      out.uint(t.checksum[i]!);
      out.ascii('}\n');
    } else out.ascii(',"checksumStatus":"unchecked"}\n');
    return true;
  }

  #ipv4(out: LineBuffer, d: Uint8Array, at: number): void {
    out.uint(d[at]!);
    out.byte(0x2e);
    out.uint(d[at + 1]!);
    out.byte(0x2e);
    out.uint(d[at + 2]!);
    out.byte(0x2e);
    out.uint(d[at + 3]!);
  }

  /** The kinds list and the typed options (scanned into this.#at), closing the tcp object. */
  #options(out: LineBuffer, d: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end;) {
      if (i > start) out.byte(0x2c);
      const kind = d[i]!;
      out.uint(kind);
      i += kind <= KIND_NOP ? 1 : d[i + 1]!;
    }
    out.ascii('],');
    const at = this.#at;
    // toJson's key order: the decoder sets mss, windowScale, sackPermitted, timestamp, sack.
    let comma = false;
    const key = (text: string) => {
      if (comma) out.byte(0x2c);
      comma = true;
      out.ascii(text);
    };
    if (at[KIND_MSS]! >= 0) {
      key('"mss":');
      out.uint(be16(d, at[KIND_MSS]! + 2));
    }
    if (at[KIND_WSCALE]! >= 0) {
      key('"windowScale":');
      out.uint(d[at[KIND_WSCALE]! + 2]!);
    }
    if (at[KIND_SACK_PERMITTED]! >= 0) key('"sackPermitted":true');
    if (at[KIND_TIMESTAMP]! >= 0) {
      const ts = at[KIND_TIMESTAMP]!;
      key('"timestamp":{"value":');
      out.uint(be32(d, ts + 2));
      out.ascii(',"echo":');
      out.uint(be32(d, ts + 6));
      out.byte(0x7d);
    }
    if (at[KIND_SACK]! >= 0) {
      const sack = at[KIND_SACK]!;
      const blocks = (d[sack + 1]! - 2) >> 3;
      key('"sack":[');
      for (let b = 0; b < blocks; b++) {
        out.ascii(b === 0 ? '[' : ',[');
        out.uint(be32(d, sack + 2 + 8 * b));
        out.byte(0x2c);
        out.uint(be32(d, sack + 6 + 8 * b));
        out.byte(0x5d);
      }
      out.byte(0x5d);
    }
    out.ascii('}}');
  }
}

/** RFC 791 §3.1: the ones' complement sum over a 20-byte header, checksum included, is 0xffff. */
function ipv4HeaderSumGood(d: Uint8Array, ip: number): boolean {
  let sum = 0;
  for (let k = 0; k < 20; k += 2) sum += (d[ip + k]! << 8) | d[ip + k + 1]!;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}
