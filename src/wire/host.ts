// What the codec and the engine take from Node.js when they run there: the .wasm read from the
// package directory, the TCPWASM_SIMD switch, Buffer's uninitialised allocation, zlib. Every
// lookup goes through process.getBuiltinModule (no static `node:` import), so this file also
// loads in Deno, Bun and unbundled browsers, where each answer is `undefined`.
//
// Bundlers building for browsers swap this file for host-browser.ts through the package.json
// "browser" field (esbuild, webpack 5, Vite and Rollup's node-resolve honour it), so a browser
// bundle carries no `node:` names, no `process` and no `Buffer` at all. Keep the two files'
// exports identical.

import { nodeBuiltin } from '../base/node-builtin.js';

type NodeFs = typeof import('node:fs');
type Zlib = typeof import('node:zlib');
type BufferClass = { allocUnsafeSlow(size: number): Uint8Array };

/** The file at `url` (a file: URL), synchronously; undefined outside Node.js. */
export function fileBytesSync(url: URL): Uint8Array | undefined {
  return nodeBuiltin<NodeFs>('node:fs')?.readFileSync(url);
}

/** The file at `url` (a file: URL); undefined outside Node.js (callers then fetch it). */
export function fileBytes(url: URL): Promise<Uint8Array> | undefined {
  return nodeBuiltin<NodeFs>('node:fs')?.promises.readFile(url);
}

/** An environment variable; undefined where there is no process environment. */
export function environment(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

/** node:zlib, or undefined outside Node.js. */
export function zlib(): Zlib | undefined {
  return nodeBuiltin<Zlib>('node:zlib');
}

/**
 * Node's Buffer.allocUnsafeSlow (a fresh buffer without the zero-fill), or undefined. Looked up
 * on each call, never at load, so nothing needs a global Buffer to import the codec.
 */
export function allocUnsafeSlow(size: number): Uint8Array | undefined {
  return (globalThis as { Buffer?: BufferClass }).Buffer?.allocUnsafeSlow(size);
}
