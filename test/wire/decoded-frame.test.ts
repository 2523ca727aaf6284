// decodeFrameInto refills one DecodedFrame: every field must equal decodeFrame's for the same
// frame, whatever the frame before it left there, and failures must be decodeFrame's failures.

import { expect } from 'chai';
import {
  DecodeError,
  DecodedFrame,
  LinkType,
  decodeFrame,
  decodeFrameInto,
  encodePacket,
  inputArea,
  parseCapture,
  type DecodedPacket,
  type TcpHeaderInit,
  type TcpOptions,
} from '../../src/index.js';
import { codec } from '../../src/wire/module.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { V6, concat, ethernet, ipv6WithExtensions, optionsHeader } from '../helpers/frames.js';
import { Random } from '../helpers/random.js';

const KEYS = [
  'ip',
  'tcp',
  'payload',
  'payloadLength',
  'checksumStatus',
  'expectedChecksum',
  'pseudoHeader',
  'offsets',
] as const;

/**
 * A comparable copy of a value: keys holding undefined dropped (an absent optional field and a
 * reused result's `undefined` mean the same), byte arrays as their bytes, offset and class.
 */
function normal(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    return { class: v.constructor.name, byteOffset: v.byteOffset, bytes: Array.from(v) };
  }
  if (Array.isArray(v)) return v.map(normal);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = normal(x);
    }
    return out;
  }
  return v;
}

function fields(p: DecodedPacket): unknown {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) out[k] = p[k];
  return normal(out);
}

type Outcome = { packet: DecodedPacket } | { error: DecodeError };

function outcome(run: () => DecodedPacket): Outcome {
  try {
    return { packet: run() };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { error };
  }
}

/** decodeFrameInto(frame, …) against decodeFrame(…) on the same input; returns true on success. */
function expectSame(
  frame: DecodedFrame,
  data: Uint8Array,
  linkType: number,
  where: string,
  original?: number,
): boolean {
  const want = outcome(() => decodeFrame(data, linkType, original));
  const before = fields(frame);
  const got = outcome(() => decodeFrameInto(frame, data, linkType, original));
  if ('error' in want) {
    if (!('error' in got)) throw new Error(`${where}: decodeFrame threw ${want.error.code}, decodeFrameInto did not`);
    expect([got.error.code, got.error.message, got.error.offset], where).to.deep.equal([
      want.error.code,
      want.error.message,
      want.error.offset,
    ]);
    // A failed decode leaves the previous frame's fields in place.
    expect(fields(frame), where).to.deep.equal(before);
    return false;
  }
  if (!('packet' in got)) throw new Error(`${where}: decodeFrameInto threw ${got.error.code}, decodeFrame did not`);
  expect(got.packet, where).to.equal(frame);
  expect(fields(frame), where).to.deep.equal(fields(want.packet));
  // The payload is a view of the caller's input, as decodeFrame's is.
  expect(frame.payload.buffer === data.buffer, where).to.equal(true);
  return true;
}

const tcpBase = { srcPort: 40000, dstPort: 443, seq: 7, ack: 9, flags: 0x10, window: 512 };

/** A seeded random TCP header: typed options of each kind or not, sometimes raw ones. */
function randomTcp(random: Random): TcpHeaderInit {
  const options: Partial<TcpOptions> = {};
  let room = 40;
  if (random.below(2) === 0) {
    options.timestamp = { value: random.u32(), echo: random.u32() };
    room -= 12;
  }
  if (random.below(3) === 0) {
    options.mss = random.below(0x10000);
    room -= 4;
  }
  if (random.below(3) === 0) {
    options.windowScale = random.below(15);
    room -= 4;
  }
  if (random.below(4) === 0 && !options.timestamp) {
    options.sackPermitted = true;
    room -= 4;
  }
  const blocks = Math.min(random.below(4), Math.floor((room - 4) / 8));
  if (blocks > 0) {
    options.sack = Array.from({ length: blocks }, (): [number, number] => [random.u32(), random.u32()]);
    room -= 4 + 8 * blocks;
  }
  if (room >= 6 && random.below(4) === 0) {
    options.unknown = [{ kind: [30, 34, 253][random.below(3)]!, data: random.bytes(random.below(room - 2)) }];
  }
  return { ...tcpBase, seq: random.u32(), ack: random.u32(), flags: random.below(0x200), options };
}

function randomAddress(random: Random, version: 4 | 6): string {
  if (version === 4) return Array.from(random.bytes(4)).join('.');
  return Array.from({ length: 8 }, () => random.below(0x10000).toString(16)).join(':');
}

/** A seeded random IPv4 or IPv6 packet, sometimes with IPv4 options, sometimes mutated or cut. */
function randomFrame(random: Random): Uint8Array {
  const version = random.below(2) === 0 ? 4 : 6;
  const ip =
    version === 4
      ? {
          src: randomAddress(random, 4),
          dst: randomAddress(random, 4),
          ttl: random.below(256),
          id: random.below(0x10000),
          ...(random.below(4) === 0 ? { options: Uint8Array.of(1, 1, 1, 0) } : {}),
        }
      : { src: randomAddress(random, 6), dst: randomAddress(random, 6), flowLabel: random.below(0x100000) };
  const packet = encodePacket({ ip, tcp: randomTcp(random), payload: random.bytes(random.below(64)) });
  const mode = random.below(4);
  if (mode === 1) packet[random.below(packet.length)]! ^= 1 << random.below(8);
  if (mode === 2) return packet.subarray(0, random.below(packet.length + 1));
  return packet;
}

describe('decodeFrameInto', function () {
  this.timeout(120000);

  it('equals decodeFrame on every corpus frame (every 20th of the big captures), one result reused', function () {
    const frame = new DecodedFrame();
    let decoded = 0;
    let failed = 0;
    for (const file of corpusCaptures()) {
      const big = file.endsWith('.gz');
      let n = 0;
      for (const record of parseCapture(readCorpusFile(file))) {
        if (big && n++ % 20 !== 0) continue;
        const ok = expectSame(frame, record.data, record.linkType, `${file} #${record.index}`, record.originalLength);
        if (ok) decoded++;
        else failed++;
      }
    }
    expect(decoded).to.be.greaterThan(5000);
    expect(failed).to.be.greaterThan(0);
  });

  it('equals decodeFrame on 8,000 seeded random IPv4/IPv6 packets, options, mutations and truncations', function () {
    const random = new Random(0x14f4a3e);
    const frame = new DecodedFrame();
    const seen = { ok: 0, failed: 0, v6: 0, options: 0, ipOptions: 0 };
    for (let i = 0; i < 8000; i++) {
      const packet = randomFrame(random);
      const linkType = i % 3 === 0 ? LinkType.ETHERNET : LinkType.RAW;
      const data = linkType === LinkType.ETHERNET ? ethernet(packet, packet[0]! >> 4 === 6 ? 0x86dd : 0x0800) : packet;
      if (expectSame(frame, data, linkType, `random #${i}`)) {
        seen.ok++;
        if (frame.ip.version === 6) seen.v6++;
        if (frame.tcp.options.kinds.length > 0) seen.options++;
        if (frame.ip.version === 4 && frame.ip.options !== undefined) seen.ipOptions++;
      } else seen.failed++;
    }
    // The generator reached every kind of input it is meant to.
    expect(seen.ok).to.be.greaterThan(4000);
    expect(seen.failed).to.be.greaterThan(400);
    expect(seen.v6).to.be.greaterThan(1200);
    expect(seen.options).to.be.greaterThan(2000);
    expect(seen.ipOptions).to.be.greaterThan(200);
  });

  it('carries nothing over: a bare ACK after a frame with every optional field set', function () {
    const home = '2001:db8:0:1::99';
    const hao = concat(
      Uint8Array.of(0xc9, 16),
      Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x99),
    );
    const rich = ipv6WithExtensions([optionsHeader(60, concat(Uint8Array.of(1, 2, 0, 0), hao))], {
      pseudo: { src: home, dst: V6.dst },
      tcp: {
        ...tcpBase,
        options: {
          timestamp: { value: 5, echo: 6 },
          sack: [[1, 2]],
          unknown: [{ kind: 34, data: Uint8Array.of(1, 2) }],
        },
      },
    });
    const richV4 = encodePacket({
      ip: { src: '198.51.100.1', dst: '198.51.100.2', options: Uint8Array.of(1, 1, 1, 0) },
      tcp: { ...tcpBase, options: { mss: 1460, windowScale: 7, sackPermitted: true } },
      payload: Uint8Array.of(1, 2, 3),
    });
    const bare = encodePacket({ ip: { src: '203.0.113.1', dst: '203.0.113.2' }, tcp: tcpBase });
    const frame = new DecodedFrame();
    for (const first of [rich, richV4]) {
      decodeFrameInto(frame, first, LinkType.RAW);
      expect(frame.ip.src).to.equal(first === rich ? V6.src : '198.51.100.1');
      const held = frame.tcp.options;
      expect(frame.pseudoHeader ?? held.unknown ?? held.mss).to.not.equal(undefined);
      expectSame(frame, bare, LinkType.RAW, 'bare ACK');
      const o = frame.tcp.options;
      expect([o.mss, o.windowScale, o.sackPermitted, o.timestamp, o.sack, o.unknown]).to.deep.equal(
        new Array(6).fill(undefined),
      );
      expect(o.kinds).to.deep.equal([]);
      expect(frame.pseudoHeader).to.equal(undefined);
      expect(frame.ip.version === 4 && frame.ip.options).to.equal(undefined);
      expect(frame.payload.length).to.equal(0);
    }
  });

  it('reads ip of the frame decoded last, whether or not it was read for the frame before', function () {
    const frame = new DecodedFrame();
    const v4 = encodePacket({ ip: { src: '198.51.100.7', dst: '198.51.100.8', ttl: 9 }, tcp: tcpBase });
    const v6 = encodePacket({ ip: { src: '2001:db8::7', dst: '2001:db8::8', hopLimit: 10 }, tcp: tcpBase });
    decodeFrameInto(frame, v4, LinkType.RAW);
    decodeFrameInto(frame, v6, LinkType.RAW); // the IPv4 header never read
    expect(frame.ip).to.deep.include({ version: 6, src: '2001:db8::7', hopLimit: 10 });
    decodeFrameInto(frame, v4, LinkType.RAW);
    expect(frame.ip).to.deep.include({ version: 4, src: '198.51.100.7', ttl: 9 });
    expect(frame.ip).to.equal(frame.ip);
  });

  describe('an input in WASM memory is read before memory can grow and detach it', function () {
    const packet = encodePacket({
      ip: { src: '198.51.100.3', dst: '198.51.100.4' },
      tcp: tcpBase,
      payload: Uint8Array.of(5, 6, 7),
    });

    function decodeThenGrow(view: Uint8Array): void {
      view.set(packet);
      const frame = new DecodedFrame();
      decodeFrameInto(frame, view, LinkType.RAW);
      const held = frame.payload;
      expect(Array.from(held)).to.deep.equal([5, 6, 7]);
      // Copying in an input larger than memory grows it, which detaches every view of the old buffer.
      const before = codec().generation;
      const big = new Uint8Array(codec().memoryBuffer().byteLength + 65536);
      expect(() => decodeFrame(big, LinkType.RAW)).to.throw(DecodeError);
      expect(codec().generation).to.be.greaterThan(before);
      expect(view.length).to.equal(0);
      expect(frame.ip).to.deep.include({ version: 4, src: '198.51.100.3', dst: '198.51.100.4' });
      expect(frame.payload).to.equal(held);
    }

    it('inputArea (decoded where it lies)', function () {
      decodeThenGrow(inputArea(packet.length));
    });

    it('a pinned region, as a TUN device reads into (copied in to decode)', function () {
      const c = codec();
      const region = c.allocateRegion(256);
      try {
        decodeThenGrow(c.viewAt(region.offset, packet.length));
      } finally {
        c.freeRegion(region);
      }
    });
  });

  it('makes the payload view once per frame, of the frame decoded last', function () {
    const frame = new DecodedFrame();
    const a = encodePacket({
      ip: { src: '198.51.100.1', dst: '198.51.100.2' },
      tcp: tcpBase,
      payload: Uint8Array.of(7, 8),
    });
    const b = encodePacket({
      ip: { src: '198.51.100.1', dst: '198.51.100.2' },
      tcp: tcpBase,
      payload: Uint8Array.of(9),
    });
    decodeFrameInto(frame, a, LinkType.RAW);
    const first = frame.payload;
    expect(frame.payload).to.equal(first);
    expect(Array.from(first)).to.deep.equal([7, 8]);
    decodeFrameInto(frame, b, LinkType.RAW);
    expect(Array.from(frame.payload)).to.deep.equal([9]);
    expect(Array.from(first)).to.deep.equal([7, 8]);
  });

  it('rejects what decodeFrame rejects, and a result that is not a DecodedFrame', function () {
    const frame = new DecodedFrame();
    const bad = [
      () => decodeFrameInto(frame, [1, 2] as unknown as Uint8Array, LinkType.RAW),
      () => decodeFrameInto(frame, new Uint8Array(40), -1),
      () => decodeFrameInto(frame, new Uint8Array(40), LinkType.RAW, 1.5),
      () => decodeFrameInto({} as DecodedFrame, new Uint8Array(40), LinkType.RAW),
    ];
    for (const call of bad) expect(call).to.throw(TypeError);
  });
});
