// node:net's own errors (not system errors): the same `code`, class and message text as Node's
// internal/errors.js, so code and tests that match on them (assert.throws({ code, message }))
// treat ours the same way.

import { inspect } from 'node:util';

export interface NodeCodeError extends Error {
  code: string;
}

type ErrorClass = new (message: string) => Error;

function codeError(Base: ErrorClass, code: string, message: string): NodeCodeError {
  const error = new Base(message) as NodeCodeError;
  // Node prints "RangeError [ERR_SOCKET_BAD_PORT]: ..." in the stack, while name stays the class's.
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  error.stack = `${error.name} [${code}]: ${message}${error.stack?.slice(error.stack.indexOf('\n')) ?? ''}`;
  return error;
}

/** How Node describes a wrong value: "Received type number (65536)", "Received an instance of X". */
export function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${(value as { name?: string }).name ?? ''}`.trimEnd();
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? ` Received an instance of ${name}` : ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

/** ERR_SOCKET_BAD_PORT: validatePort's RangeError. */
export function badPort(name: string, value: unknown, allowZero = true): NodeCodeError {
  const op = allowZero ? '>=' : '>';
  return codeError(
    RangeError,
    'ERR_SOCKET_BAD_PORT',
    `${name} should be ${op} 0 and < 65536.${describeReceived(value)}.`,
  );
}

/** ERR_INVALID_ARG_TYPE for one expected type description such as 'of type number'. */
export function invalidArgType(name: string, expected: string, value: unknown): NodeCodeError {
  const kind = name.includes('.') ? 'property' : 'argument';
  return codeError(
    TypeError,
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" ${kind} must be ${expected}.${describeReceived(value)}`,
  );
}

/** ERR_INVALID_ARG_VALUE. */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): NodeCodeError {
  const kind = name.includes('.') ? 'property' : 'argument';
  return codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${kind} '${name}' ${reason}. Received ${inspect(value)}`);
}

export function invalidIpAddress(value: unknown): NodeCodeError {
  return codeError(TypeError, 'ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(value)}`);
}

export const socketClosed = (): NodeCodeError => codeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed');

export const socketClosedBeforeConnection = (): NodeCodeError =>
  codeError(Error, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', 'Socket closed before the connection was established');

export const serverAlreadyListen = (): NodeCodeError =>
  codeError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');

export const serverNotRunning = (): NodeCodeError =>
  codeError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.');

/** AbortError as node:events / node:net raise it for an aborted signal. */
export function abortError(cause?: unknown): Error {
  const error = new Error('The operation was aborted', cause === undefined ? undefined : { cause });
  error.name = 'AbortError';
  Object.defineProperty(error, 'code', { value: 'ABORT_ERR', enumerable: true, writable: true, configurable: true });
  return error;
}

export function outOfRange(name: string, range: string, value: unknown): NodeCodeError {
  return codeError(
    RangeError,
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`,
  );
}

/** node:timers' getTimerDuration as setTimeout(msecs) checks it: a non-negative finite number. */
export function timerDuration(msecs: unknown, name: string): number {
  if (typeof msecs !== 'number') throw invalidArgType(name, 'of type number', msecs);
  if (msecs < 0 || !Number.isFinite(msecs)) throw outOfRange(name, 'a non-negative finite number', msecs);
  return msecs;
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}
