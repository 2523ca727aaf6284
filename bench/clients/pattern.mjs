// The bytes both ends of the TUN benchmark send, and the writer that sends them: shared by the
// kernel-side peer (tun-peer.mjs, plain JavaScript run with `node` inside a namespace) and the
// stack side (tun-services.ts), so the two measure the same work.

/** 256 KiB of a fixed pattern. */
export const CHUNK = Buffer.alloc(256 * 1024);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 131) & 0xff;

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
