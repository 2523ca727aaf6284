// IPv4 and IPv6 addresses: text (dotted quad, RFC 5952 for IPv6) to bytes and back.

export interface ParsedAddress {
  readonly version: 4 | 6;
  /** 4 or 16 bytes in network order. */
  readonly bytes: Uint8Array;
}

/** Formats 4 bytes at `offset` as a dotted quad. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * Formats 16 bytes at `offset` per RFC 5952: lower-case hex, leading zeros dropped, the longest
 * run of two or more zero groups (the first on a tie) as `::`, and IPv4-mapped addresses with a
 * dotted-quad tail.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0
    && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(bestStart + bestLength).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}

export function formatAddress(bytes: Uint8Array, offset: number, version: 4 | 6): string {
  return version === 4 ? formatIpv4(bytes, offset) : formatIpv6(bytes, offset);
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
    if (part === '::') { groups.push(-1); continue; }
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
