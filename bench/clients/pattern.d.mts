// Types for pattern.mjs (plain JavaScript so that the kernel-side peer runs with `node` alone).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';

/** 256 KiB of a fixed pattern. */
export const CHUNK: Buffer;
/** Largest body `GET /bytes/N` answers (1 MiB). */
export const BODY_LIMIT: number;
/** The body of `GET /bytes/N` (N capped at BODY_LIMIT): a view, never a copy. */
export function body(n: number): Buffer;
/** GET /bytes/N answers N bytes of the pattern; false (answered 404) for other paths. */
export function serveBytes(req: IncomingMessage, res: ServerResponse): boolean;
/** Writes `bytes` of CHUNK-pattern data to `socket` with backpressure, then calls `done`. */
export function pump(socket: Writable, bytes: number, done: () => void): void;
