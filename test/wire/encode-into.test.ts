// encodeInto: the same bytes as encodePacket, written into the caller's buffer (ordinary or
// WASM memory from inputArea) at an offset, and a typed error with nothing written when the
// packet does not fit.

import { expect } from 'chai';
import {
  EncodeSpaceError,
  TcpFlags,
  decodeIp,
  encodeInto,
  encodePacket,
  inputArea,
  type AddressInit,
  type PacketInit,
} from '../../src/index.js';
import { Random } from '../helpers/random.js';

/** A random but valid packet: IPv4 or IPv6, any option mix, payload 0..1448 bytes. */
function randomInit(r: Random): PacketInit<AddressInit> {
  const v6 = r.chance(0.5);
  const options: NonNullable<PacketInit['tcp']['options']> = {};
  if (r.chance(0.3)) options.mss = r.below(0x10000);
  if (r.chance(0.3)) options.windowScale = r.below(15);
  if (r.chance(0.3)) options.sackPermitted = true;
  if (r.chance(0.6)) options.timestamp = { value: r.u32(), echo: r.u32() };
  if (r.chance(0.3)) {
    // At most 3 SACK blocks fit beside a timestamp and the other options.
    options.sack = [];
    for (let b = r.below(3) + 1; b > 0; b--) options.sack.push([r.u32(), r.u32()]);
    delete options.mss;
    delete options.windowScale;
    delete options.sackPermitted;
  }
  const sizes = [0, 1, 7, 536, 1448];
  return {
    ip: {
      src: v6 ? `2001:db8::${r.below(0xffff).toString(16)}` : `198.51.100.${r.below(255)}`,
      dst: v6 ? `2001:db8:1::${r.below(0xffff).toString(16)}` : `203.0.113.${r.below(255)}`,
      ttl: r.below(256),
      id: r.below(0x10000),
      tos: r.below(256),
    },
    tcp: {
      srcPort: r.below(0x10000),
      dstPort: r.below(0x10000),
      seq: r.u32(),
      ack: r.u32(),
      flags: r.below(0x100),
      window: r.below(0x10000),
      options,
    },
    payload: r.bytes(sizes[r.below(sizes.length)]!),
  };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encodeInto', function () {
  it('writes the bytes encodePacket returns, at the offset, over 300 seeded random packets', function () {
    const r = new Random(0x14e1c);
    const target = new Uint8Array(2048);
    let v6 = 0;
    for (let i = 0; i < 300; i++) {
      const init = randomInit(r);
      const expected = encodePacket(init);
      const offset = r.below(64);
      target.fill(0xa5);
      const n = encodeInto(init, target, offset);
      expect(n, `packet ${i}`).to.equal(expected.length);
      expect(hex(target.subarray(offset, offset + n)), `packet ${i}`).to.equal(hex(expected));
      // Bytes before and after the packet are the caller's and stay as they were.
      expect(target.subarray(0, offset).every((b) => b === 0xa5)).to.equal(true);
      expect(target.subarray(offset + n).every((b) => b === 0xa5)).to.equal(true);
      if (decodeIp(expected).ip.version === 6) v6++;
    }
    expect(v6).to.be.within(100, 200); // both families were exercised
  });

  it('writes into WASM memory (an inputArea view) that decodeIp then reads in place', function () {
    const init: PacketInit = {
      ip: { src: '198.51.100.1', dst: '203.0.113.2' },
      tcp: {
        srcPort: 443,
        dstPort: 50000,
        seq: 1,
        ack: 2,
        flags: TcpFlags.ACK,
        options: { timestamp: { value: 3, echo: 4 } },
      },
      payload: new Uint8Array(100).fill(7),
    };
    const area = inputArea(4096);
    const n = encodeInto(init, area, 14);
    const view = inputArea(4096).subarray(14, 14 + n); // a fresh view, in case memory grew
    expect(hex(view)).to.equal(hex(encodePacket(init)));
    const p = decodeIp(view);
    expect(p.checksumStatus).to.equal('good');
    expect(p.tcp.options.timestamp).to.deep.equal({ value: 3, echo: 4 });
  });

  it('throws EncodeSpaceError and writes nothing when the packet does not fit', function () {
    const init: PacketInit = {
      ip: { src: '2001:db8::1', dst: '2001:db8::2' },
      tcp: { srcPort: 1, dstPort: 2, flags: TcpFlags.SYN, options: { mss: 1460, sackPermitted: true } },
      payload: new Uint8Array(10),
    };
    const length = encodePacket(init).length; // 40 + 28 + 10
    const target = new Uint8Array(length + 3).fill(0x5a);
    let caught: unknown;
    try {
      encodeInto(init, target, 4);
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(EncodeSpaceError);
    expect(caught).to.be.instanceOf(RangeError);
    expect((caught as EncodeSpaceError).needed).to.equal(length);
    expect((caught as EncodeSpaceError).available).to.equal(length - 1);
    expect(target.every((b) => b === 0x5a)).to.equal(true);
    // One byte earlier it fits exactly, to the last byte.
    expect(encodeInto(init, target, 3)).to.equal(length);
    expect(hex(target.subarray(3))).to.equal(hex(encodePacket(init)));
  });

  it('rejects offsets outside the target and a non-Uint8Array target', function () {
    const init: PacketInit = { ip: { src: '198.51.100.1', dst: '203.0.113.2' }, tcp: { srcPort: 1, dstPort: 2 } };
    const target = new Uint8Array(100);
    for (const bad of [-1, 101, 1.5, NaN]) expect(() => encodeInto(init, target, bad)).to.throw(RangeError, /offset/);
    expect(() => encodeInto(init, new Uint8Array(40), 1)).to.throw(EncodeSpaceError);
    expect(() => encodeInto(init, [] as unknown as Uint8Array)).to.throw(TypeError, /target/);
    expect(encodeInto(init, new Uint8Array(40))).to.equal(40);
  });
});
