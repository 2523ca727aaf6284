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

function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function wellFormed(kind: number, length: number): boolean {
  switch (kind) {
    case KIND_MSS: return length === 4;
    case KIND_WSCALE: return length === 3;
    case KIND_SACK_PERMITTED: return length === 2;
    case KIND_SACK: return length >= 10 && ((length - 2) & 7) === 0 && (length - 2) >> 3 <= MAX_SACK_BLOCKS;
    case KIND_TIMESTAMP: return length === 10;
    default: return false;
  }
}

/**
 * The text inside `options [...]` for the options in bytes[start, end) of a header the decoder
 * accepted (so every length byte is in range). Empty when there are no options.
 */
export function optionsText(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  let seen = 0;
  let i = start;
  while (i < end) {
    const kind = bytes[i]!;
    let text: string;
    if (kind === 0 || kind === 1) {
      text = kind === 0 ? 'eol' : 'nop';
      i++;
    } else {
      const length = bytes[i + 1]!;
      const bit = 1 << kind;
      const first = kind < 32 && (seen & bit) === 0;
      if (kind < 32) seen |= bit;
      const at = i + 2;
      if (first && wellFormed(kind, length)) {
        if (kind === KIND_MSS) text = `mss ${be16(bytes, at)}`;
        else if (kind === KIND_WSCALE) text = `wscale ${bytes[at]}`;
        else if (kind === KIND_SACK_PERMITTED) text = 'sackOK';
        else if (kind === KIND_TIMESTAMP) text = `TS val ${be32(bytes, at)} ecr ${be32(bytes, at + 4)}`;
        else {
          const blocks = (length - 2) >> 3;
          text = `sack ${blocks} `;
          for (let b = 0; b < blocks; b++) text += `{${be32(bytes, at + 8 * b)}:${be32(bytes, at + 8 * b + 4)}}`;
        }
      } else {
        const name = OPTION_NAMES[kind] ?? `opt-${kind}`;
        text = length > 2 ? `${name} 0x${hex(bytes.subarray(at, i + length))}` : name;
      }
      i += length;
    }
    out = out === '' ? text : `${out},${text}`;
  }
  return out;
}
