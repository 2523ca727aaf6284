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
// `host` and `port` without a direction match either end. Keywords are case-insensitive.

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

interface Token {
  text: string;
  /** 1-based column of the first character. */
  column: number;
}

const OPERATORS = ['&&', '||', '>=', '<=', '==', '!=', '(', ')', '!', '&', '|', '>', '<', '='];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ text: op, column: i + 1 });
      i += op.length;
      continue;
    }
    const word = /^[A-Za-z0-9_.:%]+/.exec(source.slice(i));
    if (!word) throw new FilterSyntaxError(`unexpected character ${JSON.stringify(c)}`, i + 1);
    tokens.push({ text: word[0], column: i + 1 });
    i += word[0].length;
  }
  return tokens;
}

const FLAGS: Record<string, number> = {
  fin: TcpFlags.FIN, syn: TcpFlags.SYN, rst: TcpFlags.RST, psh: TcpFlags.PSH, ack: TcpFlags.ACK,
  urg: TcpFlags.URG, ece: TcpFlags.ECE, cwr: TcpFlags.CWR, ae: TcpFlags.AE,
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
  '>': (a, b) => a > b, '>=': (a, b) => a >= b, '<': (a, b) => a < b, '<=': (a, b) => a <= b,
  '==': (a, b) => a === b, '=': (a, b) => a === b, '!=': (a, b) => a !== b,
};

function addressAt(data: Uint8Array, at: number, bytes: Uint8Array): boolean {
  for (let k = 0; k < bytes.length; k++) if (data[at + k] !== bytes[k]) return false;
  return true;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[], private readonly length: number) {}

  private peek(): string | undefined {
    return this.tokens[this.at]?.text.toLowerCase();
  }

  private column(): number {
    return this.tokens[this.at]?.column ?? this.length + 1;
  }

  private found(): string {
    const t = this.tokens[this.at];
    return t ? `'${t.text}'` : 'the end of the expression';
  }

  private next(): Token {
    return this.tokens[this.at++]!;
  }

  parseAll(): RowPredicate {
    if (this.tokens.length === 0) throw new FilterSyntaxError('empty expression', 1);
    const p = this.or();
    if (this.at < this.tokens.length) throw new FilterSyntaxError(`expected 'and', 'or' or the end, found ${this.found()}`, this.column());
    return p;
  }

  private or(): RowPredicate {
    let left = this.and();
    while (this.peek() === 'or' || this.peek() === '||') {
      this.next();
      const a = left;
      const b = this.and();
      left = (t, d, o, i) => a(t, d, o, i) || b(t, d, o, i);
    }
    return left;
  }

  private and(): RowPredicate {
    let left = this.unary();
    while (this.peek() === 'and' || this.peek() === '&&') {
      this.next();
      const a = left;
      const b = this.unary();
      left = (t, d, o, i) => a(t, d, o, i) && b(t, d, o, i);
    }
    return left;
  }

  private unary(): RowPredicate {
    const word = this.peek();
    if (word === 'not' || word === '!') {
      this.next();
      const inner = this.unary();
      return (t, d, o, i) => !inner(t, d, o, i);
    }
    if (word === '(') {
      const open = this.next();
      const inner = this.or();
      if (this.peek() !== ')') {
        throw new FilterSyntaxError(`expected ')' to close the '(' at column ${open.column}, found ${this.found()}`, this.column());
      }
      this.next();
      return inner;
    }
    return this.test();
  }

  private test(): RowPredicate {
    const column = this.column();
    const word = this.peek();
    if (word === undefined) throw new FilterSyntaxError('expected a test (host, port, a flag, tcp.len ...), found the end of the expression', column);
    if (word === 'src' || word === 'dst') {
      this.next();
      const what = this.peek();
      if (what !== 'host' && what !== 'port') throw new FilterSyntaxError(`expected 'host' or 'port' after '${word}', found ${this.found()}`, this.column());
      return this.endpoint(what, word);
    }
    if (word === 'host' || word === 'port') return this.endpoint(word, 'either');
    if (word === 'ip' || word === 'ip6') {
      this.next();
      const version = word === 'ip' ? 4 : 6;
      return (t, _d, _o, i) => t.ipVersion[i] === version;
    }
    if (word === 'flags' || word === 'tcp.flags') {
      this.next();
      if (this.peek() !== '&') throw new FilterSyntaxError(`expected '&' after '${word}', found ${this.found()}`, this.column());
      this.next();
      let mask = this.flag();
      while (this.peek() === '|') {
        this.next();
        mask |= this.flag();
      }
      return (t, _d, _o, i) => (t.flags[i]! & mask) !== 0;
    }
    if (word in FLAGS) {
      const bit = this.flag();
      return (t, _d, _o, i) => (t.flags[i]! & bit) !== 0;
    }
    const field = FIELDS[word];
    if (field) {
      this.next();
      const op = this.peek();
      const compare = op === undefined ? undefined : COMPARE[op];
      if (!compare) throw new FilterSyntaxError(`expected a comparison (> >= < <= == !=) after '${word}', found ${this.found()}`, this.column());
      this.next();
      const value = this.number(`a number after '${op}'`, 0xffffffff);
      return (t, _d, _o, i) => compare(field(t, i), value);
    }
    throw new FilterSyntaxError(`unknown test ${this.found()} (expected host, port, src, dst, ip, ip6, a flag, flags & FLAG or ${Object.keys(FIELDS).join(', ')})`, column);
  }

  private flag(): number {
    const word = this.peek();
    const bit = word === undefined ? undefined : FLAGS[word];
    if (bit === undefined) throw new FilterSyntaxError(`expected a flag (${Object.keys(FLAGS).join(' ')}), found ${this.found()}`, this.column());
    this.next();
    return bit;
  }

  private number(what: string, max: number): number {
    const token = this.tokens[this.at];
    if (!token || !/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(token.text) || Number(token.text) > max) {
      throw new FilterSyntaxError(`expected ${what} (0..${max}), found ${this.found()}`, this.column());
    }
    this.next();
    return Number(token.text);
  }

  private endpoint(kind: 'host' | 'port', direction: 'src' | 'dst' | 'either'): RowPredicate {
    this.next();
    if (kind === 'port') {
      const port = this.number("a port number after 'port'", 0xffff);
      if (direction === 'src') return (t, _d, _o, i) => t.srcPort[i] === port;
      if (direction === 'dst') return (t, _d, _o, i) => t.dstPort[i] === port;
      return (t, _d, _o, i) => t.srcPort[i] === port || t.dstPort[i] === port;
    }
    const token = this.tokens[this.at];
    if (!token) throw new FilterSyntaxError("expected an IPv4 or IPv6 address after 'host', found the end of the expression", this.column());
    let parsed;
    try {
      parsed = parseAddress(token.text);
    } catch {
      throw new FilterSyntaxError(`expected an IPv4 or IPv6 address after 'host', found '${token.text}'`, token.column);
    }
    this.next();
    const { version, bytes } = parsed;
    const src: RowPredicate = (t, d, o, i) => t.ipVersion[i] === version && addressAt(d, o[i]! + t.srcAddressOffset[i]!, bytes);
    const dst: RowPredicate = (t, d, o, i) => t.ipVersion[i] === version && addressAt(d, o[i]! + t.dstAddressOffset[i]!, bytes);
    if (direction === 'src') return src;
    if (direction === 'dst') return dst;
    return (t, d, o, i) => src(t, d, o, i) || dst(t, d, o, i);
  }
}

/** Compiles a filter expression; throws FilterSyntaxError naming the column of the problem. */
export function compileFilter(source: string): RowPredicate {
  return new Parser(tokenize(source), source.length).parseAll();
}
