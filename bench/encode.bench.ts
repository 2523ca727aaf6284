// Encoding one packet, five shapes: an ACK with timestamps (the common segment; IPv4 and IPv6), a
// SYN with Linux's options, a 1448-byte data segment, and a 1000-byte segment with MSS/SACK/TS
// options.
// Each shape has three rows measured in the same run: encodePacket (a new Uint8Array per
// packet), encodeInto (written into one reused buffer, no copy out) and a plain-JS encoder
// (bench/baselines/encoder.ts), the baseline of the ratios. For the shapes a flow repeats (ACK,
// data) a fourth row: PacketTemplate.encodeInto, header prediction with the seq/ack/TS words
// changing every packet as in a real flow. Addresses are parsed once, as a
// stack keeps them.

import {
  TcpFlags,
  decodeIp,
  encodeInto,
  encodePacket,
  PacketTemplate,
  parseAddress,
  type AddressInit,
  type PacketInit,
  type ParsedAddress,
} from '../dist/index.js';
import { encodeJs, jsPacket, type JsPacket } from './baselines/encoder.js';
import { consume, loopTask, runTasks, type BenchConfig, type Row, type TaskSpec } from './harness.js';

interface Shape {
  name: string;
  init: PacketInit<ParsedAddress>;
}

function payloadOf(n: number): Uint8Array {
  const payload = new Uint8Array(n);
  for (let i = 0; i < n; i++) payload[i] = (i * 31 + 7) & 0xff;
  return payload;
}

const SRC = parseAddress('192.0.2.10');
const DST = parseAddress('198.51.100.20');
const SRC6 = parseAddress('2001:db8::10');
const DST6 = parseAddress('2001:db8:1::20');

function shape(name: string, src: ParsedAddress, dst: ParsedAddress, tcp: PacketInit['tcp'], payload = 0): Shape {
  return { name, init: { ip: { src, dst, ttl: 64, id: 0x1234 }, tcp, payload: payloadOf(payload) } };
}

const ACK_TS: PacketInit['tcp'] = {
  srcPort: 443,
  dstPort: 51234,
  seq: 0x89abcdef,
  ack: 0x01234567,
  flags: TcpFlags.ACK,
  window: 501,
  options: { timestamp: { value: 3_000_000_123, echo: 2_999_999_000 } },
};

export function encodeShapes(): Shape[] {
  return [
    shape('ACK + TS, IPv4', SRC, DST, ACK_TS),
    shape('ACK + TS, IPv6', SRC6, DST6, ACK_TS),
    shape('SYN, MSS/SACK-perm/TS/WS, IPv4', SRC, DST, {
      srcPort: 51234,
      dstPort: 443,
      seq: 0x89abcdef,
      flags: TcpFlags.SYN,
      window: 64240,
      options: { mss: 1460, sackPermitted: true, timestamp: { value: 3_000_000_123, echo: 0 }, windowScale: 7 },
    }),
    shape('1448 B + TS, IPv4', SRC, DST, { ...ACK_TS, flags: TcpFlags.ACK | TcpFlags.PSH }, 1448),
    shape('1448 B + TS, IPv6', SRC6, DST6, { ...ACK_TS, flags: TcpFlags.ACK | TcpFlags.PSH }, 1448),
    shape(
      '1000 B + MSS/SACK/TS, IPv4',
      SRC,
      DST,
      {
        ...ACK_TS,
        flags: TcpFlags.ACK | TcpFlags.PSH,
        options: {
          mss: 1460,
          timestamp: { value: 3_000_000_123, echo: 2_999_999_000 },
          sack: [
            [0x01235000, 0x01236000],
            [0x01237000, 0x01238000],
          ],
        },
      },
      1000,
    ),
  ];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** All three encoders must write the same bytes, and those must decode with good checksums. */
function check(s: Shape, js: JsPacket, target: Uint8Array): number {
  const bytes = encodePacket(s.init);
  const n = encodeInto(s.init, target, 0);
  const p = decodeIp(bytes);
  if (p.checksumStatus !== 'good' || (p.ip.version === 4 && p.ip.headerChecksum !== 'good'))
    throw new Error(`encodePacket self-check failed for ${s.name}`);
  if (hex(target.subarray(0, n)) !== hex(bytes)) throw new Error(`encodeInto differs from encodePacket: ${s.name}`);
  if (hex(encodeJs(js)) !== hex(bytes)) throw new Error(`the plain-JS encoder differs from encodePacket: ${s.name}`);
  return bytes.length;
}

export const ENCODE_GROUP = 'encode one packet (addresses pre-parsed)';

export async function runEncode(config: BenchConfig): Promise<Row[]> {
  const specs: TaskSpec[] = [];
  const baselineOf = new Map<string, string>();
  const target = new Uint8Array(2048);
  for (const s of encodeShapes()) {
    const init: PacketInit<AddressInit> = s.init;
    const js = jsPacket(s.init);
    const size = check(s, js, target);
    const base = `plain JS, ${s.name} (${size} B)`;
    specs.push(
      loopTask(
        `encodePacket, ${s.name} (${size} B)`,
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += encodePacket(init).length;
          consume(acc);
        },
        size,
      ),
      loopTask(
        `encodeInto, ${s.name} (${size} B)`,
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += encodeInto(init, target, 0);
          consume(acc + target[size - 1]!);
        },
        size,
      ),
      loopTask(
        base,
        (n) => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += encodeJs(js).length;
          consume(acc);
        },
        size,
      ),
    );
    if (s.init.tcp.flags !== TcpFlags.SYN) {
      const template = new PacketTemplate(init);
      const payload = s.init.payload!;
      const fields = { seq: js.seq, ack: js.ack, tsValue: 1, tsEcho: 2, payload };
      if (template.encodeInto(fields, target, 0) !== size) throw new Error(`template length differs: ${s.name}`);
      specs.push(
        loopTask(
          `PacketTemplate.encodeInto, ${s.name} (${size} B)`,
          (n) => {
            let acc = 0;
            for (let i = 0; i < n; i++) {
              fields.seq = (fields.seq + payload.length) >>> 0;
              fields.tsValue = (fields.tsValue + 1) >>> 0;
              acc += template.encodeInto(fields, target, 0);
            }
            consume(acc + target[size - 1]!);
          },
          size,
        ),
      );
    }
    for (const spec of specs.slice(-4))
      if (spec.name.endsWith(s.name + ` (${size} B)`)) baselineOf.set(spec.name, base);
  }
  const rows = await runTasks(ENCODE_GROUP, 'packet', specs, config);
  for (const r of rows) {
    const baseName = baselineOf.get(r.task);
    const base = rows.find((b) => b.task === baseName);
    if (base === undefined) continue;
    r.baseline = base.task;
    r.ratio = base.medianNs / r.medianNs;
  }
  return rows;
}
