// The tests' seeded data stream (xorshift32), in plain JavaScript so that kernel-side clients run
// with `node` alone inside a namespace; test/stack/transfer-helpers.ts re-exports it, so both
// ends of every transfer test draw the same bytes from this one generator.

import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes, `total` bytes in `chunk`-sized arrays. */
export function* dataChunks(seed, total, chunk = 64 * 1024) {
  let x = seed >>> 0 || 1;
  for (let sent = 0; sent < total; sent += chunk) {
    const n = Math.min(chunk, total - sent);
    const out = new Uint8Array(n);
    const words = new Uint32Array(out.buffer, 0, n >>> 2);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      words[i] = x;
    }
    for (let i = words.length * 4; i < n; i++) out[i] = i & 0xff;
    yield out;
  }
}

/** All of a seeded stream in one buffer (for the small per-connection payloads). */
export function dataBytes(seed, total) {
  const out = Buffer.alloc(total);
  let at = 0;
  for (const c of dataChunks(seed, total)) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function sha256() {
  return createHash('sha256');
}

/** Parses `--name value` and `--flag` arguments after the positional ones. */
export function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const key = a.slice(2);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) flags[key] = true;
      else {
        flags[key] = next;
        i++;
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

/** One JSON object per line on stdout: the test reads them as they come. */
export function report(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}
