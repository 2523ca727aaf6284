// Loads the WebAssembly codec once and owns its memory. This is the only file that knows how
// memory above the module's heap base is divided:
//
//   [ scratch: detail record, encode request, addresses ][ batch columns + descriptors ]
//   [ pinned regions ][ caller's input area (inputArea) ][ copy area: inputs copied in → ]
//
// Pinned regions (allocateRegion) are long-lived areas nothing in the codec writes to: a TUN
// device reads packets straight into one, and the stack decodes them where they lie. A new
// region goes below the input area, which moves up (its bytes with it) to make room.
//
// The copy area is last so growing memory only ever extends it; it starts after the caller's
// area, so copying one input in never overwrites bytes a caller placed for zero-copy use.
//
// Views die when WASM memory grows: a grow replaces memory.buffer and every typed array over the
// old one reads as length 0. That rule is kept here and only here: refresh() remakes the codec's
// own views, `generation` tells holders of addresses (ReceivedBatch, devices reading into pinned
// regions) that theirs are stale, and viewAt() makes them a new one.

import { instantiate, instantiateSync } from '@assemblyscript/loader';
import { environment, fileBytes, fileBytesSync } from './host.js';
import { readLayout, type Layout } from './layout.js';

/** The raw WebAssembly exports the TypeScript side calls (no loader wrappers on hot paths). */
export interface CodecExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  simdEnabled(): number;
  onesSum(ptr: number, len: number, initial: number): number;
  onesSumScalar(ptr: number, len: number, initial: number): number;
  combineSums(a: number, b: number, offset: number): number;
  updateChecksum16(checksum: number, oldWord: number, newWord: number): number;
  pseudoSum4(src: number, dst: number, protocol: number, length: number): number;
  pseudoSum6(src: number, dst: number, protocol: number, length: number): number;
  decodeDetail(ptr: number, len: number, linkType: number, originalLength: number, out: number): number;
  configureBatch(base: number, capacity: number): void;
  decodeBatch(
    data: number,
    offsets: number,
    lengths: number,
    linkTypes: number,
    linkType: number,
    originals: number,
    count: number,
    verify: number,
  ): number;
  encode(request: number, payload: number): number;
  columnWidth(column: number): number;
  columnOffset(column: number, capacity: number): number;
}

export type CodecVariant = 'simd' | 'scalar' | 'debug';

const PAGE = 65536;
/** Largest pinned region (WASM memory is at most 4 GiB anyway). */
const MAX_REGION = 1 << 30;
const SCRATCH_BYTES = 4096;
/** Rows per decodeBatch call into WASM; larger batches are processed in chunks of this many. */
export const BATCH_ROWS = 4096;
/** Bytes of frames handed to one decodeBatch call at most (frames larger than this still fit). */
export const INPUT_CHUNK_BYTES = 8 << 20;

/** A long-lived area of WASM memory that the codec never writes to (see Codec.allocateRegion). */
export interface MemoryRegion {
  /** Address of the first byte (an offset into memory.buffer). */
  readonly offset: number;
  readonly length: number;
}

/** A loaded codec instance with its memory partition. */
export class Codec {
  readonly exports: CodecExports;
  readonly layout: Layout;
  readonly variant: CodecVariant;
  /** Detail record written by decodeDetail. */
  readonly detail: number;
  /** Encode request record. */
  readonly request: number;
  /** 32 bytes for two addresses (pseudo-header sums). */
  readonly addresses: number;
  /** Batch column area (BATCH_ROWS rows), then offsets, lengths, original lengths, link types. */
  readonly batchBase: number;
  readonly batchOffsets: number;
  readonly batchLengths: number;
  readonly batchOriginals: number;
  readonly batchLinkTypes: number;
  /** First byte of the caller's input area (inputArea); the copy area follows it. */
  #inputStart: number;
  /** Pinned regions in use, and those freed for reuse (see allocateRegion). */
  readonly #regions: MemoryRegion[] = [];
  readonly #freeRegions: MemoryRegion[] = [];
  /** Bytes of the caller's input area, as last asked for with inputView. */
  #userBytes = 0;
  /** First byte of the copy area, where inputs are copied in; extends to the end of memory. */
  #copyBase: number;
  #heap: Uint8Array;
  #view: DataView;
  #words: Uint32Array;
  #halves: Uint16Array;
  #buffer: ArrayBuffer;
  /** Bytes of WASM memory (memory.buffer.byteLength), kept with the views. */
  #capacity: number;
  #lastResident: Uint8Array | undefined;
  #lastFrom = 0;
  #lastLength = 0;
  /** Length of the input the last placeCounted call placed. */
  placedLength = 0;
  /** Its byteOffset (callers that need it too skip a second ~10 ns getter call). */
  placedFrom = 0;
  /** memory.buffer replacements so far (see generation). */
  #generations = 0;
  /** Rows the WASM batch columns are currently laid out for (see configureColumns). */
  #batchCapacity = BATCH_ROWS;

  constructor(exports: CodecExports, variant: CodecVariant) {
    this.exports = exports;
    this.variant = variant;
    this.layout = readLayout(exports as unknown as Record<string, unknown>);
    const base = align(exports.heapBase(), 64);
    this.detail = base;
    this.request = base + 1024;
    this.addresses = base + 2048;
    this.batchBase = base + SCRATCH_BYTES;
    const columns = exports.columnOffset(this.layout.COLUMN.COUNT, BATCH_ROWS);
    this.batchOffsets = align(this.batchBase + columns, 64);
    this.batchLengths = this.batchOffsets + BATCH_ROWS * 4;
    this.batchOriginals = this.batchLengths + BATCH_ROWS * 4;
    this.batchLinkTypes = this.batchOriginals + BATCH_ROWS * 4;
    this.#inputStart = align(this.batchLinkTypes + BATCH_ROWS * 2, 64);
    this.#copyBase = this.inputBase;
    exports.configureBatch(this.batchBase, BATCH_ROWS);
    this.#ensureCapacity(this.inputBase + PAGE);
    this.#heap = new Uint8Array(exports.memory.buffer);
    this.#view = new DataView(exports.memory.buffer);
    this.#words = new Uint32Array(exports.memory.buffer);
    this.#halves = new Uint16Array(exports.memory.buffer);
    this.#buffer = exports.memory.buffer;
    this.#capacity = this.#buffer.byteLength;
  }

  /** First byte of the caller's input area (inputArea); moves up when a region is allocated. */
  get inputBase(): number {
    return this.#inputStart;
  }

  /**
   * A region of `length` bytes that stays put and that the codec never writes to, until
   * freeRegion. Freed regions are reused, so opening and closing devices does not grow memory
   * each time. Allocating a new one moves the input area up (its bytes move along) and
   * refreshes memory.buffer, so stale views of the input area read as empty instead of reading
   * the region: take a new inputArea view, as after a grow.
   */
  allocateRegion(length: number): MemoryRegion {
    if (!Number.isInteger(length) || length <= 0 || length > MAX_REGION) {
      throw new RangeError(`region length must be an integer 1..${MAX_REGION}, got ${String(length)}`);
    }
    let best = -1;
    for (let i = 0; i < this.#freeRegions.length; i++) {
      const free = this.#freeRegions[i]!;
      if (free.length >= length && (best < 0 || free.length < this.#freeRegions[best]!.length)) best = i;
    }
    if (best >= 0) {
      const region = this.#freeRegions.splice(best, 1)[0]!;
      this.#regions.push(region);
      return region;
    }
    const region: MemoryRegion = { offset: this.#inputStart, length: align(length, 64) };
    const oldInput = this.#inputStart;
    const oldCopy = this.#copyBase;
    this.#inputStart = region.offset + region.length;
    this.#copyBase = this.#inputStart + (oldCopy - oldInput);
    this.#ensureCapacity(this.#copyBase);
    if (this.#userBytes > 0) this.#heap.copyWithin(this.#inputStart, oldInput, oldInput + this.#userBytes);
    // Detach every view of the old buffer (grow(0) still replaces memory.buffer): a view of
    // the input area taken before would now read the region.
    this.exports.memory.grow(0);
    this.#refresh();
    this.#regions.push(region);
    return region;
  }

  /** Returns a region from allocateRegion for reuse. */
  freeRegion(region: MemoryRegion): void {
    const at = this.#regions.indexOf(region);
    if (at < 0) return;
    this.#regions.splice(at, 1);
    this.#freeRegions.push(region);
  }

  /** True when [offset, offset + length) lies wholly in one region in use (see allocateRegion). */
  isPinned(offset: number, length: number): boolean {
    const regions = this.#regions;
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i]!;
      if (offset >= r.offset && offset + length <= r.offset + r.length) return true;
    }
    return false;
  }

  /**
   * `at` (the byteOffset of `data`, `length` its length) when `data` is a view of the current
   * memory lying wholly in a pinned region, else -1: a view of a buffer a grow replaced is not
   * (its bytes are found again through viewAt).
   */
  pinnedAt(data: Uint8Array, at: number, length: number): number {
    // The cheap numeric test first: reading .buffer costs ~15 ns, and ordinary arrays start at
    // offsets that lie in no region.
    return this.isPinned(at, length) && data.buffer === this.#buffer ? at : -1;
  }

  // The views below are replaced whenever memory grows, and memory only grows in
  // ensureCapacity (the WASM module never grows it itself), so they are always current: no
  // detach test per call (each typed-array getter costs ~5 ns on V8's hot path).

  /** Bytes of WASM memory. */
  bytes(): Uint8Array {
    return this.#heap;
  }

  dataView(): DataView {
    return this.#view;
  }

  /** WASM memory as 32-bit words (index = address / 4), for filling batch descriptors. */
  u32(): Uint32Array {
    return this.#words;
  }

  /** WASM memory as 16-bit words (index = address / 2), for reading aligned record fields. */
  u16(): Uint16Array {
    return this.#halves;
  }

  /**
   * True when `data` lies wholly in the caller's input area (see inputArea), so it can be handed
   * to WASM where it is instead of being copied in first. Views of other parts of WASM memory
   * are not trusted: the codec writes its records, columns and copies there.
   */
  isResident(data: Uint8Array): boolean {
    return this.#residentAt(data, data.byteOffset, data.length);
  }

  /** isResident with the view's byteOffset and length already read (each read costs ~5 ns). */
  #residentAt(data: Uint8Array, at: number, length: number): boolean {
    // byteOffset first: reading .buffer costs ~15 ns in V8 (a builtin call, not inlined), and
    // most arrays start below the input area's address (fresh arrays at 0, Node's pooled
    // Buffers below 8 KiB). The last view found resident is remembered: callers that keep
    // summing or decoding one inputArea view skip .buffer entirely. (A view of a buffer since
    // detached by a grow has byteOffset 0, so it fails the first test.)
    if (at < this.#inputStart) return false;
    if (data === this.#lastResident) return true;
    if (at + length > this.#inputStart + this.#userBytes || data.buffer !== this.memoryBuffer()) return false;
    this.#lastResident = data;
    this.#lastFrom = at;
    this.#lastLength = length;
    return true;
  }

  /**
   * Counts replacements of memory.buffer (a grow, or allocateRegion): views taken while it had
   * another value are detached and read as empty. Holders of addresses compare it to decide
   * whether to take a new view (see viewAt()).
   */
  get generation(): number {
    return this.#generations;
  }

  /** A view of `length` bytes at `offset` in the current memory.buffer. */
  viewAt(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.#buffer, offset, length);
  }

  /** The current memory.buffer (reading the WebAssembly property is slower than a field). */
  memoryBuffer(): ArrayBufferLike {
    return this.#buffer;
  }

  /** The address of `data` in WASM memory, copying it to the copy area (at `at`) unless resident. */
  place(data: Uint8Array, at = 0): number {
    return this.placeSized(data, data.byteOffset, data.length, at);
  }

  /**
   * place() that also leaves the input's length in `placedLength`. The view found resident last
   * time is recognised by identity, without reading byteOffset or length: each typed-array
   * getter costs ~5 ns on this V8, as much as summing 40 bytes in WASM.
   */
  placeCounted(data: Uint8Array): number {
    if (data === this.#lastResident) {
      this.placedLength = this.#lastLength;
      this.placedFrom = this.#lastFrom;
      return this.#lastFrom;
    }
    const n = data.length;
    const from = data.byteOffset;
    this.placedLength = n;
    this.placedFrom = from;
    return this.placeSized(data, from, n);
  }

  /** place() with the view's byteOffset and length already read (each read costs ~5 ns). */
  placeSized(data: Uint8Array, from: number, n: number, at = 0): number {
    return this.#residentAt(data, from, n) ? from : this.#copySized(data, from, n, at);
  }

  /**
   * Makes the caller's input area `length` bytes (growing memory if needed) and returns a view
   * of it. Inputs copied in later go after it, so they never overwrite it.
   */
  inputView(length: number): Uint8Array {
    this.#userBytes = length;
    this.#copyBase = align(this.inputBase + length, 64);
    this.#lastResident = undefined;
    this.reserveInput(0);
    return new Uint8Array(this.memoryBuffer(), this.inputBase, length);
  }

  /**
   * Lays the batch columns out for `capacity` rows (at most BATCH_ROWS). A table of up to
   * BATCH_ROWS rows uses its own row count, so the columns sit in WASM memory exactly as in the
   * table's buffer and leave in one copy.
   */
  configureColumns(capacity: number): void {
    if (capacity !== this.#batchCapacity) {
      this.exports.configureBatch(this.batchBase, capacity);
      this.#batchCapacity = capacity;
    }
  }

  /** Makes sure the copy area holds at least `length` bytes; returns its address. */
  reserveInput(length: number): number {
    // A cached size, not heap.length: typed-array getters cost ~5 ns each on V8's hot path, and
    // memory only grows here (the WASM module never grows it itself).
    if (this.#copyBase + length > this.#capacity) this.#ensureCapacity(this.#copyBase + length);
    return this.#copyBase;
  }

  /** Copies `data` to the copy area (at `at` bytes into it) and returns its address. */
  copyIn(data: Uint8Array, at = 0): number {
    return this.#copySized(data, data.byteOffset, data.length, at);
  }

  /** copyIn with the view's byteOffset (`from`) and length already read. */
  #copySized(data: Uint8Array, from: number, n: number, at: number): number {
    const heap = this.#heap;
    const ptr = this.reserveInput(at + n) + at;
    if (n === 0) return ptr;
    // A view of WASM memory itself (outside the caller's area) is detached if reserving grew
    // memory: read the same bytes through the new buffer.
    if (this.#heap !== heap && data.length !== n) data = new Uint8Array(this.memoryBuffer(), from, n);
    this.#heap.set(data, ptr);
    return ptr;
  }

  #ensureCapacity(end: number): void {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    memory.grow(Math.ceil((end - have) / PAGE));
    this.#refresh();
  }

  // The one place views of WASM memory are remade: every view the codec hands out or keeps is
  // either re-read from here per use (bytes(), u32()...) or checked against `generation`.
  #refresh(): void {
    this.#generations++;
    this.#lastResident = undefined; // detached now: it reads as empty
    this.#heap = new Uint8Array(this.exports.memory.buffer);
    this.#view = new DataView(this.exports.memory.buffer);
    this.#words = new Uint32Array(this.exports.memory.buffer);
    this.#halves = new Uint16Array(this.exports.memory.buffer);
    this.#buffer = this.exports.memory.buffer;
    this.#capacity = this.#buffer.byteLength;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function wasmUrl(variant: CodecVariant): URL {
  // src/wire/module.ts and dist/wire/module.js both sit two levels below the package root. One
  // literal per file: Vite and webpack 5 emit the asset and rewrite the URL only for
  // `new URL('literal', import.meta.url)`.
  switch (variant) {
    case 'simd':
      return new URL('../../build/tcpwasm.wasm', import.meta.url);
    case 'scalar':
      return new URL('../../build/tcpwasm-nosimd.wasm', import.meta.url);
    case 'debug':
      return new URL('../../build/tcpwasm-debug.wasm', import.meta.url);
  }
}

/** A minimal module using one SIMD instruction; validates only where SIMD128 is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** The variant this runtime should use: SIMD unless unsupported or TCPWASM_SIMD=0. */
export function preferredVariant(): CodecVariant {
  if (environment('TCPWASM_SIMD') === '0') return 'scalar';
  return WebAssembly.validate(SIMD_PROBE) ? 'simd' : 'scalar';
}

/**
 * Where init() may take a codec build from, instead of the package's build/ directory: a URL
 * to fetch (what a bundler's file loader or `new URL(…, import.meta.url)` gives), a fetch
 * Response, the bytes (a bundler's binary loader), or a compiled module.
 */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** Sources for init(): the build matching the runtime (SIMD or not) is the one loaded. */
export interface InitOptions {
  /** The SIMD build (build/tcpwasm.wasm). */
  simd?: WasmSource;
  /** The scalar build (build/tcpwasm-nosimd.wasm), for runtimes without SIMD128. */
  scalar?: WasmSource;
}

function readWasmSync(variant: CodecVariant): Uint8Array {
  const bytes = fileBytesSync(wasmUrl(variant));
  if (!bytes) throw new Error('tcpwasm: call `await init()` before using the codec outside Node.js');
  return bytes;
}

async function fetchWasm(url: string | URL): Promise<Response | ArrayBuffer> {
  // A relative string (a bundler's file loader output) resolves against the page, as fetch does.
  const response = await fetch(url);
  if (!response.ok) throw new Error(`tcpwasm: cannot fetch ${String(url)}: HTTP ${response.status}`);
  return streamable(response);
}

/**
 * The response itself when it can be compiled while it downloads; instantiateStreaming refuses
 * any other type than application/wasm (many servers send .wasm as application/octet-stream),
 * so those are compiled from their bytes.
 */
function streamable(response: Response): Response | Promise<ArrayBuffer> {
  const type = response.headers.get('content-type') ?? '';
  return /^application\/wasm\s*(;|$)/i.test(type) ? response : response.arrayBuffer();
}

/** The module bytes (or a Response streaming them) for `variant`, from `source` or the package. */
async function wasmInput(variant: CodecVariant, source: WasmSource | undefined) {
  if (source === undefined) {
    // Node.js reads the file beside the package; elsewhere fetch it from the same place, which
    // Vite and webpack 5 rewrite to the emitted asset (they understand new URL(…, import.meta.url)).
    const file = fileBytes(wasmUrl(variant));
    return file ? await file : fetchWasm(wasmUrl(variant));
  }
  if (typeof source === 'string' || source instanceof URL) return fetchWasm(source);
  return typeof Response !== 'undefined' && source instanceof Response ? streamable(source) : source;
}

/** Loads a codec variant synchronously (Node.js). Each call makes a new, independent instance. */
export function loadCodecSync(variant: CodecVariant): Codec {
  const { instance } = instantiateSync<Record<string, unknown>>(readWasmSync(variant), {});
  return new Codec(instance.exports as unknown as CodecExports, variant);
}

/**
 * Loads a codec variant asynchronously, from `source` or the package's build/ directory. Each
 * call makes a new, independent instance.
 */
export async function loadCodec(variant: CodecVariant, source?: WasmSource): Promise<Codec> {
  // A Response streams into the compiler (instantiateStreaming) when served as application/wasm.
  const { instance } = await instantiate<Record<string, unknown>>(await wasmInput(variant, source), {});
  return new Codec(instance.exports as unknown as CodecExports, variant);
}

let shared: Codec | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the WebAssembly codec. Idempotent: later calls return at once. In Node.js the codec also
 * loads itself on first use, so calling this is optional there; elsewhere it is required. Pass
 * `options` when a bundler has moved the .wasm files (docs/browser.md).
 */
export function init(options: InitOptions = {}): Promise<void> {
  if (shared) return Promise.resolve();
  const variant = preferredVariant();
  loading ??= loadCodec(variant, variant === 'simd' ? options.simd : options.scalar).then(
    (codec) => {
      shared ??= codec;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** The shared codec, loading it synchronously on first use where that is possible. */
export function codec(): Codec {
  return (shared ??= loadCodecSync(preferredVariant()));
}
