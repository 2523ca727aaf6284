// Types for pattern.mjs (plain JavaScript so that the kernel-side peer runs with `node` alone).
import type { Writable } from 'node:stream';

/** 256 KiB of a fixed pattern. */
export const CHUNK: Buffer;
/** Writes `bytes` of CHUNK-pattern data to `socket` with backpressure, then calls `done`. */
export function pump(socket: Writable, bytes: number, done: () => void): void;
