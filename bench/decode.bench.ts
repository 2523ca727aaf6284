// Decode + checksum verification of 1,024-packet batches (full-size and ACK-only separately) and
// of a whole capture file: decodeBatch (array, packed, zero-copy), per-packet decodeFrame, the
// pure-JS object-per-layer baseline, and the `pcap` npm package's own decoders when installed.
// Before timing, every decoder must agree with decodeFrame on every benchmark packet.

import {
  CaptureParser,
  ChecksumState,
  decodeBatch,
  decodeFrame,
  decodeFrameInto,
  DecodedFrame,
  inputArea,
  parseCapture,
  parseCaptureBatches,
  readCaptureBatches,
  type DecodedPacket,
  type PackedFrames,
  type SegmentTable,
} from '../dist/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codec } from '../dist/wire/module.js';
import { ColumnarDecoder, COLUMN_NAMES } from './baselines/columnar.js';
import { decodePacket, tcpOf, type TCP } from './baselines/decoder.js';
import { loadPcapPackage, verifyEthernetTcp, type PcapPackage } from './baselines/pcap-package.js';
import { compareWith, consume, runTasks, type BenchConfig, type Row, type TaskSpec } from './harness.js';
import { BATCH, type FrameSet } from './packets.js';

const BASELINE = 'pure JS, object per layer (node_pcap style)';
/** The strongest plain-JS rival: typed columns, options parsed, frames read where they lie. */
export const COLUMNAR = 'columnar plain JS (typed columns, reused; array of frames)';
export const COLUMNAR_NO_VERIFY = 'columnar plain JS, verifyChecksums: false';
/** Records handed to one decodeBatch call in the whole-file task (the WASM side's chunk size). */
export const FILE_CHUNK = 4096;

function describe(p: DecodedPacket | TCP | null): string {
  return JSON.stringify(p, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
}

/** Throws (with both decodings) when the baseline and decodeFrame disagree on a frame. */
function crossCheck(frame: Uint8Array, linkType: number, where: string): void {
  const ours = decodeFrame(frame, linkType);
  const theirs = tcpOf(decodePacket(frame, linkType));
  const o = ours.tcp.options;
  const fail = (what: string) => {
    throw new Error(
      `baseline decoder disagrees with decodeFrame on ${where}: ${what}\n  decodeFrame: ${describe(ours)}\n  baseline:    ${describe(theirs)}`,
    );
  };
  if (!theirs || !theirs.options || !theirs.flags) return fail('no TCP layer');
  const t = theirs.options;
  const pairs: Array<[string, unknown, unknown]> = [
    ['srcPort', ours.tcp.srcPort, theirs.sport],
    ['dstPort', ours.tcp.dstPort, theirs.dport],
    ['seq', ours.tcp.seq, theirs.seqno],
    ['ack', ours.tcp.ack, theirs.ackno],
    ['flags', ours.tcp.flags & 0x1ff, theirs.flags.bits()],
    ['window', ours.tcp.window, theirs.windowSize],
    ['headerLength', ours.tcp.headerLength, theirs.headerLength],
    ['payload length', ours.payload.length, theirs.data?.length ?? 0],
    ['mss', o.mss ?? null, t.mss],
    ['windowScale', o.windowScale ?? null, t.window_scale],
    ['sackPermitted', o.sackPermitted ?? null, t.sack_ok],
    ['sack', JSON.stringify(o.sack ?? null), JSON.stringify(t.sack)],
    ['timestamp', o.timestamp?.value ?? null, t.timestamp],
    ['timestamp echo', o.timestamp?.echo ?? null, t.echo],
    ['checksum verdict', ours.checksumStatus, theirs.checksumStatus],
  ];
  for (const [name, a, b] of pairs) if (a !== b) fail(`${name}: ${String(a)} vs ${String(b)}`);
}

/** decodeBatch must agree with decodeFrame too, or its timings mean nothing. */
function checkTable(table: SegmentTable, set: FrameSet): void {
  for (let i = 0; i < table.length; i++) {
    const p = decodeFrame(set.frames[i]!, set.linkType);
    if (
      table.status[i] !== 0 ||
      table.checksumState[i] !== ChecksumState.GOOD ||
      table.seq[i] !== p.tcp.seq ||
      table.ack[i] !== p.tcp.ack ||
      table.srcPort[i] !== p.tcp.srcPort ||
      table.capturedPayloadLength[i] !== p.payload.length
    ) {
      throw new Error(`decodeBatch row ${i} of ${set.name} disagrees with decodeFrame`);
    }
  }
}

/** The columnar baseline must fill every column exactly as decodeBatch does, with and without verification. */
function checkColumnar(set: FrameSet): void {
  const js = new ColumnarDecoder(set.frames.length);
  for (const verify of [true, false]) {
    const table = decodeBatch(set.frames, set.linkType, { verifyChecksums: verify });
    js.decode(set.frames, set.linkType, verify);
    for (const name of COLUMN_NAMES) {
      const ours = table[name];
      const theirs = js[name];
      for (let i = 0; i < table.length; i++) {
        if (ours[i] !== theirs[i]) {
          throw new Error(
            `columnar baseline disagrees with decodeBatch on ${set.name} row ${i} ${name}` +
              ` (verify ${verify}): ${theirs[i]} vs ${ours[i]}`,
          );
        }
      }
    }
  }
}

/** The pcap package, loaded once: its rows appear when it is installed (see baselines/pcap-package.ts). */
export const pcapPackage = loadPcapPackage();

/** The frames as Node Buffers (views, no copy): node_pcap's decoders call Buffer methods. */
function asBuffers(frames: Uint8Array[]): Buffer[] {
  return frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.length));
}

/** node_pcap must read the same ports, sequence numbers and lengths as decodeFrame. */
function checkPcapPackage(pkg: PcapPackage, set: FrameSet): void {
  asBuffers(set.frames).forEach((frame, i) => {
    const ours = decodeFrame(frame, set.linkType).tcp;
    const theirs = pkg.decodeTcp(frame);
    if (
      !theirs ||
      theirs.sport !== ours.srcPort ||
      theirs.dport !== ours.dstPort ||
      theirs.seqno !== ours.seq ||
      theirs.ackno !== ours.ack ||
      theirs.headerLength !== ours.headerLength ||
      theirs.windowSize !== ours.window
    ) {
      throw new Error(`pcap package decoder disagrees with decodeFrame on ${set.name} packet ${i}`);
    }
    if (!verifyEthernetTcp(frame))
      throw new Error(`pure-JS verification after node_pcap fails on ${set.name} packet ${i}`);
  });
}

/**
 * A copy of the packed frames in the codec's input area (inputArea), as a program that reads
 * captures straight into WASM memory would have them. Re-made if memory grew (detaching the
 * view) or another inputArea call replaced the area.
 */
class ResidentFrames {
  #packed: PackedFrames | undefined;
  readonly #source: FrameSet['packed'];

  constructor(source: FrameSet['packed']) {
    this.#source = source;
  }

  get packed(): PackedFrames {
    if (this.#packed === undefined || !codec().isResident(this.#packed.data)) {
      const area = inputArea(this.#source.data.length);
      area.set(this.#source.data);
      this.#packed = { data: area, offsets: this.#source.offsets, lengths: this.#source.lengths };
    }
    return this.#packed;
  }
}

/** decodeFrameInto must refill one result with what decodeFrame returns (the fields timed here). */
function checkInto(set: FrameSet): void {
  const into = new DecodedFrame();
  set.frames.forEach((frame, i) => {
    const p = decodeFrame(frame, set.linkType);
    const q = decodeFrameInto(into, frame, set.linkType);
    if (
      q.tcp.seq !== p.tcp.seq ||
      q.tcp.ack !== p.tcp.ack ||
      q.checksumStatus !== p.checksumStatus ||
      q.ip.src !== p.ip.src ||
      q.payload.length !== p.payload.length ||
      q.tcp.options.timestamp?.value !== p.tcp.options.timestamp?.value ||
      JSON.stringify(q.tcp.options.sack) !== JSON.stringify(p.tcp.options.sack)
    ) {
      throw new Error(`decodeFrameInto disagrees with decodeFrame on ${set.name} packet ${i}`);
    }
  });
}

/**
 * The set's frames as an array of views of a pinned region of WASM memory, where
 * readCaptureBatches' inPlace reader leaves a capture's records (record(i).data): decodeBatch
 * takes such an array without copying. Views are made again after memory grew.
 */
class PinnedFrames {
  #frames: Uint8Array[] = [];
  #generation = -1;
  #offset = -1;
  readonly #source: FrameSet['packed'];

  constructor(source: FrameSet['packed']) {
    this.#source = source;
  }

  get frames(): Uint8Array[] {
    const c = codec();
    if (this.#offset < 0) {
      const { data } = this.#source;
      this.#offset = c.allocateRegion(data.length).offset;
      c.bytes().set(data, this.#offset);
    }
    if (this.#generation !== c.generation) {
      const { offsets, lengths } = this.#source;
      this.#frames = Array.from(offsets, (at, i) => c.viewAt(this.#offset + at, lengths[i]!));
      this.#generation = c.generation;
    }
    return this.#frames;
  }
}

export function selfCheck(sets: FrameSet[]): void {
  for (const set of sets) {
    set.frames.forEach((frame, i) => {
      const p = decodeFrame(frame, set.linkType);
      if (p.checksumStatus !== 'good') throw new Error(`${set.name} packet ${i} has checksum ${p.checksumStatus}`);
      crossCheck(frame, set.linkType, `${set.name} packet ${i}`);
    });
    checkInto(set);
    checkTable(decodeBatch(set.frames, set.linkType), set);
    checkTable(decodeBatch(set.packed, set.linkType), set);
    checkTable(decodeBatch(new ResidentFrames(set.packed).packed, set.linkType), set);
    checkColumnar(set);
    checkTable(decodeBatch(new PinnedFrames(set.packed).frames, set.linkType), set);
    if (!('missing' in pcapPackage)) checkPcapPackage(pcapPackage, set);
  }
}

export function decodeGroup(set: FrameSet): string {
  return `decode+verify ${set.frames.length} ${set.name}`;
}

export async function runDecodeBatch(set: FrameSet, config: BenchConfig): Promise<Row[]> {
  const { frames, packed, linkType } = set;
  const n = frames.length;
  if (n !== BATCH) throw new Error(`${set.name} has ${n} frames, expected ${BATCH}`);
  const bytesPerOp = set.totalBytes / n;
  const resident = new ResidentFrames(packed);
  const pinned = new PinnedFrames(packed);
  const wasm = codec();
  let reused: SegmentTable | undefined;
  let reusedUnverified: SegmentTable | undefined;
  const columnar = new ColumnarDecoder(n);
  const into = new DecodedFrame();
  const specs: TaskSpec[] = [
    {
      name: 'decodeBatch (1 call, array of frames)',
      opsPerIteration: n,
      bytesPerOp,
      fn: () => {
        const t = decodeBatch(frames, linkType);
        consume(t.seq[n - 1]! + t.checksumState[0]!);
      },
    },
    {
      name: 'decodeBatch (1 call, array of frames in WASM memory, as read by readCaptureBatches inPlace)',
      opsPerIteration: n,
      bytesPerOp,
      note: 'the array input path with no copy: each frame a view of a pinned region (record(i).data of an inPlace batch)',
      fn: () => {
        const t = decodeBatch(pinned.frames, linkType);
        consume(t.seq[n - 1]! + t.checksumState[0]!);
      },
    },
    {
      name: 'decodeBatch (1 call, packed buffer)',
      opsPerIteration: n,
      bytesPerOp,
      fn: () => {
        const t = decodeBatch(packed, linkType);
        consume(t.seq[n - 1]! + t.checksumState[0]!);
      },
    },
    {
      name: 'decodeBatch (packed, already in WASM memory: inputArea)',
      opsPerIteration: n,
      bytesPerOp,
      note: 'zero-copy path: the frames were written into the codec input area',
      fn: () => {
        const t = decodeBatch(resident.packed, linkType);
        consume(t.seq[n - 1]! + t.checksumState[0]!);
      },
    },
    {
      name: 'decodeBatch (packed, already in WASM memory, into: reused table)',
      opsPerIteration: n,
      bytesPerOp,
      note: 'zero-copy and no table allocated per call: the loop flows/follow/decode run',
      fn: () => {
        reused = decodeBatch(resident.packed, linkType, reused === undefined ? {} : { into: reused });
        consume(reused.seq[n - 1]! + reused.checksumState[0]!);
      },
    },
    {
      name: 'decodeBatch, verifyChecksums: false',
      opsPerIteration: n,
      bytesPerOp,
      note: 'not comparable with the baseline (no checksum): shows what verification costs',
      fn: () => {
        const t = decodeBatch(frames, linkType, { verifyChecksums: false });
        consume(t.seq[n - 1]!);
      },
    },
    {
      name: 'decodeBatch (packed, already in WASM memory, into: reused table), verifyChecksums: false',
      opsPerIteration: n,
      bytesPerOp,
      note: 'zero-copy, no checksum: compare with the columnar plain-JS row without verification',
      fn: () => {
        reusedUnverified = decodeBatch(resident.packed, linkType, {
          verifyChecksums: false,
          ...(reusedUnverified === undefined ? {} : { into: reusedUnverified }),
        });
        consume(reusedUnverified.seq[n - 1]!);
      },
    },
    {
      name: COLUMNAR,
      opsPerIteration: n,
      bytesPerOp,
      note:
        'the strongest plain-JS baseline (bench/baselines/columnar.ts): the same 24 columns as decodeBatch, ' +
        'options parsed, TCP and IPv4 header checksums verified with the best JS sum, no object per packet',
      fn: () => consume(columnar.decode(frames, linkType, true)),
    },
    {
      name: COLUMNAR_NO_VERIFY,
      opsPerIteration: n,
      bytesPerOp,
      note: 'the columnar baseline without TCP checksums (the IPv4 header checksum stays, as in decodeBatch)',
      fn: () => consume(columnar.decode(frames, linkType, false)),
    },
    {
      name: 'decodeFrame per packet',
      opsPerIteration: n,
      bytesPerOp,
      fn: () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const p = decodeFrame(frames[i]!, linkType);
          acc += p.tcp.seq + (p.checksumStatus === 'good' ? 1 : 0);
        }
        consume(acc);
      },
    },
    {
      name: 'decodeFrameInto per packet (one reused DecodedFrame)',
      opsPerIteration: n,
      bytesPerOp,
      note:
        'the same fields as decodeFrame, refilled into one result; ip and the payload view are made when read ' +
        '(this loop reads tcp.seq and checksumStatus, as the decodeFrame row does)',
      fn: () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const p = decodeFrameInto(into, frames[i]!, linkType);
          acc += p.tcp.seq + (p.checksumStatus === 'good' ? 1 : 0);
        }
        consume(acc);
      },
    },
    {
      name: BASELINE,
      opsPerIteration: n,
      bytesPerOp,
      fn: () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const tcp = tcpOf(decodePacket(frames[i]!, linkType))!;
          acc += tcp.seqno + (tcp.checksumStatus === 'good' ? 1 : 0);
        }
        consume(acc);
      },
    },
    {
      name: "floor: one SIMD sum over all the batch's bytes in WASM memory",
      opsPerIteration: n,
      bytesPerOp,
      note:
        'not a decoder: the least any verifying decoder must do (read every byte once), ' +
        "at this machine's memory/cache bandwidth for a batch this size",
      fn: () => {
        const p = resident.packed;
        consume(wasm.exports.onesSum(p.data.byteOffset, p.data.length, 0));
      },
    },
  ];
  if (!('missing' in pcapPackage)) {
    const buffers = asBuffers(frames);
    const decodeTcp = pcapPackage.decodeTcp;
    specs.push(
      {
        name: `pcap ${pcapPackage.version} package decoders + best-JS checksum verify`,
        opsPerIteration: n,
        bytesPerOp,
        note: `node_pcap's own Ethernet/IP/TCP decoders (${pcapPackage.from}); it verifies no checksum, so the best pure-JS sum is added`,
        fn: () => {
          let acc = 0;
          for (let i = 0; i < n; i++) {
            const tcp = decodeTcp(buffers[i]!)!;
            acc += tcp.seqno + (verifyEthernetTcp(buffers[i]!) ? 1 : 0);
          }
          consume(acc);
        },
      },
      {
        name: `pcap ${pcapPackage.version} package decoders alone (no checksum)`,
        opsPerIteration: n,
        bytesPerOp,
        note: 'not comparable with the verifying rows: decode only',
        fn: () => {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += decodeTcp(buffers[i]!)!.seqno;
          consume(acc);
        },
      },
    );
  }
  return compareWith(await runTasks(decodeGroup(set), 'packet', specs, config), BASELINE);
}

interface FileChunk {
  frames: Uint8Array[];
  linkTypes: number[];
  originals: number[];
}

/** Bytes handed to the streaming parser at a time: readCapture's read size. */
export const STREAM_CHUNK = 1 << 20;

/**
 * The streaming path: the file's bytes pushed into a CaptureParser 1 MiB at a time (as
 * readCapture / readCaptureBatches do from disk), each RecordBatch of up to FILE_CHUNK records
 * straight into decodeBatch. Returns [records, good checksums].
 */
function decodeFileStreamed(bytes: Uint8Array, onTable?: (t: SegmentTable) => void): [number, number] {
  const parser = new CaptureParser();
  let records = 0;
  let good = 0;
  for (let at = 0; at < bytes.length; at += STREAM_CHUNK) {
    parser.push(bytes.subarray(at, Math.min(bytes.length, at + STREAM_CHUNK)));
    for (const batch of parser.drainBatches(FILE_CHUNK)) {
      const t = decodeBatch(batch, batch.linkTypes, { originalLengths: batch.originalLengths });
      records += t.length;
      const states = t.checksumState;
      for (let i = 0; i < t.length; i++) if (states[i] === ChecksumState.GOOD) good++;
      onTable?.(t);
    }
  }
  parser.end();
  return [records, good];
}

/** parseCapture (an object per record) + decodeBatch per FILE_CHUNK records. */
function decodeFileBatched(bytes: Uint8Array): [number, number] {
  let chunk: FileChunk = { frames: [], linkTypes: [], originals: [] };
  let records = 0;
  let good = 0;
  const flush = () => {
    const t = decodeBatch(chunk.frames, chunk.linkTypes, { originalLengths: chunk.originals });
    for (let i = 0; i < t.length; i++) if (t.checksumState[i] === ChecksumState.GOOD) good++;
    chunk = { frames: [], linkTypes: [], originals: [] };
  };
  for (const r of parseCapture(bytes)) {
    chunk.frames.push(r.data);
    chunk.linkTypes.push(r.linkType);
    chunk.originals.push(r.originalLength);
    records++;
    if (chunk.frames.length === FILE_CHUNK) flush();
  }
  if (chunk.frames.length > 0) flush();
  return [records, good];
}

/** parseCapture + the baseline decoder per record; returns [records, good checksums]. */
function decodeFileBaseline(bytes: Uint8Array, verdicts?: boolean[]): [number, number] {
  let records = 0;
  let good = 0;
  for (const r of parseCapture(bytes)) {
    records++;
    let ok = false;
    try {
      ok = tcpOf(decodePacket(r.data, r.linkType))?.checksumStatus === 'good';
    } catch {
      // not TCP, or malformed: decodeBatch reports these as a row status
    }
    if (ok) good++;
    verdicts?.push(ok);
  }
  return [records, good];
}

/**
 * readCaptureBatches from a file on disk (page-cached), each batch into decodeBatch: copying
 * (the stream's chunks, copied into WASM memory by decodeBatch) or read in place (straight into
 * WASM memory, decoded where it lies). Returns [records, good checksums].
 */
async function decodeFileFromDisk(path: string, inPlace: boolean): Promise<[number, number]> {
  let records = 0;
  let good = 0;
  for await (const batch of readCaptureBatches(path, FILE_CHUNK, { inPlace })) {
    const t = decodeBatch(batch, batch.linkTypes, { originalLengths: batch.originalLengths });
    records += t.length;
    const states = t.checksumState;
    for (let i = 0; i < t.length; i++) if (states[i] === ChecksumState.GOOD) good++;
  }
  return [records, good];
}

export async function runWholeFile(file: { name: string; bytes: Uint8Array }, config: BenchConfig): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpwasm-bench-'));
  try {
    return await runWholeFileIn(dir, file, config);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runWholeFileIn(
  dir: string,
  file: { name: string; bytes: Uint8Array },
  config: BenchConfig,
): Promise<Row[]> {
  // Self-check: the batch path and the baseline give every record the same checksum verdict.
  const batchVerdicts: boolean[] = [];
  const baseVerdicts: boolean[] = [];
  const [records, good] = decodeFileStreamed(file.bytes, (t) => {
    for (let i = 0; i < t.length; i++)
      batchVerdicts.push(t.status[i] === 0 && t.checksumState[i] === ChecksumState.GOOD);
  });
  const [objectRecords, objectGood] = decodeFileBatched(file.bytes);
  if (objectRecords !== records || objectGood !== good) {
    throw new Error(
      `whole file ${file.name}: streamed batches ${records}/${good}, record objects ${objectRecords}/${objectGood}`,
    );
  }
  const [baseRecords, baseGood] = decodeFileBaseline(file.bytes, baseVerdicts);
  const differ = batchVerdicts.findIndex((v, i) => v !== baseVerdicts[i]);
  if (records !== baseRecords || good !== baseGood || differ >= 0) {
    throw new Error(
      `whole file ${file.name}: decodeBatch ${records} records/${good} good, baseline ` +
        `${baseRecords}/${baseGood}; first differing record ${differ + 1}`,
    );
  }
  // The decompressed capture as a plain file: the in-place reader reads plain files.
  const path = join(dir, file.name.replace(/\.gz$/, ''));
  writeFileSync(path, file.bytes);
  for (const inPlace of [false, true]) {
    const [diskRecords, diskGood] = await decodeFileFromDisk(path, inPlace);
    if (diskRecords !== records || diskGood !== good) {
      throw new Error(`whole file ${file.name} from disk (inPlace ${inPlace}): ${diskRecords}/${diskGood}`);
    }
  }
  const bytesPerOp = file.bytes.length / records;
  const specs: TaskSpec[] = [
    {
      name: `readCaptureBatches from disk, inPlace (into WASM memory) + decodeBatch per RecordBatch`,
      opsPerIteration: records,
      bytesPerOp,
      note: 'the decompressed file, page-cached; decodeBatch copies no frame',
      fn: async () => consume((await decodeFileFromDisk(path, true))[1]),
    },
    {
      name: `readCaptureBatches from disk (1 MiB stream chunks) + decodeBatch per RecordBatch`,
      opsPerIteration: records,
      bytesPerOp,
      note: 'the same file and calls, read without inPlace: decodeBatch copies each batch in',
      fn: async () => consume((await decodeFileFromDisk(path, false))[1]),
    },
    {
      name: `streaming parser (1 MiB pushes) + decodeBatch per RecordBatch (<= ${FILE_CHUNK})`,
      opsPerIteration: records,
      bytesPerOp,
      note: 'CaptureParser.push + drainBatches, as readCaptureBatches does from disk',
      fn: () => consume(decodeFileStreamed(file.bytes)[1]),
    },
    {
      name: `parseCapture (record objects) + decodeBatch (${FILE_CHUNK} per call)`,
      opsPerIteration: records,
      bytesPerOp,
      fn: () => consume(decodeFileBatched(file.bytes)[1]),
    },
    {
      name: 'parseCaptureBatches only (no decoding)',
      opsPerIteration: records,
      bytesPerOp,
      note: 'the share of the whole-file time spent reading records',
      fn: () => {
        let n = 0;
        for (const b of parseCaptureBatches(file.bytes, FILE_CHUNK)) n += b.count;
        consume(n);
      },
    },
    {
      name: 'parseCapture only (record objects, no decoding)',
      opsPerIteration: records,
      bytesPerOp,
      fn: () => {
        let n = 0;
        for (const r of parseCapture(file.bytes)) n += r.capturedLength;
        consume(n);
      },
    },
    {
      name: `parseCapture + ${BASELINE}`,
      opsPerIteration: records,
      bytesPerOp,
      fn: () => consume(decodeFileBaseline(file.bytes)[1]),
    },
  ];
  const rows = await runTasks(
    `whole file ${file.name} (${records} records, ${good} good checksums)`,
    'segment',
    specs,
    config,
  );
  return compareWith(rows, `parseCapture + ${BASELINE}`);
}
