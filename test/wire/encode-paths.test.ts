// The encoder's two ways to the same bytes: the JS header writer (encode-header.ts), which
// encodePacket, encodeInto, encodeTcp and encodeSegmentBytes take for everything in Linux's
// option layout, and the WASM encoder, which they take for explicit option orders, raw options
// and IPv4 options. Seeded random packets over every field both ways must come out byte for byte
// equal (and fail with the same error), and equal to the plain-JS baseline encoder of the bench
// where that one can say the packet.

import { expect } from 'chai';
import { encodeJs, jsPacket, type JsPacket } from '../../bench/baselines/encoder.js';
import { parseAddress, type ParsedAddress } from '../../src/base/address.js';
import { decodeIp } from '../../src/wire/decode.js';
import {
  encodeInto,
  encodePacket,
  encodePacketByRequest,
  encodeTcp,
  type AddressInit,
  type PacketInit,
  type TcpHeaderInit,
} from '../../src/wire/encode.js';
import { encodeSegmentBytes } from '../../src/wire/encode-segment.js';
import { codec } from '../../src/wire/module.js';
import { packetFromSegment } from '../../src/wire/segment-convert.js';
import { inputArea } from '../../src/index.js';
import { Random } from '../helpers/random.js';
import { randomSegment } from '../helpers/segments.js';

type Options = NonNullable<TcpHeaderInit['options']>;

/** Payload lengths: empty, around the JS/WASM checksum crossover (48), odd and full-size ones. */
function payloadLength(r: Random): number {
  switch (r.below(5)) {
    case 0:
      return 0;
    case 1:
      return 40 + r.below(16);
    case 2:
      return 1 + r.below(100);
    case 3:
      return 1448;
    default:
      return r.below(1449);
  }
}

interface Drawn {
  init: PacketInit<AddressInit>;
  /** The same packet for the plain-JS baseline, when it has every field this one uses. */
  js: JsPacket | undefined;
}

/** A random packet over every field the JS header writer lays out, now and then one too big. */
function randomPacket(r: Random): Drawn {
  const v6 = r.chance(0.5);
  const srcText = v6
    ? `2001:db8:${r.below(0xffff).toString(16)}::${r.below(0xffff).toString(16)}`
    : `198.51.100.${r.below(256)}`;
  const dstText = v6 ? `2001:db8::${r.below(0xffff).toString(16)}` : `203.0.113.${r.below(256)}`;
  const src: ParsedAddress = parseAddress(srcText);
  const dst: ParsedAddress = parseAddress(dstText);
  const text = r.chance(0.5);
  let plain = true;

  const options: Options = {};
  let room = 40;
  if (r.chance(0.4)) {
    options.mss = r.below(0x10000);
    room -= 4;
  }
  if (r.chance(0.6)) {
    options.timestamp = { value: r.u32(), echo: r.u32() };
    room -= 12;
  }
  if (r.chance(0.4)) {
    options.sackPermitted = true;
    if (options.timestamp === undefined) room -= 4;
  }
  if (r.chance(0.4)) {
    options.windowScale = r.below(256);
    room -= 4;
  }
  if (r.chance(0.4)) {
    // Blocks that fit, and now and then one more than fits (both ways must refuse it alike).
    const fit = Math.min(4, Math.floor((room - 4) / 8));
    const count = r.chance(0.1) ? fit + 1 : fit > 0 ? 1 + r.below(fit) : 0;
    if (count > 0) {
      options.sack = [];
      for (let b = 0; b < count; b++) options.sack.push([r.u32(), r.u32()]);
    }
  }
  const tcp: TcpHeaderInit = { srcPort: r.below(0x10000), dstPort: r.below(0x10000), options };
  if (r.chance(0.9)) tcp.seq = r.u32();
  if (r.chance(0.9)) tcp.ack = r.u32();
  if (r.chance(0.9)) tcp.flags = r.below(0x1000);
  if (r.chance(0.9)) tcp.window = r.below(0x10000);
  if (r.chance(0.2)) {
    tcp.urgentPointer = r.below(0x10000);
    plain = false;
  }
  if (r.chance(0.15)) {
    // Mostly valid (a multiple of 4 at or above what the options need), sometimes not.
    tcp.headerLength = r.chance(0.8) ? 60 - 4 * r.below(4) : 20 + r.below(41);
    plain = false;
  }

  const ip: PacketInit<AddressInit>['ip'] = { src: text ? srcText : src, dst: text ? dstText : dst };
  if (r.chance(0.8)) ip.ttl = r.below(256);
  if (r.chance(0.3)) {
    ip.tos = r.below(256);
    plain = false;
  }
  if (v6) {
    if (r.chance(0.3)) {
      ip.flowLabel = r.below(0x100000);
      plain = false;
    }
    if (r.chance(0.2)) {
      ip.hopLimit = r.below(256);
      plain = false;
    }
    if (r.chance(0.2)) {
      ip.trafficClass = r.below(256);
      plain = false;
    }
  } else {
    if (r.chance(0.8)) ip.id = r.below(0x10000);
    if (r.chance(0.2)) {
      ip.dontFragment = r.chance(0.5);
      ip.moreFragments = r.chance(0.5);
      ip.fragmentOffset = 8 * r.below(0x2000);
      plain = false;
    }
  }
  const payload = r.bytes(payloadLength(r));
  const init: PacketInit<AddressInit> = { ip, tcp, payload };
  if (!plain) return { init, js: undefined };
  return { init, js: jsPacket({ ip: { ...ip, src, dst }, tcp, payload }) };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The result of `f`, or the error it threw as "Class: message". */
function attempt(f: () => Uint8Array): string {
  try {
    return hex(f());
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe('encoder paths: JS header writer and WASM encoder', function () {
  it('encodePacket, encodeInto and the WASM encoder agree over 3000 seeded random packets', function () {
    const r = new Random(0x14e2c);
    const target = new Uint8Array(2048);
    let compared = 0;
    let refused = 0;
    let baseline = 0;
    let v6 = 0;
    for (let i = 0; i < 3000; i++) {
      const { init, js } = randomPacket(r);
      const wasm = attempt(() => encodePacketByRequest(init));
      const fast = attempt(() => encodePacket(init));
      expect(fast, `packet ${i}`).to.equal(wasm);
      const offset = r.below(64);
      target.fill(0xa5);
      const into = attempt(() => target.slice(offset, offset + encodeInto(init, target, offset)));
      expect(into, `packet ${i} into`).to.equal(wasm);
      if (wasm.includes(':')) {
        refused++;
        continue;
      }
      compared++;
      if (init.ip.moreFragments || init.ip.fragmentOffset) continue; // fragments do not decode as TCP
      const p = decodeIp(Buffer.from(wasm, 'hex'));
      expect(p.checksumStatus, `packet ${i}`).to.equal('good');
      if (p.ip.version === 4) expect(p.ip.headerChecksum, `packet ${i}`).to.equal('good');
      else v6++;
      if (js !== undefined) {
        expect(hex(encodeJs(js)), `packet ${i} baseline`).to.equal(wasm);
        baseline++;
      }
    }
    // Every kind of case was exercised, not just one.
    expect(compared).to.be.above(2000);
    expect(refused).to.be.above(50);
    expect(baseline).to.be.above(300);
    expect(v6).to.be.above(800);
  });

  it('a bare segment (encodeTcp) agrees with the WASM encoder', function () {
    const r = new Random(0x14e2d);
    let compared = 0;
    for (let i = 0; i < 500; i++) {
      const { init } = randomPacket(r);
      const addresses = { src: init.ip.src, dst: init.ip.dst };
      const wasm = attempt(() => encodePacketByRequest({ ip: addresses, tcp: init.tcp, payload: init.payload! }, true));
      expect(
        attempt(() => encodeTcp(init.tcp, init.payload, addresses)),
        `segment ${i}`,
      ).to.equal(wasm);
      if (!wasm.includes(':')) compared++;
    }
    expect(compared).to.be.above(350);
  });

  it("encodeSegmentBytes (the stack's path) agrees with the WASM encoder", function () {
    const r = new Random(0x14e2e);
    for (let i = 0; i < 1000; i++) {
      const seg = randomSegment(r, { flagLimit: 0x1000, ecn: true });
      const v4 = i % 2 === 0;
      const src = parseAddress(v4 ? '198.51.100.7' : '2001:db8::7');
      const dst = parseAddress(v4 ? '203.0.113.9' : '2001:db8:2::9');
      const wasm = encodePacketByRequest(packetFromSegment(seg, src, dst));
      expect(hex(encodeSegmentBytes(seg, src.version, src.bytes, dst.bytes)), `segment ${i}`).to.equal(hex(wasm));
    }
  });

  it('encodeInto into WASM memory still lands when copying the payload in grows memory', function () {
    const c = codec();
    // An input area reaching the end of memory leaves the copy area no room: the payload's copy
    // (to be summed in WASM) grows memory, which detaches the caller's view.
    const length = c.memoryBuffer().byteLength - c.inputBase;
    const area = inputArea(length);
    const generation = c.generation;
    const init: PacketInit = {
      ip: { src: '198.51.100.1', dst: '203.0.113.2' },
      tcp: { srcPort: 443, dstPort: 50000, seq: 1, ack: 2, flags: 0x18, options: { timestamp: { value: 3, echo: 4 } } },
      payload: new Uint8Array(1448).fill(0x3c),
    };
    const n = encodeInto(init, area, 100);
    expect(c.generation).to.not.equal(generation);
    expect(area.length).to.equal(0); // the caller's view is detached; the bytes are in place
    const view = inputArea(length).subarray(100, 100 + n);
    expect(hex(view)).to.equal(hex(encodePacket(init)));
  });
});
