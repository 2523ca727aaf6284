// PacketTemplate: per-flow header prediction must write exactly what encodePacket writes for
// the same init with the packet's seq/ack/flags/window/timestamp/payload, checksums included.

import { expect } from 'chai';
import {
  EncodeSpaceError,
  PacketTemplate,
  TcpFlags,
  decodeIp,
  encodePacket,
  inputArea,
  type PacketInit,
  type TemplateFields,
} from '../../src/index.js';
import { Random } from '../helpers/random.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function randomFlow(r: Random): PacketInit {
  const v6 = r.chance(0.5);
  const options: NonNullable<PacketInit['tcp']['options']> = {};
  if (r.chance(0.7)) options.timestamp = { value: r.u32(), echo: r.u32() };
  if (r.chance(0.3)) options.mss = r.below(0x10000);
  if (r.chance(0.3)) options.windowScale = r.below(15);
  if (r.chance(0.3)) options.sackPermitted = true;
  const ip: PacketInit['ip'] = {
    src: v6 ? `2001:db8::${r.below(0xffff).toString(16)}` : `198.51.100.${r.below(255)}`,
    dst: v6 ? `2001:db8:1::${r.below(0xffff).toString(16)}` : `203.0.113.${r.below(255)}`,
    ttl: r.below(256),
    id: r.below(0x10000),
    tos: r.below(256),
  };
  if (r.chance(0.2) && !v6) ip.options = new Uint8Array([0x94, 0x04, 0, 0]); // router alert
  if (r.chance(0.2)) ip.dontFragment = false;
  return {
    ip,
    tcp: {
      srcPort: r.below(0x10000),
      dstPort: r.below(0x10000),
      seq: r.u32(),
      ack: r.u32(),
      flags: r.below(0x1000),
      window: r.below(0x10000),
      urgentPointer: r.chance(0.2) ? r.below(0x10000) : 0,
      options,
    },
  };
}

/** The init encodePacket needs to produce what the template writes for `f`. */
function expectedInit(flow: PacketInit, f: TemplateFields): PacketInit {
  const o = flow.tcp.options!;
  const options = { ...o };
  if (o.timestamp !== undefined)
    options.timestamp = { value: f.tsValue ?? o.timestamp.value, echo: f.tsEcho ?? o.timestamp.echo };
  return {
    ip: flow.ip,
    tcp: {
      ...flow.tcp,
      seq: f.seq,
      ack: f.ack,
      flags: f.flags ?? flow.tcp.flags!,
      window: f.window ?? flow.tcp.window!,
      options,
    },
    payload: f.payload ?? new Uint8Array(0),
  };
}

describe('PacketTemplate', function () {
  it('writes what encodePacket writes, over 40 seeded flows x 10 packets (IPv4/IPv6, options, 0..1448 B)', function () {
    const r = new Random(0x7e3b1a);
    const target = new Uint8Array(2048);
    const sizes = [0, 1, 3, 100, 536, 1448];
    let withTs = 0;
    for (let flow = 0; flow < 40; flow++) {
      const init = randomFlow(r);
      const template = new PacketTemplate(init);
      expect(template.headerLength).to.equal(encodePacket({ ip: init.ip, tcp: init.tcp }).length);
      if (init.tcp.options!.timestamp !== undefined) withTs++;
      for (let p = 0; p < 10; p++) {
        const f: TemplateFields = { seq: r.u32(), ack: r.u32() };
        if (r.chance(0.5)) f.flags = r.below(0x1000);
        if (r.chance(0.5)) f.window = r.below(0x10000);
        if (init.tcp.options!.timestamp !== undefined && r.chance(0.8)) {
          f.tsValue = r.u32();
          f.tsEcho = r.u32();
        }
        if (r.chance(0.7)) f.payload = r.bytes(sizes[r.below(sizes.length)]!);
        const offset = r.below(32);
        target.fill(0xc3);
        const n = template.encodeInto(f, target, offset);
        const expected = encodePacket(expectedInit(init, f));
        expect(n, `flow ${flow} packet ${p}`).to.equal(expected.length);
        expect(hex(target.subarray(offset, offset + n)), `flow ${flow} packet ${p}`).to.equal(hex(expected));
        expect(target[offset + n] ?? 0xc3).to.equal(0xc3);
        if (offset > 0) expect(target[offset - 1]).to.equal(0xc3);
      }
    }
    expect(withTs).to.be.within(15, 38);
  });

  it('decodes with good checksums when written into WASM memory (inputArea)', function () {
    const template = new PacketTemplate({
      ip: { src: '2001:db8::1', dst: '2001:db8::2' },
      tcp: { srcPort: 443, dstPort: 40000, flags: TcpFlags.ACK, options: { timestamp: { value: 1, echo: 2 } } },
    });
    const area = inputArea(2048);
    const payload = new Uint8Array(1448).map((_, i) => i * 7);
    const n = template.encodeInto({ seq: 0xfffffff0, ack: 5, tsValue: 77, tsEcho: 66, payload }, area, 0);
    const p = decodeIp(inputArea(2048).subarray(0, n));
    expect(p.checksumStatus).to.equal('good');
    expect(p.tcp.seq).to.equal(0xfffffff0);
    expect(p.tcp.options.timestamp).to.deep.equal({ value: 77, echo: 66 });
    expect(hex(p.payload)).to.equal(hex(payload));
  });

  it('throws EncodeSpaceError without writing when the packet does not fit, RangeError on bad fields', function () {
    const template = new PacketTemplate({
      ip: { src: '198.51.100.1', dst: '203.0.113.2' },
      tcp: { srcPort: 1, dstPort: 2, flags: TcpFlags.ACK },
    });
    const target = new Uint8Array(50).fill(0x11);
    expect(() => template.encodeInto({ seq: 1, ack: 2, payload: new Uint8Array(11) }, target, 0)).to.throw(
      EncodeSpaceError,
    );
    expect(() => template.encodeInto({ seq: 1, ack: 2 }, target, 31)).to.throw(EncodeSpaceError);
    expect(target.every((b) => b === 0x11)).to.equal(true);
    expect(template.encodeInto({ seq: 1, ack: 2, payload: new Uint8Array(10) }, target, 0)).to.equal(50);
    expect(() => template.encodeInto({ seq: -1, ack: 2 }, target)).to.throw(RangeError, /seq/);
    expect(() => template.encodeInto({ seq: 1, ack: 2 ** 32 }, target)).to.throw(RangeError, /ack/);
    expect(() => template.encodeInto({ seq: 1, ack: 2, window: 0x10000 }, target)).to.throw(RangeError, /window/);
    expect(() => template.encodeInto({ seq: 1, ack: 2, tsValue: 1 }, target)).to.throw(TypeError, /timestamp/);
    expect(() => template.encodeInto({ seq: 1, ack: 2 }, target, 51)).to.throw(RangeError, /offset/);
  });
});
