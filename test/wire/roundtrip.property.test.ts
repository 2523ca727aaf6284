// Property-based round trips (fast-check, fixed seeds): encode -> decode is the identity for
// random valid headers, options and payloads over IPv4 and IPv6; decode -> encode reproduces the
// exact bytes of every good-checksum corpus frame.

import { expect } from 'chai';
import fc from 'fast-check';
import {
  decodeFrame,
  decodeIp,
  encodePacket,
  encodeTcp,
  parseAddress,
  parseCapture,
  type DecodedPacket,
  type PacketInit,
  type TcpOptions,
} from '../../src/index.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { readmeFigure } from '../helpers/readme.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Array.from(b).join('.'));
const ipv6 = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':'));
const RAW_KINDS = [6, 7, 19, 27, 28, 29, 30, 34, 69, 253, 254];
const rawOption = fc.record({
  kind: fc.constantFrom(...RAW_KINDS),
  data: fc.uint8Array({ maxLength: 12 }),
});
const sackBlocks = fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 });

/** Typed options plus raw ones, with no explicit order (the encoder's canonical layout). */
const canonicalOptions = fc.record(
  {
    mss: fc.option(u16, { nil: undefined }),
    windowScale: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    sackPermitted: fc.option(fc.constant(true), { nil: undefined }),
    timestamp: fc.option(fc.record({ value: u32, echo: u32 }), { nil: undefined }),
    sack: fc.option(sackBlocks, { nil: undefined }),
    unknown: fc.option(fc.array(rawOption, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  },
  { requiredKeys: [] },
);

function canonicalSize(o: Partial<TcpOptions>): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.sackPermitted || o.timestamp) n += o.timestamp ? 12 : 4;
  if (o.windowScale !== undefined) n += 4;
  if (o.sack) n += 4 + 8 * o.sack.length;
  for (const r of o.unknown ?? []) n += 2 + r.data.length;
  return n;
}

/** An explicit kinds order: typed options at most once each, raws, NOPs and a trailing EOL. */
const orderedOptions = fc
  .record({
    typed: fc.subarray(['mss', 'windowScale', 'sackPermitted', 'timestamp', 'sack'] as const),
    values: fc.record({
      mss: u16,
      windowScale: fc.integer({ min: 0, max: 255 }),
      ts: fc.record({ value: u32, echo: u32 }),
      sack: sackBlocks,
    }),
    raws: fc.array(rawOption, { maxLength: 3 }),
    nops: fc.integer({ min: 0, max: 3 }),
    eol: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ typed, values, raws, nops, eol, seed }) => {
    const options: Partial<TcpOptions> = {};
    const items: Array<{ kind: number; size: number; raw?: { kind: number; data: Uint8Array } }> = [];
    for (const t of typed) {
      if (t === 'mss') {
        options.mss = values.mss;
        items.push({ kind: 2, size: 4 });
      }
      if (t === 'windowScale') {
        options.windowScale = values.windowScale;
        items.push({ kind: 3, size: 3 });
      }
      if (t === 'sackPermitted') {
        options.sackPermitted = true;
        items.push({ kind: 4, size: 2 });
      }
      if (t === 'timestamp') {
        options.timestamp = values.ts;
        items.push({ kind: 8, size: 10 });
      }
      if (t === 'sack') {
        options.sack = values.sack;
        items.push({ kind: 5, size: 2 + 8 * values.sack.length });
      }
    }
    for (const r of raws) items.push({ kind: r.kind, size: 2 + r.data.length, raw: r });
    for (let i = 0; i < nops; i++) items.push({ kind: 1, size: 1 });
    // Deterministic shuffle from the generated seed.
    let s = seed >>> 0;
    for (let i = items.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const j = s % (i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    if (eol) items.push({ kind: 0, size: 1 });
    // Raw options appear on the wire, and so in the decoded list, in the shuffled order.
    const wireRaws = items.flatMap((i) => (i.raw ? [i.raw] : []));
    if (wireRaws.length) options.unknown = wireRaws;
    options.kinds = items.map((i) => i.kind);
    return { options, size: items.reduce((n, i) => n + i.size, 0) };
  });

const tcpFields = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: u16,
  urgentPointer: u16,
});

const ipFields = fc.oneof(
  fc.record({
    src: ipv4,
    dst: ipv4,
    ttl: fc.integer({ min: 0, max: 255 }),
    tos: fc.integer({ min: 0, max: 255 }),
    id: u16,
    dontFragment: fc.boolean(),
  }),
  fc.record({
    src: ipv6,
    dst: ipv6,
    hopLimit: fc.integer({ min: 0, max: 255 }),
    trafficClass: fc.integer({ min: 0, max: 255 }),
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  }),
);

function expectRoundTrip(input: PacketInit, decoded: DecodedPacket, expectedKinds?: number[]): void {
  const { tcp, ip } = input;
  expect(decoded.checksumStatus).to.equal('good');
  expect(parseAddress(decoded.ip.src).bytes).to.deep.equal(parseAddress(ip.src).bytes);
  expect(parseAddress(decoded.ip.dst).bytes).to.deep.equal(parseAddress(ip.dst).bytes);
  if (decoded.ip.version === 4) {
    expect(decoded.ip).to.include({
      ttl: ip.ttl,
      tos: ip.tos,
      id: ip.id,
      dontFragment: ip.dontFragment,
      headerChecksum: 'good',
    });
  } else {
    expect(decoded.ip).to.include({ hopLimit: ip.hopLimit, trafficClass: ip.trafficClass, flowLabel: ip.flowLabel });
  }
  expect(decoded.tcp).to.include({
    srcPort: tcp.srcPort,
    dstPort: tcp.dstPort,
    seq: tcp.seq,
    ack: tcp.ack,
    flags: tcp.flags,
    window: tcp.window,
    urgentPointer: tcp.urgentPointer,
  });
  const o = tcp.options ?? {};
  const got = decoded.tcp.options;
  expect(got.mss).to.equal(o.mss);
  expect(got.windowScale).to.equal(o.windowScale);
  expect(got.sackPermitted).to.equal(o.sackPermitted);
  expect(got.timestamp).to.deep.equal(o.timestamp);
  expect(got.sack).to.deep.equal(o.sack);
  expect((got.unknown ?? []).map((u) => [u.kind, Array.from(u.data)])).to.deep.equal(
    (o.unknown ?? []).map((u) => [u.kind, Array.from(u.data)]),
  );
  if (expectedKinds) expect(got.kinds).to.deep.equal(expectedKinds);
  expect(decoded.tcp.headerLength % 4).to.equal(0);
  expect(Array.from(decoded.payload)).to.deep.equal(Array.from(input.payload ?? []));
  expect(decoded.payloadLength).to.equal(input.payload?.length ?? 0);
}

describe('round trips (property-based)', function () {
  it('encode -> decode is the identity, canonical option layout', function () {
    fc.assert(
      fc.property(
        ipFields,
        tcpFields,
        canonicalOptions,
        fc.uint8Array({ maxLength: 1460 }),
        (ip, tcp, options, payload) => {
          fc.pre(canonicalSize(options) <= 40);
          const input: PacketInit = { ip, tcp: { ...tcp, options }, payload };
          expectRoundTrip(input, decodeIp(encodePacket(input)));
        },
      ),
      { seed: 20261125, numRuns: 3000 },
    );
  });

  it('encode -> decode is the identity, explicit option order', function () {
    fc.assert(
      fc.property(
        ipFields,
        tcpFields,
        orderedOptions,
        fc.uint8Array({ maxLength: 600 }),
        (ip, tcp, { options, size }, payload) => {
          fc.pre(size <= 40);
          const input: PacketInit = { ip, tcp: { ...tcp, options }, payload };
          // The header ends on a 4-byte boundary: what is left is filled with EOL (kind 0).
          const padding = new Array<number>((4 - (size % 4)) % 4).fill(0);
          expectRoundTrip(input, decodeIp(encodePacket(input)), [...options.kinds!, ...padding]);
        },
      ),
      { seed: 7, numRuns: 3000 },
    );
  });

  it('decode -> encode reproduces every good-checksum corpus frame byte for byte', function () {
    let segments = 0;
    let packets = 0;
    const failures: string[] = [];
    for (const file of corpusCaptures()) {
      for (const record of parseCapture(readCorpusFile(file))) {
        let p: DecodedPacket;
        try {
          p = decodeFrame(record.data, record.linkType, record.originalLength);
        } catch {
          continue;
        }
        if (p.checksumStatus !== 'good') continue;
        const segmentEnd = p.offsets.payload + p.payloadLength;
        const pseudo = p.pseudoHeader ?? { src: p.ip.src, dst: p.ip.dst };
        const segment = encodeTcp(p.tcp, p.payload, pseudo);
        if (Buffer.compare(segment, record.data.subarray(p.offsets.tcp, segmentEnd)) !== 0) {
          failures.push(`${file} frame ${record.index}: TCP segment differs`);
        }
        segments++;
        // Whole IP packets, where the header carries nothing the encoder does not write.
        const plain = p.ip.version === 4 ? p.ip.totalLength > 0 && !p.pseudoHeader : p.ip.extensionHeaders.length === 0;
        if (plain) {
          const packet = encodePacket({ ip: p.ip, tcp: p.tcp, payload: p.payload });
          if (Buffer.compare(packet, record.data.subarray(p.offsets.ip, segmentEnd)) !== 0) {
            failures.push(`${file} frame ${record.index}: IP packet differs`);
          }
          packets++;
        }
      }
    }
    console.log(
      `      decode -> encode: ${segments} corpus segments and ${packets} whole IP packets reproduced exactly`,
    );
    expect(failures.slice(0, 10), `${failures.length} failures`).to.deep.equal([]);
    expect(readmeFigure(' good-checksum corpus segments')).to.equal(segments);
  });
});
