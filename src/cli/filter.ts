// --filter: a small expression language over decoded segments, compiled once into a closure that
// reads the SegmentTable columns of a row (no parsing or object per row).
//
//   expr    := or
//   or      := and (("or" | "||") and)*
//   and     := unary (("and" | "&&") unary)*
//   unary   := ("not" | "!") unary | "(" expr ")" | test
//   test    := ["src" | "dst"] "host" ADDRESS
//            | ["src" | "dst"] "port" NUMBER
//            | FIELD COMPARE NUMBER                     FIELD: tcp.len tcp.srcport tcp.dstport
//            | FLAG | "flags" "&" FLAG ("|" FLAG)*             tcp.window tcp.seq tcp.ack tcp.hdrlen
//            | "ip" | "ip6"                             COMPARE: > >= < <= == = !=
//   FLAG    := fin | syn | rst | psh | ack | urg | ece | cwr | ae
//
// and the pcap-filter (BPF) forms tcpdump users type, for TCP:
//   test    := "tcp" [["src" | "dst"] ("port" N | "portrange" N-M)]
//            | ["src" | "dst"] "net" ADDRESS/PREFIX | ["src" | "dst"] "portrange" N-M
//            | "tcp[tcpflags]" ["&" MASK] ("!=" | "==" | "=" | ">" ...) VALUE   (also tcp[13])
//   MASK    := TCPFLAG | NUMBER | MASK "|" MASK | "(" MASK ")"
//   TCPFLAG := tcp-fin | tcp-syn | tcp-rst | tcp-push | tcp-ack | tcp-urg | tcp-ece | tcp-cwr
// Other BPF primitives (udp, icmp, ether, vlan, less, greater, proto, tcp[N:M] ...) are refused
// with UnsupportedFilterError, which names the primitive.
//
// `host`, `net`, `port` and `portrange` without a direction match either end. Keywords are
// case-insensitive.

import { parseAddress } from '../base/address.js';
import { TcpFlags } from '../wire/constants.js';
import type { SegmentTable } from '../wire/batch.js';

/** Whether row i (which decoded) matches; `data` and `frameOffsets` locate the frame's bytes. */
export type RowPredicate = (t: SegmentTable, data: Uint8Array, frameOffsets: Uint32Array, i: number) => boolean;

export class FilterSyntaxError extends Error {
  /** 1-based column in the expression. */
  readonly column: number;
  constructor(message: string, column: number) {
    super(`column ${column}: ${message}`);
    this.name = 'FilterSyntaxError';
    this.column = column;
  }
}

/** A pcap-filter primitive the language does not have (it would select other frames than asked). */
export class UnsupportedFilterError extends FilterSyntaxError {
  readonly primitive: string;
  constructor(primitive: string, column: number) {
    super(
      `'${primitive}' is a pcap-filter primitive tcpwasm does not support (decode sees TCP segments only; see the filter grammar in the usage text)`,
      column,
    );
    this.name = 'UnsupportedFilterError';
    this.primitive = primitive;
  }
}

/** pcap-filter words that name something we cannot test; refused rather than misread. */
const UNSUPPORTED = new Set([
  'udp',
  'icmp',
  'icmp6',
  'arp',
  'rarp',
  'ether',
  'vlan',
  'mpls',
  'pppoed',
  'pppoes',
  'geneve',
  'sctp',
  'igmp',
  'less',
  'greater',
  'len',
  'proto',
  'protochain',
  'broadcast',
  'multicast',
  'gateway',
  'inbound',
  'outbound',
  'ifname',
  'on',
  'rnr',
  'rulenum',
  'reason',
  'action',
  'wlan',
  'type',
  'subtype',
  'dir',
  'atalk',
  'aarp',
  'decnet',
  'iso',
  'stp',
  'ipx',
  'netbeui',
  'llc',
  'mask',
  'ah',
  'esp',
  'pim',
  'vrrp',
  'carp',
]);

/** tcpdump's names for the bits of tcp[tcpflags] (byte 13 of the header). */
const TCP_FLAG_CONSTANTS: Record<string, number> = {
  'tcp-fin': 0x01,
  'tcp-syn': 0x02,
  'tcp-rst': 0x04,
  'tcp-push': 0x08,
  'tcp-ack': 0x10,
  'tcp-urg': 0x20,
  'tcp-ece': 0x40,
  'tcp-cwr': 0x80,
};

/** Bytes a and b agree in the first `bits` bits (a network prefix). */
function prefixAt(data: Uint8Array, at: number, net: Uint8Array, bits: number): boolean {
  let k = 0;
  for (; bits >= 8; k++, bits -= 8) if (data[at + k] !== net[k]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((data[at + k]! ^ net[k]!) & mask) === 0;
}

interface Token {
  text: string;
  /** 1-based column of the first character. */
  column: number;
}

const OPERATORS = ['&&', '||', '>=', '<=', '==', '!=', '(', ')', '[', ']', '!', '&', '|', '>', '<', '='];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ text: op, column: i + 1 });
      i += op.length;
      continue;
    }
    // '-' joins tcp-syn and portrange bounds, '/' a network's prefix length.
    const word = /^[A-Za-z0-9_.:%][A-Za-z0-9_.:%/-]*/.exec(source.slice(i));
    if (!word) throw new FilterSyntaxError(`unexpected character ${JSON.stringify(c)}`, i + 1);
    tokens.push({ text: word[0], column: i + 1 });
    i += word[0].length;
  }
  return tokens;
}

const FLAGS: Record<string, number> = {
  fin: TcpFlags.FIN,
  syn: TcpFlags.SYN,
  rst: TcpFlags.RST,
  psh: TcpFlags.PSH,
  ack: TcpFlags.ACK,
  urg: TcpFlags.URG,
  ece: TcpFlags.ECE,
  cwr: TcpFlags.CWR,
  ae: TcpFlags.AE,
};

type Column = (t: SegmentTable, i: number) => number;
const FIELDS: Record<string, Column> = {
  'tcp.len': (t, i) => t.payloadLength[i]!,
  'tcp.srcport': (t, i) => t.srcPort[i]!,
  'tcp.dstport': (t, i) => t.dstPort[i]!,
  'tcp.window': (t, i) => t.window[i]!,
  'tcp.seq': (t, i) => t.seq[i]!,
  'tcp.ack': (t, i) => t.ack[i]!,
  'tcp.hdrlen': (t, i) => t.headerLength[i]!,
};

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

function addressAt(data: Uint8Array, at: number, bytes: Uint8Array): boolean {
  for (let k = 0; k < bytes.length; k++) if (data[at + k] !== bytes[k]) return false;
  return true;
}

class Parser {
  #at = 0;
  readonly #tokens: Token[];
  readonly #length: number;
  constructor(tokens: Token[], length: number) {
    this.#tokens = tokens;
    this.#length = length;
  }

  #peek(): string | undefined {
    return this.#tokens[this.#at]?.text.toLowerCase();
  }

  #column(): number {
    return this.#tokens[this.#at]?.column ?? this.#length + 1;
  }

  #found(): string {
    const t = this.#tokens[this.#at];
    return t ? `'${t.text}'` : 'the end of the expression';
  }

  #next(): Token {
    return this.#tokens[this.#at++]!;
  }

  parseAll(): RowPredicate {
    if (this.#tokens.length === 0) throw new FilterSyntaxError('empty expression', 1);
    const p = this.#or();
    if (this.#at < this.#tokens.length)
      throw new FilterSyntaxError(`expected 'and', 'or' or the end, found ${this.#found()}`, this.#column());
    return p;
  }

  #or(): RowPredicate {
    let left = this.#and();
    while (this.#peek() === 'or' || this.#peek() === '||') {
      this.#next();
      const a = left;
      const b = this.#and();
      left = (t, d, o, i) => a(t, d, o, i) || b(t, d, o, i);
    }
    return left;
  }

  #and(): RowPredicate {
    let left = this.#unary();
    while (this.#peek() === 'and' || this.#peek() === '&&') {
      this.#next();
      const a = left;
      const b = this.#unary();
      left = (t, d, o, i) => a(t, d, o, i) && b(t, d, o, i);
    }
    return left;
  }

  #unary(): RowPredicate {
    const word = this.#peek();
    if (word === 'not' || word === '!') {
      this.#next();
      const inner = this.#unary();
      return (t, d, o, i) => !inner(t, d, o, i);
    }
    if (word === '(') {
      const open = this.#next();
      const inner = this.#or();
      if (this.#peek() !== ')') {
        throw new FilterSyntaxError(
          `expected ')' to close the '(' at column ${open.column}, found ${this.#found()}`,
          this.#column(),
        );
      }
      this.#next();
      return inner;
    }
    return this.#test();
  }

  #test(): RowPredicate {
    const column = this.#column();
    const word = this.#peek();
    if (word === undefined)
      throw new FilterSyntaxError(
        'expected a test (host, port, a flag, tcp.len ...), found the end of the expression',
        column,
      );
    if (word === 'tcp') return this.#tcp();
    if (this.#tokens[this.#at + 1]?.text === '[') {
      // ip[8], udp[0:2], ...: byte access into a header other than TCP's.
      const inner = this.#tokens[this.#at + 2]?.text ?? '';
      throw new UnsupportedFilterError(`${this.#tokens[this.#at]!.text}[${inner}]`, column);
    }
    if (word === 'src' || word === 'dst') {
      this.#next();
      const what = this.#peek();
      if (what !== 'host' && what !== 'port' && what !== 'net' && what !== 'portrange') {
        throw new FilterSyntaxError(
          `expected 'host', 'net', 'port' or 'portrange' after '${word}', found ${this.#found()}`,
          this.#column(),
        );
      }
      return this.#endpoint(what, word);
    }
    if (word === 'host' || word === 'port' || word === 'net' || word === 'portrange')
      return this.#endpoint(word, 'either');
    if (UNSUPPORTED.has(word)) throw new UnsupportedFilterError(this.#tokens[this.#at]!.text, column);
    if (word === 'ip' || word === 'ip6') {
      this.#next();
      const version = word === 'ip' ? 4 : 6;
      return (t, _d, _o, i) => t.ipVersion[i] === version;
    }
    if (word === 'flags' || word === 'tcp.flags') {
      this.#next();
      if (this.#peek() !== '&')
        throw new FilterSyntaxError(`expected '&' after '${word}', found ${this.#found()}`, this.#column());
      this.#next();
      let mask = this.#flag();
      while (this.#peek() === '|') {
        this.#next();
        mask |= this.#flag();
      }
      return (t, _d, _o, i) => (t.flags[i]! & mask) !== 0;
    }
    if (word in FLAGS) {
      const bit = this.#flag();
      return (t, _d, _o, i) => (t.flags[i]! & bit) !== 0;
    }
    const field = FIELDS[word];
    if (field) {
      this.#next();
      const op = this.#peek();
      const compare = op === undefined ? undefined : COMPARE[op];
      if (!compare)
        throw new FilterSyntaxError(
          `expected a comparison (> >= < <= == !=) after '${word}', found ${this.#found()}`,
          this.#column(),
        );
      this.#next();
      const value = this.#number(`a number after '${op}'`, 0xffffffff);
      return (t, _d, _o, i) => compare(field(t, i), value);
    }
    throw new FilterSyntaxError(
      `unknown test ${this.#found()} (expected host, port, src, dst, ip, ip6, a flag, flags & FLAG or ${Object.keys(FIELDS).join(', ')})`,
      column,
    );
  }

  /** `tcp` alone (every row is TCP), `tcp [src|dst] port|portrange ...`, or `tcp[tcpflags] ...`. */
  #tcp(): RowPredicate {
    const column = this.#column();
    this.#next();
    const next = this.#peek();
    if (next === '[') return this.#tcpFlagsByte(column);
    if (next === 'port' || next === 'portrange') return this.#endpoint(next, 'either');
    if (next === 'src' || next === 'dst') {
      this.#next();
      const what = this.#peek();
      if (what !== 'port' && what !== 'portrange')
        throw new FilterSyntaxError(
          `expected 'port' or 'portrange' after 'tcp ${next}', found ${this.#found()}`,
          this.#column(),
        );
      return this.#endpoint(what, next);
    }
    if (next === 'host' || next === 'net')
      throw new FilterSyntaxError(
        `'tcp ${next}' is not pcap-filter syntax: write '${next} ADDRESS' (every row is TCP)`,
        this.#column(),
      );
    return () => true;
  }

  /**
   * tcp[tcpflags] (or tcp[13]) [& MASK] OP VALUE: byte 13 of the TCP header, as BPF reads it.
   * libpcap applies tcp[...] to IPv4 only (pcap-filter(7)); here it tests IPv6 segments too.
   */
  #tcpFlagsByte(column: number): RowPredicate {
    this.#next();
    const index = this.#tokens[this.#at];
    if (!index || (index.text.toLowerCase() !== 'tcpflags' && index.text !== '13')) {
      throw new UnsupportedFilterError(`tcp[${index?.text ?? ''}]`, column);
    }
    this.#next();
    if (this.#peek() !== ']')
      throw new UnsupportedFilterError(`tcp[${index.text}${this.#tokens[this.#at]?.text ?? ''}`, column);
    this.#next();
    let mask = 0xff;
    if (this.#peek() === '&') {
      this.#next();
      mask = this.#mask();
    }
    const op = this.#peek();
    const compare = op === undefined || op === '&' ? undefined : COMPARE[op];
    if (!compare)
      throw new FilterSyntaxError(
        `expected a comparison (!= == = > >= < <=) after tcp[tcpflags], found ${this.#found()}`,
        this.#column(),
      );
    this.#next();
    const value = this.#mask();
    return (t, _d, _o, i) => compare(t.flags[i]! & 0xff & mask, value);
  }

  /** MASK := TCPFLAG | NUMBER | MASK '|' MASK | '(' MASK ')'. */
  #mask(): number {
    let value = this.#maskTerm();
    while (this.#peek() === '|') {
      this.#next();
      value |= this.#maskTerm();
    }
    return value;
  }

  #maskTerm(): number {
    const word = this.#peek();
    if (word === '(') {
      this.#next();
      const value = this.#mask();
      if (this.#peek() !== ')')
        throw new FilterSyntaxError(`expected ')' in the flag mask, found ${this.#found()}`, this.#column());
      this.#next();
      return value;
    }
    const constant = word === undefined ? undefined : TCP_FLAG_CONSTANTS[word];
    if (constant !== undefined) {
      this.#next();
      return constant;
    }
    return this.#number(`a flag (${Object.keys(TCP_FLAG_CONSTANTS).join(' ')}) or a number`, 0xff);
  }

  #flag(): number {
    const word = this.#peek();
    const bit = word === undefined ? undefined : FLAGS[word];
    if (bit === undefined)
      throw new FilterSyntaxError(
        `expected a flag (${Object.keys(FLAGS).join(' ')}), found ${this.#found()}`,
        this.#column(),
      );
    this.#next();
    return bit;
  }

  #number(what: string, max: number): number {
    const token = this.#tokens[this.#at];
    if (!token || !/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(token.text) || Number(token.text) > max) {
      throw new FilterSyntaxError(`expected ${what} (0..${max}), found ${this.#found()}`, this.#column());
    }
    this.#next();
    return Number(token.text);
  }

  #endpoint(kind: 'host' | 'port' | 'net' | 'portrange', direction: 'src' | 'dst' | 'either'): RowPredicate {
    this.#next();
    if (kind === 'portrange') {
      const token = this.#tokens[this.#at];
      const m = token ? /^(\d+)-(\d+)$/.exec(token.text) : null;
      const low = m ? Number(m[1]) : NaN;
      const high = m ? Number(m[2]) : NaN;
      if (!m || low > 0xffff || high > 0xffff)
        throw new FilterSyntaxError(
          `expected a port range N-M after 'portrange', found ${this.#found()}`,
          this.#column(),
        );
      this.#next();
      // pcap-filter accepts the bounds either way round.
      const lo = Math.min(low, high);
      const hi = Math.max(low, high);
      const inRange = (p: number) => p >= lo && p <= hi;
      if (direction === 'src') return (t, _d, _o, i) => inRange(t.srcPort[i]!);
      if (direction === 'dst') return (t, _d, _o, i) => inRange(t.dstPort[i]!);
      return (t, _d, _o, i) => inRange(t.srcPort[i]!) || inRange(t.dstPort[i]!);
    }
    if (kind === 'net') return this.#net(direction);
    if (kind === 'port') {
      const port = this.#number("a port number after 'port'", 0xffff);
      if (direction === 'src') return (t, _d, _o, i) => t.srcPort[i] === port;
      if (direction === 'dst') return (t, _d, _o, i) => t.dstPort[i] === port;
      return (t, _d, _o, i) => t.srcPort[i] === port || t.dstPort[i] === port;
    }
    const token = this.#tokens[this.#at];
    if (!token)
      throw new FilterSyntaxError(
        "expected an IPv4 or IPv6 address after 'host', found the end of the expression",
        this.#column(),
      );
    let parsed;
    try {
      parsed = parseAddress(token.text);
    } catch {
      throw new FilterSyntaxError(`expected an IPv4 or IPv6 address after 'host', found '${token.text}'`, token.column);
    }
    this.#next();
    return this.#addressTest(parsed.version, (d, at) => addressAt(d, at, parsed.bytes), direction);
  }

  #net(direction: 'src' | 'dst' | 'either'): RowPredicate {
    const token = this.#tokens[this.#at];
    const parsed = token ? parseNet(token.text) : undefined;
    if (!token || !parsed) {
      throw new FilterSyntaxError(
        `expected a network ADDRESS/PREFIX (e.g. 10.0.0.0/8, 2001:db8::/32) with no host bits set after 'net', found ${this.#found()}`,
        token?.column ?? this.#column(),
      );
    }
    this.#next();
    return this.#addressTest(parsed.version, (d, at) => prefixAt(d, at, parsed.bytes, parsed.bits), direction);
  }

  #addressTest(
    version: number,
    test: (data: Uint8Array, at: number) => boolean,
    direction: 'src' | 'dst' | 'either',
  ): RowPredicate {
    const src: RowPredicate = (t, d, o, i) => t.ipVersion[i] === version && test(d, o[i]! + t.srcAddressOffset[i]!);
    const dst: RowPredicate = (t, d, o, i) => t.ipVersion[i] === version && test(d, o[i]! + t.dstAddressOffset[i]!);
    if (direction === 'src') return src;
    if (direction === 'dst') return dst;
    return (t, d, o, i) => src(t, d, o, i) || dst(t, d, o, i);
  }
}

/** Parses ADDRESS[/PREFIX] after `net`. */
function parseNet(text: string): { version: 4 | 6; bytes: Uint8Array; bits: number } | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  let parsed;
  try {
    parsed = parseAddress(address);
  } catch {
    return undefined;
  }
  const width = parsed.bytes.length * 8;
  const bits = slash < 0 ? width : /^\d+$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  // Like pcap-filter, host bits set under the mask are an error, not silently dropped.
  for (let k = 0; k < parsed.bytes.length; k++) {
    const hostBits = 0xff >> Math.max(0, Math.min(8, bits - 8 * k));
    if (parsed.bytes[k]! & hostBits) return undefined;
  }
  return { version: parsed.version as 4 | 6, bytes: parsed.bytes, bits };
}

/** Compiles a filter expression; throws FilterSyntaxError naming the column of the problem. */
export function compileFilter(source: string): RowPredicate {
  return new Parser(tokenize(source), source.length).parseAll();
}
