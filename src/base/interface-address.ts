// The stack's own addresses ("192.0.2.2/24", "2001:db8::2/64") and the compact keys the
// connection table uses for addresses read straight out of packet bytes.

import { formatAddress, parseAddress } from './address.js';

export interface LocalAddress {
  /** Canonical text (RFC 5952 for IPv6). */
  readonly address: string;
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
  /** Position in the stack's address list; part of connection keys. */
  readonly index: number;
}

/** Parses "address/prefix" (prefix optional: /32 or /128). */
export function parseInterfaceAddress(text: string, index: number): LocalAddress {
  if (typeof text !== 'string')
    throw new TypeError(`addresses must be strings like "192.0.2.2/24", got ${typeof text}`);
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const parsed = parseAddress(host);
  const max = parsed.version === 4 ? 32 : 128;
  const prefixLength = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    throw new RangeError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  return {
    address: formatAddress(parsed.bytes, 0, parsed.version),
    version: parsed.version,
    bytes: parsed.bytes,
    prefixLength,
    index,
  };
}

/** Whether `bytes` lies inside `local`'s prefix. */
export function inPrefix(local: LocalAddress, bytes: Uint8Array): boolean {
  if (bytes.length !== local.bytes.length) return false;
  let bits = local.prefixLength;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (local.bytes[i]! & mask)) return false;
  }
  return true;
}

/**
 * A string key for the address at `offset` in a packet: cheap to build per packet (no RFC 5952
 * formatting) and equal for equal addresses of the same family.
 */
export function addressKey(bytes: Uint8Array, offset: number, version: number): string {
  if (version === 4) {
    return String(
      ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0,
    );
  }
  let key = '';
  for (let i = 0; i < 16; i += 4) {
    const word =
      ((bytes[offset + i]! << 24) |
        (bytes[offset + i + 1]! << 16) |
        (bytes[offset + i + 2]! << 8) |
        bytes[offset + i + 3]!) >>>
      0;
    key += word.toString(36) + ':';
  }
  return key;
}

/** The local address (index into `locals`) whose bytes equal those at `offset`, or -1. */
export function matchLocal(
  locals: readonly LocalAddress[],
  bytes: Uint8Array,
  offset: number,
  version: number,
): number {
  outer: for (const local of locals) {
    if (local.version !== version) continue;
    const own = local.bytes;
    for (let i = 0; i < own.length; i++) if (own[i] !== bytes[offset + i]) continue outer;
    return local.index;
  }
  return -1;
}
