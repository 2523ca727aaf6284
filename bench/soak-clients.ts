// The soak's client sessions: one connection each, over the client Stack to the server's
// services (startServices: HTTP /bytes/N and /upload, echo, discard), every byte checked, and
// closed in one of the ways an application lets go of a socket. Each resolves with what
// happened; none throws. See bench/soak.ts.

import { createHash } from 'node:crypto';
import type { Stack, TcpSocket } from '../dist/index.js';

/** What a session does. */
export type SessionKind = 'echo' | 'get' | 'upload' | 'discard' | 'slow-reader' | 'never-read' | 'abandon';
/** How it lets go of the socket once its transfer is done. */
export type CloseMode = 'end' | 'destroy' | 'reset';

export interface SessionPlan {
  kind: SessionKind;
  close: CloseMode;
  /** Bytes to move (echoed, downloaded, uploaded or discarded). */
  bytes: number;
  /** slow-reader / never-read: how long to hold the connection before letting go, ms. */
  holdMs: number;
  /** Seed of the payload bytes. */
  seed: number;
  /** Connect to the server's IPv6 address instead of its IPv4 one. */
  ipv6: boolean;
}

export interface SessionResult {
  /** The transfer completed and every byte was exactly what was expected. */
  ok: boolean;
  /** Bytes that crossed the link in the session's direction(s) and were checked or counted. */
  bytes: number;
  /** Why it failed: an error code, 'mismatch', 'timeout', 'http-status'. */
  failure?: string;
}

export interface SessionTarget {
  stack: Stack;
  hosts: { ipv4: string; ipv6: string };
  ports: { http: number; echo: number; discard: number };
  /** A session not finished within this many ms is destroyed and counted as a timeout. */
  timeoutMs: number;
}

/** Seeded payload (xorshift32 words): cheap to make, different for every session. */
export function payload(bytes: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(bytes / 4));
  let x = seed | 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, bytes);
}

/**
 * How a session really lets go of its socket: discard always ends (the server ends back), slow
 * and non-reading readers and abandoned echoes go away with data unread (destroy or reset).
 */
export function closeOf(plan: SessionPlan): CloseMode {
  switch (plan.kind) {
    case 'discard':
      return 'end';
    case 'abandon':
      return 'destroy';
    case 'slow-reader':
    case 'never-read':
      return plan.close === 'reset' ? 'reset' : 'destroy';
    default:
      return plan.close;
  }
}

function letGo(socket: TcpSocket, mode: CloseMode): void {
  if (mode === 'end') socket.end();
  else if (mode === 'destroy') socket.destroy();
  else socket.resetAndDestroy();
}

/**
 * Runs one session. `finish` is called exactly once; the socket's own errors end the session
 * with that code unless the session already succeeded (a RST after our own reset is expected).
 */
export function runSession(target: SessionTarget, plan: SessionPlan): Promise<SessionResult> {
  return new Promise((resolve) => {
    const port =
      plan.kind === 'echo' || plan.kind === 'abandon'
        ? target.ports.echo
        : plan.kind === 'discard'
          ? target.ports.discard
          : target.ports.http;
    const socket = target.stack.connect(port, plan.ipv6 ? target.hosts.ipv6 : target.hosts.ipv4);
    let settled = false;
    let moved = 0;
    const timers: NodeJS.Timeout[] = [];
    const finish = (result: SessionResult, mode: CloseMode | 'none' = closeOf(plan)): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (mode !== 'none') letGo(socket, result.ok ? mode : 'reset');
      resolve(result);
    };
    const fail = (failure: string): void => finish({ ok: false, bytes: moved, failure });
    timers.push(setTimeout(() => fail('timeout'), target.timeoutMs));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!settled) finish({ ok: false, bytes: moved, failure: e.code ?? e.message }, 'none');
    });
    // A peer that closes before the session is done (RST, or FIN too early) fails it.
    socket.on('close', () => fail('closed-early'));

    if (plan.kind === 'echo' || plan.kind === 'abandon') {
      const sent = payload(plan.bytes, plan.seed);
      // abandon: let go with the echo half received (unread data in flight: RST, RFC 2525 §2.17).
      const stopAt = plan.kind === 'abandon' ? Math.floor(plan.bytes / 2) : plan.bytes;
      const got: Buffer[] = [];
      socket.on('data', (d: Buffer) => {
        got.push(d);
        moved += d.length;
        if (moved > plan.bytes) fail('mismatch');
        else if (moved >= stopAt) {
          if (plan.kind === 'abandon') {
            const ok = Buffer.concat(got).equals(sent.subarray(0, moved));
            finish(ok ? { ok, bytes: moved } : { ok, bytes: moved, failure: 'mismatch' });
            return;
          }
          const ok = Buffer.concat(got).equals(sent);
          finish(ok ? { ok, bytes: moved } : { ok, bytes: moved, failure: 'mismatch' });
        }
      });
      socket.write(sent);
      if (plan.bytes === 0) socket.on('connect', () => finish({ ok: true, bytes: 0 }));
      return;
    }

    if (plan.kind === 'discard') {
      const sent = payload(plan.bytes, plan.seed);
      socket.write(sent);
      socket.end();
      socket.resume();
      // The discard server ends when we end: our FIN was acknowledged after all the data.
      socket.on('end', () => finish({ ok: true, bytes: plan.bytes }, 'none'));
      return;
    }

    // HTTP over a raw socket (Connection: close): the response is parsed here so every body
    // byte is checked, and the server closes first (its side goes to TIME-WAIT, as with Linux).
    const upload = plan.kind === 'upload' ? payload(plan.bytes, plan.seed) : null;
    const request = upload
      ? `POST /upload HTTP/1.1\r\nhost: soak\r\nconnection: close\r\ncontent-length: ${upload.length}\r\n\r\n`
      : `GET /bytes/${plan.bytes} HTTP/1.1\r\nhost: soak\r\nconnection: close\r\n\r\n`;
    socket.write(request);
    if (upload) socket.write(upload);
    let head = Buffer.alloc(0);
    let bodyOffset = -1;
    let contentLength = -1;
    const body: Buffer[] = [];
    const checkBody = (d: Buffer): boolean => {
      if (upload) {
        body.push(d);
        return true;
      }
      for (let i = 0; i < d.length; i++) if (d[i] !== ((moved + i) & 0xff)) return false;
      return true;
    };
    const onBody = (d: Buffer): void => {
      if (!checkBody(d)) {
        fail('mismatch');
        return;
      }
      moved += d.length;
      if (moved > contentLength) fail('mismatch');
    };
    socket.on('data', (d: Buffer) => {
      if (settled) return;
      if (bodyOffset >= 0) {
        onBody(d);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = head.subarray(0, end).toString('latin1');
      if (!text.startsWith('HTTP/1.1 200')) {
        fail('http-status');
        return;
      }
      contentLength = Number(/\r\ncontent-length: *([0-9]+)/i.exec(text)?.[1] ?? -1);
      bodyOffset = end + 4;
      if (head.length > bodyOffset) onBody(head.subarray(bodyOffset));
    });
    // Also a slow reader's: it may get the whole body before its hold ends; then the server closes.
    socket.on('end', () => {
      if (contentLength < 0 || moved !== contentLength) {
        fail('mismatch');
        return;
      }
      if (upload) {
        const json = JSON.parse(Buffer.concat(body).toString('utf8')) as { bytes: number; sha256: string };
        const sha = createHash('sha256').update(upload).digest('hex');
        if (json.bytes !== upload.length || json.sha256 !== sha) {
          fail('mismatch');
          return;
        }
      } else if (contentLength !== plan.bytes) {
        fail('mismatch');
        return;
      }
      finish({ ok: true, bytes: upload ? upload.length : moved });
    });
    if (plan.kind === 'slow-reader' || plan.kind === 'never-read') {
      // A client that reads a large body slowly (a chunk every 100 ms) or never, then goes away
      // with data unread: the server's pipeline must stop and its buffers be freed.
      if (plan.kind === 'never-read') socket.pause();
      else {
        socket.pause();
        const tick = setInterval(() => {
          socket.resume();
          setImmediate(() => socket.pause());
        }, 100);
        timers.push(tick);
      }
      timers.push(setTimeout(() => finish({ ok: true, bytes: moved }), plan.holdMs));
    }
  });
}
