// Pinned regions of the codec's WebAssembly memory (Codec.allocateRegion): long-lived areas, such
// as a TUN device's receive area, that nothing in the codec writes to.

import { expect } from 'chai';
import { decodeIp, encodePacket, inputArea, internetChecksum } from '../../src/index.js';
import { codec, loadCodecSync } from '../../src/wire/module.js';

describe('codec: pinned regions', () => {
  it('a new region goes below the input area, which moves up with its bytes; old views detach', () => {
    const c = loadCodecSync('scalar');
    const area = c.inputView(100);
    area.set(Array.from({ length: 100 }, (_, i) => i));
    const inputBefore = c.inputBase;
    const region = c.allocateRegion(1000);
    expect(region.offset).to.equal(inputBefore);
    expect(region.length).to.equal(1024); // 64-byte multiples
    expect(c.inputBase).to.equal(region.offset + region.length);
    // A view taken before would now read the region: it is detached instead.
    expect(area.length).to.equal(0);
    const moved = new Uint8Array(c.memoryBuffer(), c.inputBase, 100);
    expect([...moved]).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    expect(c.isPinned(region.offset, 1024)).to.equal(true);
    expect(c.isPinned(region.offset + 1000, 24)).to.equal(true);
    expect(c.isPinned(region.offset + 1000, 25)).to.equal(false);
    expect(c.isPinned(c.inputBase, 1)).to.equal(false);
  });

  it('inputs copied in, even ones that grow memory, never land in a region', () => {
    const c = loadCodecSync('scalar');
    const region = c.allocateRegion(4096);
    c.bytes().fill(0xa5, region.offset, region.offset + region.length);
    const data = new Uint8Array(200_000).fill(3);
    c.copyIn(data); // grows memory
    c.place(new Uint8Array(50));
    expect(
      c
        .bytes()
        .subarray(region.offset, region.offset + region.length)
        .every((b) => b === 0xa5),
    ).to.equal(true);
  });

  it('freed regions are reused (best fit) instead of growing memory again', () => {
    const c = loadCodecSync('scalar');
    const a = c.allocateRegion(64 * 1024);
    const b = c.allocateRegion(8 * 1024);
    c.freeRegion(a);
    c.freeRegion(b);
    expect(c.isPinned(a.offset, 1)).to.equal(false);
    const base = c.inputBase;
    expect(c.allocateRegion(4000)).to.equal(b);
    expect(c.allocateRegion(10_000)).to.equal(a);
    expect(c.inputBase).to.equal(base);
    c.freeRegion(a);
    c.freeRegion(a); // twice: ignored
    expect(c.allocateRegion(100)).to.equal(a);
    expect(c.allocateRegion(100)).to.not.equal(a);
    expect(() => c.allocateRegion(0)).to.throw(RangeError);
    expect(() => c.allocateRegion(1.5)).to.throw(RangeError);
  });

  it('inputArea users keep their bytes across a region allocation (after taking a new view)', () => {
    const c = codec();
    const packet = encodePacket({
      ip: { src: '192.0.2.1', dst: '192.0.2.2' },
      tcp: { srcPort: 1, dstPort: 2 },
      payload: new Uint8Array(300).fill(9),
    });
    const area = inputArea(packet.length);
    area.set(packet);
    const region = c.allocateRegion(2048);
    try {
      // (A reused region moves nothing; a new one moves the area and detaches `area`: see above.)
      const again = inputArea(packet.length);
      expect(again.byteOffset).to.be.at.least(region.offset + region.length);
      expect([...again]).to.deep.equal([...packet]);
      expect(decodeIp(again).checksumStatus).to.equal('good');
      expect(internetChecksum(again.subarray(0, 20))).to.equal(0);
    } finally {
      c.freeRegion(region);
    }
  });
});
