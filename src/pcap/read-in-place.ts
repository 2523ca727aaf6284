// Capture files read straight into WebAssembly memory, so decodeBatch decodes their records
// where they lie instead of copying every frame in first (as a TUN device's packets are).
//
// Two pinned regions of the codec's memory (Codec.allocateRegion: the codec never writes there)
// take reads in turn. The unfinished record at the end of a read is moved to the front of the
// next region and the next read lands behind it, so a record never straddles two buffers and
// the parser never joins or bridges anything. A region is read into again only after the other
// one has yielded batches, so a batch stays valid until the generator has been resumed twice
// after yielding it, or has finished (its regions then go back to the codec for the next reader).
//
// Reads are synchronous (fs.readSync): no JavaScript runs while the kernel writes into WASM
// memory, so nothing can grow (and so replace) that memory under a read in flight.

import { DecodeError } from '../wire/errors.js';
import { codec, type MemoryRegion } from '../wire/module.js';
import { markResident, type RecordBatch } from './batch.js';
import { CaptureParser, MAX_RECORD_BYTES } from './parser.js';

/** Bytes asked for per read at least (readCapture's stream reads as much). */
export const IN_PLACE_READ = 1 << 20;
/**
 * Room above a read for the unfinished record carried over from the last one: libpcap's largest
 * frame, so ordinary captures never need a larger region than the first.
 */
const CARRY_ROOM = 262144;
/** The largest region asked for: a largest acceptable record plus one read. */
const MAX_REGION_BYTES = MAX_RECORD_BYTES + IN_PLACE_READ + CARRY_ROOM;

/** fs.readSync's positional form: bytes read into `buffer`, 0 at the end of the file. */
export type ReadSync = (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => number;

/** The file read: an open descriptor, how to read it, and its size when reading starts. */
export interface InPlaceFile {
  fd: number;
  readSync: ReadSync;
  /** Bytes in the file: a record header claiming more than is left asks for no more room. */
  size: number;
}

/** Read sizes (tests use tiny ones to make records straddle reads). */
export interface InPlaceSizes {
  /** Bytes per read at most, and at least in a region beside the carried bytes. */
  read: number;
  /** Room kept above a read for carried bytes when a region is first made. */
  carryRoom: number;
}

const SIZES: InPlaceSizes = { read: IN_PLACE_READ, carryRoom: CARRY_ROOM };

/** Lets other callbacks run between reads: the reads themselves block. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Regions of readers dropped unfinished (never run to the end nor returned: their `finally` never
 * runs) go back to the codec when the generator is collected, as a lost TUN device's do.
 */
const abandoned = new FinalizationRegistry<Array<MemoryRegion | undefined>>((regions) => {
  for (const region of regions) if (region !== undefined) codec().freeRegion(region);
});

/**
 * The records of the plain (not gzip) pcap or pcapng file `file`, from byte 0, as
 * RecordBatches whose data are views of WASM memory (see RecordBatch.data). `progress` is told
 * the bytes consumed after each read's batches were yielded.
 */
export function readInPlace(
  file: InPlaceFile,
  maxRecords: number,
  progress?: (bytesConsumed: number) => void,
  sizes: InPlaceSizes = SIZES,
): AsyncGenerator<RecordBatch, void, undefined> {
  const regions: Array<MemoryRegion | undefined> = [undefined, undefined];
  const token = {};
  const batches = readRegions(file, maxRecords, progress, sizes, regions, token);
  abandoned.register(batches, regions, token);
  return batches;
}

async function* readRegions(
  file: InPlaceFile,
  maxRecords: number,
  progress: ((bytesConsumed: number) => void) | undefined,
  sizes: InPlaceSizes,
  regions: Array<MemoryRegion | undefined>,
  token: object,
): AsyncGenerator<RecordBatch, void, undefined> {
  const c = codec();
  const parser = new CaptureParser();
  let side = 0;
  // Column buffers per region, recycled with it: the batches they served are as dead as its bytes.
  const columns: ArrayBuffer[][] = [[], []];
  let used = 0;
  parser.columnBuffer = (bytes) => {
    const pool = columns[side]!;
    let buffer = pool[used];
    if (buffer === undefined || buffer.byteLength < bytes) pool[used] = buffer = new ArrayBuffer(bytes);
    used++;
    return buffer;
  };
  let position = 0;
  /** Bytes of an unfinished record (or block) at `tail`, still to be parsed. */
  let carried = 0;
  let tail = 0;
  try {
    for (;;) {
      // A corrupt or hostile length asks for no more room than the file has left.
      const wanted = Math.min(parser.wanted, carried + Math.max(file.size - position, sizes.read));
      const region = ensureRegion(regions, side, carried, wanted, parser.offset, sizes);
      // copyWithin is a memmove: the carried bytes may overlap their new place (same region).
      if (carried > 0 && tail !== region.offset) c.bytes().copyWithin(region.offset, tail, tail + carried);
      const room = Math.min(region.length - carried, sizes.read);
      const n = file.readSync(file.fd, c.viewAt(region.offset + carried, room), 0, room, position);
      position += n;
      parser.refill(c.viewAt(region.offset, carried + n));
      if (n === 0) {
        parser.end(); // throws TRUNCATED when the file stopped inside a record
        return;
      }
      const start = parser.offset;
      used = 0;
      const batches: RecordBatch[] = [];
      let fault: unknown;
      try {
        for (const batch of parser.drainBatches(maxRecords)) batches.push(batch);
      } catch (error) {
        fault = error;
      }
      const generation = c.generation;
      for (const batch of batches) markResident(batch, generation);
      const consumed = parser.offset - start;
      carried += n - consumed;
      tail = region.offset + consumed;
      for (const batch of batches) yield batch;
      if (fault !== undefined) throw fault;
      progress?.(parser.offset);
      // Only a region that handed out batches is left alone for a turn; one that yielded none
      // holds nothing but the carried bytes and takes the next read itself.
      if (batches.length > 0) side ^= 1;
      await turn();
    }
  } finally {
    abandoned.unregister(token);
    for (const region of regions) if (region !== undefined) c.freeRegion(region);
  }
}

/**
 * The region for this turn, at least `carried` bytes plus a read (and `wanted`, the size of a
 * record known to be coming). A larger one replaces it when needed, twice the size at least so
 * a record that arrives a read at a time costs a few reallocations, not one per read. Memory is
 * bounded: the parser refuses any record over MAX_RECORD_BYTES before its bytes arrive.
 */
function ensureRegion(
  regions: Array<MemoryRegion | undefined>,
  side: number,
  carried: number,
  wanted: number,
  offset: number,
  sizes: InPlaceSizes,
): MemoryRegion {
  const old = regions[side];
  const need = Math.max(carried + sizes.read, wanted);
  if (old !== undefined && old.length >= need) return old;
  if (need > MAX_REGION_BYTES) {
    throw new DecodeError('BAD_CAPTURE', `record larger than ${MAX_RECORD_BYTES} bytes at byte ${offset}`, offset);
  }
  const size = Math.min(MAX_REGION_BYTES, Math.max(need, sizes.read + sizes.carryRoom, 2 * (old?.length ?? 0)));
  const c = codec();
  // The new region before freeing the old: the carried bytes may still lie in it.
  const region = c.allocateRegion(size);
  if (old !== undefined) c.freeRegion(old);
  regions[side] = region;
  return region;
}
