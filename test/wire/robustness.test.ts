// Bad input never escapes as anything but DecodeError, and the decoder never reads outside its
// input. The WebAssembly decoder is run on inputs placed flush against the end of its memory, so
// a single byte read past the input traps instead of silently reading neighbouring bytes.

import { expect } from 'chai';
import { DecodeError, LinkType, decodeBatch, decodeFrame, parseCapture, type CaptureRecord } from '../../src/index.js';
import { loadCodecSync, type Codec } from '../../src/wire/module.js';
import { STATUS_NAMES } from '../../src/wire/layout.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { Random } from '../helpers/random.js';

const LINK_TYPES = Object.values(LinkType);

/** Decodes `bytes` placed so they end exactly at the end of WASM memory; returns the status. */
function decodeAtMemoryEnd(c: Codec, bytes: Uint8Array, linkType: number, originalLength = 0): number {
  const end = c.exports.memory.buffer.byteLength;
  const at = end - bytes.length;
  c.bytes().set(bytes, at);
  return c.exports.decodeDetail(at, bytes.length, linkType, originalLength, c.detail);
}

/** The status must be known, and a success must describe offsets inside the input. */
function checkOutcome(c: Codec, status: number, length: number, where: string): void {
  if (status < 0 || status >= STATUS_NAMES.length) throw new Error(`${where}: unknown status ${status}`);
  const v = c.dataView();
  const D = c.layout.DETAIL;
  if (status === 0) {
    const payload = v.getUint32(c.detail + D.PAYLOAD_OFFSET, true);
    const captured = v.getUint32(c.detail + D.PAYLOAD_CAPTURED, true);
    if (payload + captured > length) throw new Error(`${where}: payload ${payload}+${captured} beyond ${length} bytes`);
  } else {
    const offset = v.getInt32(c.detail + D.ERROR_OFFSET, true);
    if (offset < 0 || offset > length) throw new Error(`${where}: error offset ${offset} outside ${length} bytes`);
  }
}

/** decodeFrame must return a packet or throw DecodeError; returns the code or 'OK'. */
function publicOutcome(bytes: Uint8Array, linkType: number): string {
  try {
    const p = decodeFrame(bytes, linkType);
    expect(p.payload.length).to.be.at.most(bytes.length);
    return 'OK';
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return error.code;
  }
}

function corpusRecords(): CaptureRecord[] {
  return corpusCaptures().flatMap((file) => [...parseCapture(readCorpusFile(file))]);
}

describe('robustness', function () {
  this.timeout(300000);
  const records = corpusRecords();
  const codecs = [loadCodecSync('simd'), loadCodecSync('scalar')];
  for (const c of codecs) c.reserveInput(1 << 20);

  it('every truncation of every corpus frame: a status, never a read past the input (both builds)', function () {
    let decoded = 0;
    let truncations = 0;
    for (const c of codecs) {
      for (const record of records) {
        for (let k = 0; k <= record.data.length; k++) {
          const status = decodeAtMemoryEnd(c, record.data.subarray(0, k), record.linkType);
          checkOutcome(c, status, k, `frame ${record.index} cut at ${k}`);
          if (status === 0) decoded++;
          truncations++;
        }
      }
    }
    console.log(
      `      ${truncations} truncations decoded at the edge of memory (${records.length} frames, 2 builds); ${decoded} still decoded as TCP`,
    );
    expect(truncations).to.be.greaterThan(2 * 7_000_000);
  });

  it('truncations through decodeFrame give a packet or DecodeError', function () {
    // The WASM side of every truncation is covered above; this covers the TypeScript side that
    // turns records into objects: every frame of the small captures, every 50th of the two big ones.
    let calls = 0;
    for (const file of corpusCaptures()) {
      const big = file.endsWith('.gz');
      let n = 0;
      for (const record of parseCapture(readCorpusFile(file))) {
        if (big && n++ % 50 !== 0) continue;
        for (let k = 0; k <= record.data.length; k += record.data.length > 2000 ? 7 : 1) {
          publicOutcome(record.data.subarray(0, k), record.linkType);
          calls++;
        }
      }
    }
    expect(calls).to.be.greaterThan(100000);
  });

  it('100,000 mutated and random inputs: only results or DecodeError, batch and single agree', function () {
    const random = new Random(0xbad5eed);
    const inputs: Uint8Array[] = [];
    const linkTypes: number[] = [];
    const sources = records.filter((r) => r.data.length <= 2000);
    while (inputs.length < 100000) {
      const base = sources[random.below(sources.length)]!;
      const strategy = inputs.length % 5;
      let bytes: Uint8Array;
      let linkType = base.linkType;
      if (strategy === 0) {
        // Flip a few random bits anywhere.
        bytes = base.data.slice();
        for (let n = 1 + random.below(8); n > 0; n--) bytes[random.below(bytes.length)]! ^= 1 << random.below(8);
      } else if (strategy === 1) {
        // Overwrite bytes in the first 80 (where the headers, lengths and option lengths are).
        bytes = base.data.slice();
        for (let n = 1 + random.below(4); n > 0; n--) {
          const at = random.below(Math.min(bytes.length, 80));
          bytes[at] = [0, 1, 2, 0x0f, 0x40, 0x45, 0x4f, 0x60, 0x80, 0xf0, 0xff][random.below(11)]!;
        }
      } else if (strategy === 2) {
        // Cut and append garbage.
        const cut = random.below(base.data.length + 1);
        const tail = random.bytes(random.below(64));
        bytes = new Uint8Array(cut + tail.length);
        bytes.set(base.data.subarray(0, cut));
        bytes.set(tail, cut);
      } else if (strategy === 3) {
        // A frame read with the wrong link type.
        bytes = base.data.slice();
        linkType = LINK_TYPES[random.below(LINK_TYPES.length)]!;
      } else {
        // Pure noise under a random (sometimes unsupported) link type, often with an IP-like start.
        bytes = random.bytes(random.below(120));
        if (bytes.length > 0 && random.below(2) === 0) bytes[0] = random.below(2) ? 0x45 : 0x60;
        linkType = random.below(10) === 0 ? random.below(300) : LinkType.RAW;
      }
      inputs.push(bytes);
      linkTypes.push(linkType);
    }
    const outcomes: string[] = [];
    const counts = new Map<string, number>();
    inputs.forEach((bytes, i) => {
      for (const c of codecs) checkOutcome(c, decodeAtMemoryEnd(c, bytes, linkTypes[i]!), bytes.length, `input ${i}`);
      const outcome = publicOutcome(bytes, linkTypes[i]!);
      outcomes.push(outcome);
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    });
    const table = decodeBatch(inputs, linkTypes);
    const disagreements = outcomes.filter((o, i) => (table.error(i) ?? 'OK') !== o).length;
    expect(disagreements).to.equal(0);
    console.log(
      `      outcomes: ${[...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    // The mix must exercise real decoding as well as every rejection path.
    for (const code of [
      'OK',
      'TRUNCATED',
      'BAD_DATA_OFFSET',
      'BAD_OPTION',
      'NOT_TCP',
      'BAD_IP_HEADER',
      'UNSUPPORTED_LINK',
      'NOT_IP',
    ]) {
      expect(counts.get(code) ?? 0, code).to.be.greaterThan(0);
    }
  });
});
