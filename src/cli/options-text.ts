// tcpdump's option list read straight from the TCP header bytes of a row that decoded. It
// follows the decoder's rule (assembly/tcp.ts): a well-known kind is typed at its first
// occurrence when its length fits; any other occurrence is printed raw, as formatOptions does.

import { OPTION_NAMES, hex } from './format.js';

const KIND_MSS = 2;
const KIND_WSCALE = 3;
const KIND_SACK_PERMITTED = 4;
const KIND_SACK = 5;
const KIND_TIMESTAMP = 8;
const MAX_SACK_BLOCKS = 4;

/** The big-endian 16-bit word at `at`. */
export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** The big-endian 32-bit word at `at`. */
export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The decoder's rule (assembly/tcp.ts) for typing a well-known option kind: its length fits. */
export function wellFormed(kind: number, length: number): boolean {
  switch (kind) {
    case KIND_MSS:
      return length === 4;
    case KIND_WSCALE:
      return length === 3;
    case KIND_SACK_PERMITTED:
      return length === 2;
    case KIND_SACK:
      return length >= 10 && ((length - 2) & 7) === 0 && (length - 2) >> 3 <= MAX_SACK_BLOCKS;
    case KIND_TIMESTAMP:
      return length === 10;
    default:
      return false;
  }
}

/** Where the option walker writes: a string being built, or a line buffer. */
export interface OptionSink {
  ascii(text: string): void;
  uint(n: number): void;
}

class StringSink implements OptionSink {
  text = '';
  ascii(text: string): void {
    this.text += text;
  }
  uint(n: number): void {
    this.text += n;
  }
}

/** An upper bound on what writeOptions writes for `length` option bytes (40 at most in TCP). */
export function optionsTextBound(length: number): number {
  // The widest per byte: a NOP, 4 characters ("nop,"); a SACK block, 23 for 8 bytes; raw data,
  // 2 hex digits a byte after a name of at most 14.
  return 8 * length + 32;
}

/**
 * Writes the text inside `options [...]` for the options in bytes[start, end) of a header the
 * decoder accepted (so every length byte is in range). Writes nothing when there are none.
 */
export function writeOptions(out: OptionSink, bytes: Uint8Array, start: number, end: number, tcpdump = false): void {
  let seen = 0;
  let i = start;
  while (i < end) {
    if (i > start) out.ascii(',');
    const kind = bytes[i]!;
    if (kind === 0) {
      // End of option list (RFC 9293 §3.2): what follows is padding, and tcpdump stops here too.
      out.ascii('eol');
      return;
    }
    if (kind === 1) {
      out.ascii('nop');
      i++;
      continue;
    }
    const length = bytes[i + 1]!;
    const bit = 1 << kind;
    const first = kind < 32 && (seen & bit) === 0;
    if (kind < 32) seen |= bit;
    const at = i + 2;
    if (tcpdump && writeTcpdumpOnly(out, kind, bytes, at, length)) {
      i += length;
      continue;
    }
    // tcpdump types every occurrence; our default line types only the first, as the decoder does.
    if ((first || tcpdump) && wellFormed(kind, length)) {
      if (kind === KIND_MSS) {
        out.ascii('mss ');
        out.uint(be16(bytes, at));
      } else if (kind === KIND_WSCALE) {
        out.ascii('wscale ');
        out.uint(bytes[at]!);
      } else if (kind === KIND_SACK_PERMITTED) out.ascii('sackOK');
      else if (kind === KIND_TIMESTAMP) {
        out.ascii('TS val ');
        out.uint(be32(bytes, at));
        out.ascii(' ecr ');
        out.uint(be32(bytes, at + 4));
      } else {
        const blocks = (length - 2) >> 3;
        out.ascii('sack ');
        out.uint(blocks);
        out.ascii(' ');
        for (let b = 0; b < blocks; b++) {
          out.ascii('{');
          out.uint(be32(bytes, at + 8 * b));
          out.ascii(':');
          out.uint(be32(bytes, at + 8 * b + 4));
          out.ascii('}');
        }
      }
    } else {
      out.ascii(
        (tcpdump ? (TCPDUMP_NAMES[kind] ?? `unknown-${kind}`) : undefined) ?? OPTION_NAMES[kind] ?? `opt-${kind}`,
      );
      if (length > 2) {
        out.ascii(' 0x');
        out.ascii(hex(bytes.subarray(at, i + length)));
      }
    }
    i += length;
  }
}

/**
 * Names tcpdump 4.99 (print-tcp.c tcp_option_values) gives the kinds it prints raw; any other
 * kind is unknown-N. Kinds 27 (quick-start) and 253 are not in its table.
 */
const TCPDUMP_NAMES: Record<number, string> = { 19: 'md5', 20: 'scps', 29: 'tcp-ao', 30: 'mptcp' };

/** RFC 6994 experiment id of TCP Fast Open under kind 254 (RFC 7413 §4.1.1). */
const TFO_MAGIC = 0xf989;

/** TCP Fast Open's cookie as tcpdump prints it: cookiereq when empty, `cookie HEX` or invalid. */
function writeFastOpen(out: OptionSink, bytes: Uint8Array, at: number, length: number): void {
  if (length === 0) return out.ascii(' cookiereq');
  if (length % 2 !== 0 || length < 4 || length > 16) return out.ascii(' invalid');
  out.ascii(' cookie ');
  out.ascii(hex(bytes.subarray(at, at + length)));
}

/**
 * The kinds tcpdump decodes that our default line prints raw: UTO (RFC 5482, `uto 0xRAW
 * SECONDS`), Fast Open (kind 34, and kind 254 with its magic), other kind-254 experiments
 * (`exp-MAGIC`), echo/echoreply (RFC 1072) and CC (RFC 1644). False when it is not one of them.
 */
function writeTcpdumpOnly(out: OptionSink, kind: number, bytes: Uint8Array, at: number, length: number): boolean {
  const data = length - 2;
  if (kind === 28 && data === 2) {
    const raw = be16(bytes, at);
    out.ascii('uto 0x');
    out.ascii(raw.toString(16));
    out.ascii(' ');
    // The low bit is the granularity: set means minutes (RFC 5482 §2).
    out.uint(raw & 1 ? (raw >> 1) * 60 : raw >> 1);
    return true;
  }
  if (kind === 34) {
    out.ascii('tfo');
    writeFastOpen(out, bytes, at, data);
    return true;
  }
  if (kind === 254 && data >= 2) {
    const magic = be16(bytes, at);
    if (magic === TFO_MAGIC) {
      out.ascii('exp-tfo');
      writeFastOpen(out, bytes, at + 2, data - 2);
    } else out.ascii(`exp-${magic.toString(16).padStart(4, '0')}`);
    return true;
  }
  if ((kind === 6 || kind === 7) && data === 4) {
    out.ascii(kind === 6 ? 'echo ' : 'echoreply ');
    out.uint(be32(bytes, at));
    return true;
  }
  if (kind >= 11 && kind <= 13 && data === 4) {
    // tcpdump names kind 13 (CC.ECHO) with an empty string.
    out.ascii(kind === 11 ? 'cc ' : kind === 12 ? 'ccnew ' : ' ');
    out.uint(be32(bytes, at));
    return true;
  }
  return false;
}

/** writeOptions as a string (empty when there are no options). */
export function optionsText(bytes: Uint8Array, start: number, end: number): string {
  const sink = new StringSink();
  writeOptions(sink, bytes, start, end);
  return sink.text;
}
