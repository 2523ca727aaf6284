// The `signal` option of net.connect()/new net.Socket() and server.listen(), as node:net wires it
// (lib/net.js addClientAbortSignalOption / addServerAbortSignalOption): an aborted signal
// destroys the socket with an AbortError, or closes the server; an already aborted one does so on
// the next tick.

import { abortError, invalidArgType } from './net-errors.js';

interface Destroyable { destroy(error?: Error): unknown; once(event: 'close', fn: () => void): unknown }
interface Closable { close(): unknown; once(event: 'close', fn: () => void): unknown }

function validateSignal(signal: unknown, name: string): asserts signal is AbortSignal {
  if (typeof signal !== 'object' || signal === null || !('aborted' in signal)) {
    throw invalidArgType(name, 'an instance of AbortSignal', signal);
  }
}

export function watchSocketSignal(socket: Destroyable, signal: unknown): void {
  validateSignal(signal, 'options.signal');
  const onAborted = () => socket.destroy(abortError(signal.reason));
  if (signal.aborted) {
    process.nextTick(onAborted);
    return;
  }
  signal.addEventListener('abort', onAborted, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', onAborted));
}

export function watchListenSignal(server: Closable, signal: unknown): void {
  validateSignal(signal, 'options.signal');
  const onAborted = () => server.close();
  if (signal.aborted) {
    process.nextTick(onAborted);
    return;
  }
  signal.addEventListener('abort', onAborted, { once: true });
  server.once('close', () => signal.removeEventListener('abort', onAborted));
}
