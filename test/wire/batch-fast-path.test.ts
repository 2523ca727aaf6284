// decodeBatch's fast path (assembly/batch.ts: common shapes decoded in locals) must give exactly
// the rows of the general path (link.ts, ip.ts, tcp.ts through writeRow). The module lets a test
// switch the fast path off, so every column of every row is compared between the two, on the
// corpus and on seeded mutations of frames of the shapes the fast path takes, in both builds.

import { expect } from 'chai';
import { LinkType, parseCapture } from '../../src/index.js';
import { decodeBatchWith, type BatchOptions, type SegmentTable } from '../../src/wire/batch.js';
import { columnSlots, type Column } from '../../src/wire/columns.js';
import { loadCodecSync, type Codec } from '../../src/wire/module.js';
import { corpusCaptures, readCorpusFile } from '../helpers/corpus.js';
import { ethernet, ipv4Packet, ipv6Packet, SAMPLE_TCP } from '../helpers/frames.js';
import { Random } from '../helpers/random.js';

/** Test hooks of the WASM module (not part of CodecExports: nothing else calls them). */
interface FastPathHooks {
  setBatchFastPath(on: number): void;
  batchFastRows(): number;
}

function hooks(c: Codec): FastPathHooks {
  return c.exports as unknown as FastPathHooks;
}

const codecs: Array<[string, Codec]> = [
  ['simd', loadCodecSync('simd')],
  ['scalar', loadCodecSync('scalar')],
];

interface Decoded {
  fast: SegmentTable;
  general: SegmentTable;
  /** Rows the fast path decoded. */
  fastRows: number;
}

function decodeBoth(c: Codec, frames: Uint8Array[], linkTypes: number | number[], options: BatchOptions = {}): Decoded {
  const h = hooks(c);
  const before = h.batchFastRows();
  const fast = decodeBatchWith(c, frames, linkTypes, options);
  const fastRows = h.batchFastRows() - before;
  h.setBatchFastPath(0);
  try {
    return { fast, general: decodeBatchWith(c, frames, linkTypes, options), fastRows };
  } finally {
    h.setBatchFastPath(1);
  }
}

/** Every column of every row, fast against general; the first differences as text. */
function differences(c: Codec, { fast, general }: Decoded): string[] {
  const out: string[] = [];
  for (const { name } of columnSlots(c)) {
    const a = fast[name as Column];
    const b = general[name as Column];
    for (let i = 0; i < fast.length && out.length < 10; i++) {
      if (a[i] !== b[i]) out.push(`row ${i} ${name}: fast ${a[i]} general ${b[i]} (status ${general.status[i]})`);
    }
  }
  return out;
}

/** Frames of the shapes the fast path takes, and a few next to them it must leave alone. */
function craftedFrames(): Array<[Uint8Array, number]> {
  const ts = SAMPLE_TCP;
  const payloads = [0, 1, 7, 64, 65, 1448].map((n) => new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff));
  const tcpShapes = [
    { ...ts, options: {} },
    ts,
    { ...ts, options: { mss: 1460, windowScale: 7, sackPermitted: true, timestamp: { value: 5, echo: 0 } } },
    {
      ...ts,
      options: {
        timestamp: { value: 9, echo: 8 },
        sack: [
          [100, 200],
          [300, 400],
        ] as Array<[number, number]>,
      },
    },
    { ...ts, options: { mss: 536 } },
    {
      ...ts,
      options: {
        sack: [
          [1, 2],
          [3, 4],
          [5, 6],
        ] as Array<[number, number]>,
      },
    },
  ];
  const out: Array<[Uint8Array, number]> = [];
  for (const tcp of tcpShapes) {
    for (const payload of payloads) {
      const v4 = ipv4Packet(tcp, payload);
      const v6 = ipv6Packet(tcp, payload);
      out.push([v4, LinkType.RAW], [v6, LinkType.RAW], [v4, LinkType.IPV4], [v6, LinkType.IPV6]);
      out.push([ethernet(v4, 0x0800), LinkType.ETHERNET], [ethernet(v6, 0x86dd), LinkType.ETHERNET]);
    }
  }
  return out;
}

/** Seeded variations of a frame around the fast path's conditions. */
function mutate(random: Random, frame: Uint8Array, linkType: number): [Uint8Array, number, number] {
  let bytes = frame.slice();
  let original = 0;
  const ip = linkType === LinkType.ETHERNET ? 14 : 0;
  switch (random.below(9)) {
    case 0: // a few header bytes set to values at the fast path's edges
      for (let n = 1 + random.below(3); n > 0; n--) {
        bytes[random.below(Math.min(bytes.length, ip + 80))] = [
          0, 1, 2, 5, 6, 8, 10, 0x20, 0x40, 0x45, 0x46, 0x60, 0x80, 0xff,
        ][random.below(14)]!;
      }
      break;
    case 1: // random bit flips anywhere (bad checksums, lengths)
      for (let n = 1 + random.below(4); n > 0; n--) bytes[random.below(bytes.length)]! ^= 1 << random.below(8);
      break;
    case 2: // cut short (a snap length)
      bytes = bytes.subarray(0, random.below(bytes.length + 1));
      break;
    case 3: // padded past the IP length (Ethernet minimum frames)
      bytes = Uint8Array.from([...bytes, ...random.bytes(1 + random.below(40))]);
      break;
    case 4: // an original length below, at or above the captured length
      original = Math.max(0, bytes.length + random.below(200) - 100);
      break;
    case 5: // fragment flags and offsets, IP options (IHL), DF
      if (bytes[ip]! >> 4 === 4) {
        bytes[ip + 6] = [0x40, 0x20, 0x00, 0x60, 0x80][random.below(5)]!;
        bytes[ip + 7] = random.below(2) ? 0 : random.below(256);
        if (random.below(3) === 0) bytes[ip] = 0x40 | (5 + random.below(3));
      } else if (bytes.length > ip + 6) {
        bytes[ip + 6] = [0, 6, 17, 43, 44, 60][random.below(6)]!;
      }
      break;
    case 6: // IP length fields: zero (offload), small, large
      if (bytes.length > ip + 5) {
        bytes[ip + (bytes[ip]! >> 4 === 4 ? 2 : 4)] = random.below(2) ? 0 : random.below(256);
        bytes[ip + (bytes[ip]! >> 4 === 4 ? 3 : 5)] = random.below(256);
      }
      break;
    case 7: // TCP data offset and option bytes
      {
        const tcp = ip + (bytes[ip]! >> 4 === 6 ? 40 : 20);
        if (bytes.length > tcp + 24) {
          if (random.below(2)) bytes[tcp + 12] = (random.below(16) << 4) | (bytes[tcp + 12]! & 0x0f);
          bytes[tcp + 20 + random.below(4)] = [0, 1, 2, 3, 4, 5, 8, 10, 30, 255][random.below(10)]!;
        }
      }
      break;
    default: // another link type
      linkType = [LinkType.ETHERNET, LinkType.RAW, LinkType.IPV4, LinkType.IPV6, LinkType.LINUX_SLL][random.below(5)]!;
  }
  return [bytes, linkType, original];
}

describe('decodeBatch fast path', function () {
  this.timeout(120_000);
  const records = corpusCaptures().flatMap((file) => [...parseCapture(readCorpusFile(file))]);

  for (const [name, c] of codecs) {
    it(`gives every corpus frame the row the general path gives, with and without verification (${name})`, function () {
      const frames = records.map((r) => r.data);
      const linkTypes = records.map((r) => r.linkType);
      const originalLengths = records.map((r) => r.originalLength);
      for (const options of [{ originalLengths }, { originalLengths, verifyChecksums: false }, {}]) {
        const decoded = decodeBoth(c, frames, linkTypes, options);
        expect(differences(c, decoded)).to.deep.equal([]);
        // Most real TCP is of the common shapes: the comparison must have exercised the fast path.
        expect(decoded.fastRows).to.be.greaterThan(records.length / 2);
      }
    });

    it(`agrees with the general path on 40,000 seeded variations of common-shape frames (${name})`, function () {
      const random = new Random(0x5eedfa57);
      const bases = craftedFrames();
      for (const r of records) if (r.data.length <= 1600 && random.below(8) === 0) bases.push([r.data, r.linkType]);
      let fastRows = 0;
      let statuses = new Set<number>();
      for (let batch = 0; batch < 10; batch++) {
        const frames: Uint8Array[] = [];
        const linkTypes: number[] = [];
        const originals: number[] = [];
        for (let n = 0; n < 4000; n++) {
          const [frame, linkType] = bases[random.below(bases.length)]!;
          const [bytes, lt, original] = n % 4 === 0 ? [frame, linkType, 0] : mutate(random, frame, linkType);
          frames.push(bytes);
          linkTypes.push(lt);
          originals.push(original);
        }
        const options = { originalLengths: originals, verifyChecksums: batch % 3 !== 2 };
        const decoded = decodeBoth(c, frames, linkTypes, options);
        expect(differences(c, decoded), `batch ${batch}`).to.deep.equal([]);
        fastRows += decoded.fastRows;
        statuses = new Set([...statuses, ...decoded.general.status]);
        for (const s of decoded.general.checksumState) statuses.add(100 + s);
        for (const s of decoded.general.ipChecksumState) statuses.add(200 + s);
      }
      expect(fastRows).to.be.greaterThan(10_000);
      // The mix reaches good, bad, unverifiable and unchecked checksums, both IPv4 header
      // verdicts, and several failure statuses beside OK.
      for (const s of [0, 1, 2, 3, 4, 100, 101, 102, 103, 200, 201, 202])
        expect(statuses.has(s), `${s}`).to.equal(true);
    });

    it(`never reads past a frame that ends at the end of WASM memory (${name})`, function () {
      const end = c.exports.memory.buffer.byteLength;
      c.configureColumns(1);
      const before = hooks(c).batchFastRows();
      for (const [frame, linkType] of craftedFrames().filter((_, i) => i % 3 === 0)) {
        for (let length = 0; length <= frame.length; length++) {
          const at = end - length;
          c.bytes().set(frame.subarray(0, length), at);
          const words = c.u32();
          words[c.batchOffsets >>> 2] = at;
          words[c.batchLengths >>> 2] = length;
          // A read past `end` traps (RuntimeError), failing the test.
          c.exports.decodeBatch(0, c.batchOffsets, c.batchLengths, 0, linkType, 0, 1, 1);
        }
      }
      expect(hooks(c).batchFastRows() - before).to.be.greaterThan(100);
    });
  }
});
