// Types for data.mjs, which stays plain JavaScript so that the kernel-side clients run with
// `node` alone inside a namespace; the TypeScript tests import the same stream from it.
import type { Hash } from 'node:crypto';

/** Deterministic pseudo-random bytes (xorshift32), `total` bytes in `chunk`-sized arrays. */
export function dataChunks(seed: number, total: number, chunk?: number): Generator<Uint8Array>;
/** All of a seeded stream in one buffer. */
export function dataBytes(seed: number, total: number): Uint8Array;
export function sha256(): Hash;
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> };
export function report(obj: unknown): void;
