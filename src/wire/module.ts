// Loads the WebAssembly codec once and owns its memory. This is the only file that knows how
// memory above the module's heap base is divided:
//
//   [ scratch: detail record, encode request, addresses ][ batch columns + descriptors ][ input → ]
//
// The input area is last so growing memory only ever extends it. Views over memory.buffer are
// recreated whenever a grow has replaced the buffer.

import { instantiate, instantiateSync } from '@assemblyscript/loader';
import { nodeBuiltin } from '../node.js';
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
  decodeBatch(data: number, offsets: number, lengths: number, linkTypes: number, linkType: number,
    originals: number, count: number, verify: number): number;
  encode(request: number, payload: number): number;
  columnWidth(column: number): number;
  columnOffset(column: number, capacity: number): number;
}

export type CodecVariant = 'simd' | 'scalar' | 'debug';

const WASM_FILES: Record<CodecVariant, string> = {
  simd: 'tcpwasm.wasm',
  scalar: 'tcpwasm-nosimd.wasm',
  debug: 'tcpwasm-debug.wasm',
};

const PAGE = 65536;
const SCRATCH_BYTES = 4096;
/** Rows per decodeBatch call into WASM; larger batches are processed in chunks of this many. */
export const BATCH_ROWS = 4096;
/** Bytes of frames handed to one decodeBatch call at most (frames larger than this still fit). */
export const INPUT_CHUNK_BYTES = 8 << 20;

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
  /** First byte of the input area; it extends to the end of memory. */
  readonly inputBase: number;
  private heap: Uint8Array;
  private view: DataView;

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
    this.inputBase = align(this.batchLinkTypes + BATCH_ROWS * 2, 64);
    exports.configureBatch(this.batchBase, BATCH_ROWS);
    this.ensureCapacity(this.inputBase + PAGE);
    this.heap = new Uint8Array(exports.memory.buffer);
    this.view = new DataView(exports.memory.buffer);
  }

  /**
   * Bytes of WASM memory. Growing memory detaches the old buffer (its views read as length 0),
   * which is cheaper to test than reading memory.buffer on every call.
   */
  bytes(): Uint8Array {
    if (this.heap.byteLength === 0) this.refresh();
    return this.heap;
  }

  dataView(): DataView {
    if (this.view.byteLength === 0) this.refresh();
    return this.view;
  }

  /** Makes sure the input area holds at least `length` bytes; returns its address. */
  reserveInput(length: number): number {
    if (this.inputBase + length > this.bytes().length) this.ensureCapacity(this.inputBase + length);
    return this.inputBase;
  }

  /** Copies `data` to the input area (at `at` bytes into it) and returns its address. */
  copyIn(data: Uint8Array, at = 0): number {
    const ptr = this.reserveInput(at + data.length) + at;
    this.heap.set(data, ptr);
    return ptr;
  }

  private ensureCapacity(end: number): void {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    memory.grow(Math.ceil((end - have) / PAGE));
    this.refresh();
  }

  private refresh(): void {
    this.heap = new Uint8Array(this.exports.memory.buffer);
    this.view = new DataView(this.exports.memory.buffer);
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function wasmUrl(variant: CodecVariant): URL {
  // src/wire/module.ts and dist/wire/module.js both sit two levels below the package root.
  return new URL(`../../build/${WASM_FILES[variant]}`, import.meta.url);
}

/** A minimal module using one SIMD instruction; validates only where SIMD128 is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

/** The variant this runtime should use: SIMD unless unsupported or TCPWASM_SIMD=0. */
export function preferredVariant(): CodecVariant {
  const env = typeof process !== 'undefined' ? process.env?.TCPWASM_SIMD : undefined;
  if (env === '0') return 'scalar';
  return WebAssembly.validate(SIMD_PROBE) ? 'simd' : 'scalar';
}

type NodeFs = typeof import('node:fs');

function readWasmSync(variant: CodecVariant): Uint8Array {
  const fs = nodeBuiltin<NodeFs>('node:fs');
  if (!fs) throw new Error('tcpwasm: call `await init()` before using the codec outside Node.js');
  return fs.readFileSync(wasmUrl(variant));
}

async function readWasm(variant: CodecVariant): Promise<Uint8Array | ArrayBuffer> {
  const fs = nodeBuiltin<NodeFs>('node:fs');
  if (fs) return fs.promises.readFile(wasmUrl(variant));
  const response = await fetch(wasmUrl(variant));
  if (!response.ok) throw new Error(`tcpwasm: cannot fetch ${wasmUrl(variant).href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Loads a codec variant synchronously (Node.js). Each call makes a new, independent instance. */
export function loadCodecSync(variant: CodecVariant): Codec {
  const { instance } = instantiateSync<Record<string, unknown>>(readWasmSync(variant), {});
  return new Codec(instance.exports as unknown as CodecExports, variant);
}

/** Loads a codec variant asynchronously. Each call makes a new, independent instance. */
export async function loadCodec(variant: CodecVariant): Promise<Codec> {
  const { instance } = await instantiate<Record<string, unknown>>(await readWasm(variant), {});
  return new Codec(instance.exports as unknown as CodecExports, variant);
}

let shared: Codec | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the WebAssembly codec. Idempotent: later calls return at once. In Node.js the codec also
 * loads itself on first use, so calling this is optional there; elsewhere it is required.
 */
export function init(): Promise<void> {
  if (shared) return Promise.resolve();
  loading ??= loadCodec(preferredVariant()).then((codec) => {
    shared ??= codec;
  }, (error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** The shared codec, loading it synchronously on first use where that is possible. */
export function codec(): Codec {
  return (shared ??= loadCodecSync(preferredVariant()));
}
