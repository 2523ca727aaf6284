// IPv4 and IPv6 addresses: text (dotted quad, RFC 5952 for IPv6) to bytes and back.

export interface ParsedAddress {
  readonly version: 4 | 6;
  /** 4 or 16 bytes in network order. */
  readonly bytes: Uint8Array;
}

/** Decimal text of every byte value: formatting an address is then four lookups and joins. */
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * Recently formatted addresses, direct-mapped by a hash of their value: packets of one flow repeat
 * the same two, and comparing one to four integers costs a fraction of building the string (or
 * of a Map lookup). A slot is simply overwritten on a collision, so the caches never grow.
 */
const CACHE_BITS = 10;
const IPV4_KEYS = new Int32Array(1 << CACHE_BITS);
const IPV4_TEXTS: Array<string | undefined> = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);
const IPV6_KEYS = new Int32Array(4 << CACHE_BITS);
const IPV6_TEXTS: Array<string | undefined> = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);

function slotOf(hash: number): number {
  return Math.imul(hash, 0x9e3779b1) >>> (32 - CACHE_BITS);
}

/** Formats 4 bytes at `offset` as a dotted quad. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return ipv4Text(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

function ipv4Text(a: number, b: number, c: number, d: number): string {
  const key = (a << 24) | (b << 16) | (c << 8) | d;
  const slot = slotOf(key);
  let text = IPV4_TEXTS[slot];
  if (text === undefined || IPV4_KEYS[slot] !== key) {
    text = `${DECIMAL[a]}.${DECIMAL[b]}.${DECIMAL[c]}.${DECIMAL[d]}`;
    IPV4_KEYS[slot] = key;
    IPV4_TEXTS[slot] = text;
  }
  return text;
}

function word(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/** formatIpv6 through the cache (decoders format two addresses per IPv6 packet). */
function cachedIpv6(bytes: Uint8Array, offset: number): string {
  const w0 = word(bytes, offset);
  const w1 = word(bytes, offset + 4);
  const w2 = word(bytes, offset + 8);
  const w3 = word(bytes, offset + 12);
  const slot = slotOf(w0 ^ Math.imul(w1, 31) ^ Math.imul(w2, 961) ^ Math.imul(w3, 29791));
  const k = slot << 2;
  let text = IPV6_TEXTS[slot];
  if (
    text === undefined ||
    IPV6_KEYS[k] !== w0 ||
    IPV6_KEYS[k + 1] !== w1 ||
    IPV6_KEYS[k + 2] !== w2 ||
    IPV6_KEYS[k + 3] !== w3
  ) {
    text = formatIpv6(bytes, offset);
    IPV6_KEYS[k] = w0;
    IPV6_KEYS[k + 1] = w1;
    IPV6_KEYS[k + 2] = w2;
    IPV6_KEYS[k + 3] = w3;
    IPV6_TEXTS[slot] = text;
  }
  return text;
}

/** Hex text (no leading zeros) of 16-bit groups is built from two byte lookups. */
const HEX_HIGH: readonly string[] = Array.from({ length: 256 }, (_, i) => (i === 0 ? '' : i.toString(16)));
const HEX_LOW_PADDED: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_LOW: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

function hexGroup(bytes: Uint8Array, at: number): string {
  const high = bytes[at]!;
  return high === 0 ? HEX_LOW[bytes[at + 1]!]! : HEX_HIGH[high]! + HEX_LOW_PADDED[bytes[at + 1]!]!;
}

/**
 * Formats 16 bytes at `offset` per RFC 5952: lower-case hex, leading zeros dropped, the longest
 * run of two or more zero groups (the first on a tie) as `::`, and IPv4-mapped addresses with a
 * dotted-quad tail. No intermediate arrays: decodeFrame formats two per IPv6 packet.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const zero = (g: number) => (bytes[offset + 2 * g]! | bytes[offset + 2 * g + 1]!) === 0;
  if (
    zero(0) &&
    zero(1) &&
    zero(2) &&
    zero(3) &&
    zero(4) &&
    bytes[offset + 10] === 0xff &&
    bytes[offset + 11] === 0xff
  ) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (!zero(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && zero(j)) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += '::';
      g += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += hexGroup(bytes, offset + 2 * g);
  }
  return text;
}

export function formatAddress(bytes: Uint8Array, offset: number, version: 4 | 6): string {
  return version === 4 ? formatIpv4(bytes, offset) : cachedIpv6(bytes, offset);
}

function parseIpv4Into(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return false;
    const value = Number(part);
    if (value > 255) return false;
    out[at + i] = value;
  }
  return true;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  const all = [...head, ...(halves.length === 2 ? ['::'] : []), ...tail];
  let ipv4Tail: Uint8Array | undefined;
  for (let i = 0; i < all.length; i++) {
    const part = all[i]!;
    if (part === '::') {
      groups.push(-1);
      continue;
    }
    if (i === all.length - 1 && part.includes('.')) {
      ipv4Tail = new Uint8Array(4);
      if (!parseIpv4Into(part, ipv4Tail, 0)) return undefined;
      groups.push((ipv4Tail[0]! << 8) | ipv4Tail[1]!, (ipv4Tail[2]! << 8) | ipv4Tail[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  const explicit = groups.filter((g) => g >= 0).length;
  const gap = groups.indexOf(-1);
  if (gap < 0 ? explicit !== 8 : explicit > 7) return undefined;
  const full: number[] = [];
  for (const g of groups) {
    if (g >= 0) full.push(g);
    else for (let k = 0; k < 8 - explicit; k++) full.push(0);
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = full[i]! >> 8;
    out[2 * i + 1] = full[i]! & 0xff;
  }
  return out;
}

/** Parses an IPv4 or IPv6 address; throws TypeError naming the text when it is neither. */
export function parseAddress(text: string): ParsedAddress {
  if (typeof text !== 'string') throw new TypeError(`expected an IP address string, got ${typeof text}`);
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    if (bytes) return { version: 6, bytes };
  } else {
    const bytes = new Uint8Array(4);
    if (parseIpv4Into(text, bytes, 0)) return { version: 4, bytes };
  }
  throw new TypeError(`not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
}

/** Parsed addresses by text, for encoders that see the same few endpoints over and over. */
const cache = new Map<string, ParsedAddress>();
/** Bounds the cache: a program talking to many peers clears it now and then, never grows it. */
const CACHE_LIMIT = 1024;

/**
 * parseAddress for internal hot paths: the same text yields the same shared (frozen-by-contract)
 * object, so callers must not modify its bytes. parseAddress itself still returns fresh bytes.
 */
export function cachedAddress(text: string): ParsedAddress {
  let parsed = cache.get(text);
  if (parsed === undefined) {
    parsed = parseAddress(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, parsed);
  }
  return parsed;
}

/**
 * An address given as text or already parsed (a ParsedAddress, e.g. from parseAddress, kept by
 * a caller that sends to the same endpoints many times). A parsed one is checked, not trusted.
 */
export function toAddress(value: string | ParsedAddress): ParsedAddress {
  if (typeof value === 'string') return cachedAddress(value);
  if (
    typeof value !== 'object' ||
    value === null ||
    !(value.bytes instanceof Uint8Array) ||
    !((value.version === 4 && value.bytes.length === 4) || (value.version === 6 && value.bytes.length === 16))
  ) {
    throw new TypeError(
      'expected an IP address string or a ParsedAddress ({ version: 4, 4 bytes } or { version: 6, 16 bytes })',
    );
  }
  return value;
}
