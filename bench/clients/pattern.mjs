// The bytes both ends of the TUN benchmark send, and the writer that sends them: shared by the
// kernel-side peer (tun-peer.mjs, plain JavaScript run with `node` inside a namespace) and the
// stack side (tun-services.ts), so the two measure the same work.

/** 256 KiB of a fixed pattern. */
export const CHUNK = Buffer.alloc(256 * 1024);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 131) & 0xff;

/** Largest body `GET /bytes/N` answers: the 1 MiB responses of the HTTP row. */
export const BODY_LIMIT = 1 << 20;
/** BODY_LIMIT bytes of the same pattern (its period is 256, so CHUNK repeated is seamless). */
const BODY = Buffer.alloc(BODY_LIMIT);
for (let at = 0; at < BODY_LIMIT; at += CHUNK.length) CHUNK.copy(BODY, at);

/** The body of `GET /bytes/N` (N capped at BODY_LIMIT): a view, never a copy. */
export function body(n) {
  return BODY.subarray(0, Math.min(n, BODY_LIMIT));
}

/**
 * The app both HTTP servers run (node:http on the kernel's TCP in tun-peer.mjs, on our sockets
 * in tun-services.ts): GET /bytes/N answers N bytes of the pattern, like `tcpwasm serve`.
 * Returns false for other paths (answered 404).
 */
export function serveBytes(req, res) {
  const m = /^\/bytes\/(\d{1,7})$/.exec(req.url ?? '');
  if (!m) {
    res.statusCode = 404;
    res.end();
    return false;
  }
  const payload = body(Number(m[1]));
  res.setHeader('content-type', 'application/octet-stream');
  res.setHeader('content-length', payload.length);
  res.end(payload);
  return true;
}

/** Writes `bytes` of CHUNK-pattern data to `socket` with backpressure, then calls `done`. */
export function pump(socket, bytes, done) {
  let sent = 0;
  const more = () => {
    while (sent < bytes) {
      const n = Math.min(CHUNK.length, bytes - sent);
      sent += n;
      if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return;
    }
    socket.off('drain', more);
    done();
  };
  socket.on('drain', more);
  more();
}
