// The browser side of test/browser/chromium.test.ts, bundled by esbuild for the page. It gets the
// tcpwasm/codec and tcpwasm/engine bundles as modules (imported by the page, so it carries no
// copy of the library), loads the codec the way an esbuild user would, and runs the workload.

// esbuild's `file` loader turns these into the URLs of the emitted .wasm files: the way a
// bundler that does not understand new URL(…, import.meta.url) finds them (docs/browser.md).
import simd from '../../build/tcpwasm.wasm';
import scalar from '../../build/tcpwasm-nosimd.wasm';
import { codecWorkload, engineTransfer, type Codec, type Engine } from './workload.js';

/** What the test process asks for, in the page's query string. */
export interface PageRequest {
  /** 'file-loader': init({ simd, scalar }) with the bundler's URLs; 'default': init(). */
  load: 'file-loader' | 'default';
  captures: string[];
  seed: number;
  transferBytes: number;
  loss: number;
  /** false: act as a runtime without SIMD128 (WebAssembly.validate refuses SIMD modules). */
  simd: boolean;
}

export async function run(codec: Codec, engine: Engine, request: PageRequest): Promise<string> {
  // Nothing Node-only may exist here for the bundles to lean on.
  const leaked = ['process', 'Buffer', 'require', 'global'].filter((name) => name in globalThis);
  const started = performance.now();
  if (!request.simd) {
    // Chromium always has SIMD128; refusing to validate SIMD code is how a runtime without it
    // answers the codec's probe, so the scalar build must be the one chosen and fetched.
    const validate = WebAssembly.validate.bind(WebAssembly);
    const simdOpcode = 0xfd;
    WebAssembly.validate = (bytes) =>
      !new Uint8Array(ArrayBuffer.isView(bytes) ? bytes.buffer : bytes).includes(simdOpcode) && validate(bytes);
  }
  await (request.load === 'default' ? codec.init() : codec.init({ simd, scalar }));
  const captures = await Promise.all(
    request.captures.map(async (name) => {
      const response = await fetch(`/corpus/${name}`);
      if (!response.ok) throw new Error(`corpus ${name}: HTTP ${response.status}`);
      return { name, bytes: new Uint8Array(await response.arrayBuffer()) };
    }),
  );
  const codecResult = codecWorkload(codec, captures, request.seed);
  const transfer =
    request.transferBytes > 0 ? engineTransfer(engine, request.transferBytes, request.loss, request.seed) : null;
  return JSON.stringify({ leaked, codec: codecResult, transfer, ms: performance.now() - started });
}
