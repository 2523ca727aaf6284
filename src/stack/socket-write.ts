// net.Socket's write() after the peer's FIN (lib/net.js writeAfterFIN): once the socket has
// also ended its own side, a write is an EPIPE — to the callback on the next tick and as the
// socket's error — instead of the stream's generic ERR_STREAM_WRITE_AFTER_END.

import { Duplex } from 'node:stream';

type WriteCallback = (error?: Error | null) => void;

export function writeAfterFin(
  this: Duplex,
  chunk: unknown,
  encoding?: BufferEncoding | WriteCallback,
  cb?: WriteCallback,
): boolean {
  if (!this.writableEnded) {
    return (Duplex.prototype.write as (this: Duplex, ...a: unknown[]) => boolean).call(this, chunk, encoding, cb);
  }
  if (typeof encoding === 'function') cb = encoding;
  const error = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
  if (typeof cb === 'function') process.nextTick(cb, error);
  this.destroy(error);
  return false;
}
