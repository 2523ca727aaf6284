// A plain-JS TCP/IP encoder: the baseline the encode rows are measured against. What a careful
// JS programmer would write: addresses parsed once, one Uint8Array per packet, Linux's option
// layout, a byte-pair checksum loop. The bench checks its output equals encodePacket's.

// Types only: the encoder itself uses nothing of the library it is measured against.
import type { PacketInit, ParsedAddress } from '../../dist/index.js';

export interface JsPacket {
  /** 4 or 16 bytes each. */
  src: Uint8Array;
  dst: Uint8Array;
  ttl: number;
  id: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  timestamp?: { value: number; echo: number };
  sack?: Array<[number, number]>;
  payload: Uint8Array;
}

/** The same packet as encodeJs takes it, with encodePacket's defaults. */
export function jsPacket(init: PacketInit<ParsedAddress>): JsPacket {
  const t = init.tcp;
  const o = t.options ?? {};
  const p: JsPacket = {
    src: init.ip.src.bytes,
    dst: init.ip.dst.bytes,
    ttl: init.ip.ttl ?? 64,
    id: init.ip.id ?? 0,
    srcPort: t.srcPort,
    dstPort: t.dstPort,
    seq: t.seq ?? 0,
    ack: t.ack ?? 0,
    flags: t.flags ?? 0,
    window: t.window ?? 65535,
    payload: init.payload ?? new Uint8Array(0),
  };
  if (o.mss !== undefined) p.mss = o.mss;
  if (o.windowScale !== undefined) p.windowScale = o.windowScale;
  if (o.sackPermitted) p.sackPermitted = true;
  if (o.timestamp !== undefined) p.timestamp = o.timestamp;
  if (o.sack !== undefined) p.sack = o.sack.map(([l, r]) => [l, r]);
  return p;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

/** Sum of 16-bit big-endian words of b[from, to), unfolded. */
function sum16(b: Uint8Array, from: number, to: number, acc: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < to) acc += b[i]! << 8;
  return acc;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Writes the options in Linux's layout at `at`; returns the options length (multiple of 4). */
function putOptions(b: Uint8Array, at: number, p: JsPacket): number {
  let o = at;
  if (p.mss !== undefined) {
    b[o] = 2;
    b[o + 1] = 4;
    b[o + 2] = p.mss >> 8;
    b[o + 3] = p.mss;
    o += 4;
  }
  if (p.timestamp !== undefined) {
    if (p.sackPermitted) {
      b[o] = 4;
      b[o + 1] = 2;
    } else {
      b[o] = 1;
      b[o + 1] = 1;
    }
    b[o + 2] = 8;
    b[o + 3] = 10;
    put32(b, o + 4, p.timestamp.value);
    put32(b, o + 8, p.timestamp.echo);
    o += 12;
  } else if (p.sackPermitted) {
    b[o] = 1;
    b[o + 1] = 1;
    b[o + 2] = 4;
    b[o + 3] = 2;
    o += 4;
  }
  if (p.windowScale !== undefined) {
    b[o] = 1;
    b[o + 1] = 3;
    b[o + 2] = 3;
    b[o + 3] = p.windowScale;
    o += 4;
  }
  if (p.sack !== undefined && p.sack.length > 0) {
    b[o] = 1;
    b[o + 1] = 1;
    b[o + 2] = 5;
    b[o + 3] = 2 + 8 * p.sack.length;
    o += 4;
    for (const [l, r] of p.sack) {
      put32(b, o, l);
      put32(b, o + 4, r);
      o += 8;
    }
  }
  return o - at;
}

function optionsLength(p: JsPacket): number {
  let n = 0;
  if (p.mss !== undefined) n += 4;
  if (p.timestamp !== undefined) n += 12;
  else if (p.sackPermitted) n += 4;
  if (p.windowScale !== undefined) n += 4;
  if (p.sack !== undefined && p.sack.length > 0) n += 4 + 8 * p.sack.length;
  return n;
}

export function encodeJs(p: JsPacket): Uint8Array {
  const v6 = p.src.length === 16;
  const ipLen = v6 ? 40 : 20;
  const tcpLen = 20 + optionsLength(p);
  const segLen = tcpLen + p.payload.length;
  const b = new Uint8Array(ipLen + segLen);
  if (v6) {
    b[0] = 0x60;
    b[4] = segLen >> 8;
    b[5] = segLen;
    b[6] = 6;
    b[7] = p.ttl;
    b.set(p.src, 8);
    b.set(p.dst, 24);
  } else {
    const total = ipLen + segLen;
    b[0] = 0x45;
    b[2] = total >> 8;
    b[3] = total;
    b[4] = p.id >> 8;
    b[5] = p.id;
    b[6] = 0x40;
    b[8] = p.ttl;
    b[9] = 6;
    b.set(p.src, 12);
    b.set(p.dst, 16);
    const c = ~fold(sum16(b, 0, 20, 0)) & 0xffff;
    b[10] = c >> 8;
    b[11] = c;
  }
  const t = ipLen;
  b[t] = p.srcPort >> 8;
  b[t + 1] = p.srcPort;
  b[t + 2] = p.dstPort >> 8;
  b[t + 3] = p.dstPort;
  put32(b, t + 4, p.seq);
  put32(b, t + 8, p.ack);
  b[t + 12] = ((tcpLen / 4) << 4) | (p.flags >> 8);
  b[t + 13] = p.flags;
  b[t + 14] = p.window >> 8;
  b[t + 15] = p.window;
  putOptions(b, t + 20, p);
  b.set(p.payload, t + tcpLen);
  // Pseudo-header: addresses, protocol, TCP length.
  let s = sum16(p.src, 0, p.src.length, 0);
  s = sum16(p.dst, 0, p.dst.length, s);
  s += 6 + segLen;
  s = sum16(b, t, b.length, s);
  const c = ~fold(s) & 0xffff;
  b[t + 16] = c >> 8;
  b[t + 17] = c;
  return b;
}
