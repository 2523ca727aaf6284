// net.connect({ onread: { buffer, callback } }): received bytes are copied into the app's own
// buffer (or one a function returns per read) and handed to callback(nread, buffer) instead of
// being pushed as 'data' — no allocation per read. A callback that returns false stops reading
// until the socket is resumed, as node:net's readStop.

import { invalidArgType } from './net-errors.js';

export interface OnReadOptions {
  buffer: Uint8Array | (() => Uint8Array);
  callback: (bytesWritten: number, buffer: Uint8Array) => boolean | void;
}

export function validateOnread(onread: unknown): OnReadOptions {
  const o = onread as Partial<OnReadOptions> | null;
  if (typeof o !== 'object' || o === null) throw invalidArgType('options.onread', 'of type object', onread);
  if (!(o.buffer instanceof Uint8Array) && typeof o.buffer !== 'function') {
    throw invalidArgType('options.onread.buffer', 'an instance of Buffer, TypedArray, or Function', o.buffer);
  }
  if (typeof o.callback !== 'function') throw invalidArgType('options.onread.callback', 'of type function', o.callback);
  return o as OnReadOptions;
}

/**
 * Delivers what `conn` holds while `reading()` stays true (the callback may pause the socket,
 * its `this`); returns the bytes delivered and whether the callback returned false.
 */
/** Where received bytes come from (a socket's endpoint). */
export interface ReadSource {
  readonly readable: number;
  read(max: number): Uint8Array | null;
}

export function deliverOnread(
  conn: ReadSource,
  onread: OnReadOptions,
  socket: object,
  reading: () => boolean,
): { bytes: number; stop: boolean } {
  let bytes = 0;
  while (conn.readable > 0 && reading()) {
    const buffer = typeof onread.buffer === 'function' ? onread.buffer() : onread.buffer;
    if (buffer.length === 0) break;
    const chunk = conn.read(buffer.length);
    if (chunk === null) break;
    buffer.set(chunk);
    bytes += chunk.length;
    if (onread.callback.call(socket, chunk.length, buffer) === false) return { bytes, stop: true };
  }
  return { bytes, stop: false };
}
