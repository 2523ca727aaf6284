// The `signal` option of net.connect()/new net.Socket() and server.listen(), as node:net wires it
// (lib/net.js addClientAbortSignalOption / addServerAbortSignalOption): an aborted signal
// destroys the socket with an AbortError, or closes the server; an already aborted one does so on
// the next tick.

import { abortError, invalidArgType } from './net-errors.js';

interface Destroyable {
  destroy(error?: Error): unknown;
  once(event: 'close', fn: () => void): unknown;
}
interface Closable {
  close(): unknown;
  once(event: 'close', fn: () => void): unknown;
}

function validateSignal(signal: unknown, name: string): asserts signal is AbortSignal {
  if (typeof signal !== 'object' || signal === null || !('aborted' in signal)) {
    throw invalidArgType(name, 'an instance of AbortSignal', signal);
  }
}

/** Runs `onAborted` when `signal` aborts (next tick if it already has) until `owner` closes. */
function watchSignal(
  owner: { once(event: 'close', fn: () => void): unknown },
  signal: unknown,
  onAborted: (signal: AbortSignal) => void,
): void {
  validateSignal(signal, 'options.signal');
  const run = () => onAborted(signal);
  if (signal.aborted) {
    process.nextTick(run);
    return;
  }
  signal.addEventListener('abort', run, { once: true });
  owner.once('close', () => signal.removeEventListener('abort', run));
}

export function watchSocketSignal(socket: Destroyable, signal: unknown): void {
  watchSignal(socket, signal, (s) => socket.destroy(abortError(s.reason)));
}

export function watchListenSignal(server: Closable, signal: unknown): void {
  watchSignal(server, signal, () => server.close());
}
