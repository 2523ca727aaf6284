// net.Socket#connect's arguments as node:net reads them (lib/net.js normalizeArgs and
// lookupAndConnect): connect(port[, host][, cb]) or connect(options[, cb]), the same checks in the
// same order and the same errors, and the host a name like 'localhost' stands for on a stack.

import { isIP } from 'node:net';
import { badPort, invalidArgType, invalidArgValue, invalidIpAddress } from './net-errors.js';

export interface SocketConnectOptions {
  port?: number | string;
  /** Default 'localhost' (as node:net). */
  host?: string;
  localAddress?: string;
  localPort?: number;
  family?: number;
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
  signal?: AbortSignal;
}

/** stack.connect()'s options: SocketConnectOptions once checked, with the host an address or name. */
export interface ConnectOptions {
  port: number;
  host: string;
  localPort?: number;
  /** Local address to use (default: one of ours of the same family, preferring the same subnet). */
  localAddress?: string;
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
}

export type ConnectCallback = () => void;

/** [options, callback] from connect()'s arguments (node:net's normalizeArgs, without pipes). */
export function normalizeConnectArgs(args: readonly unknown[]): [SocketConnectOptions, ConnectCallback | null] {
  if (args.length === 0) return [{}, null];
  // net.connect() passes [options, cb] as one array (normalizeArgs' own result).
  const first = args[0];
  if (Array.isArray(first) && args.length === 1) return normalizeConnectArgs(first);
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as ConnectCallback) : null;
  if (typeof first === 'object' && first !== null) return [first as SocketConnectOptions, callback];
  const options: SocketConnectOptions = { port: first as number };
  if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
  return [options, callback];
}

export interface ConnectTarget {
  port: number;
  host: string;
  localAddress?: string;
  localPort?: number;
}

/** The checks node:net makes before looking the host up; throws its errors. */
export function connectTarget(options: SocketConnectOptions): ConnectTarget {
  const path = (options as { path?: unknown }).path;
  if (path !== undefined && path !== null)
    throw invalidArgValue('options.path', path, 'is not supported (a Stack has no pipes)');
  const { localAddress, localPort } = options;
  if (localAddress && isIP(localAddress) === 0) throw invalidIpAddress(localAddress);
  if (localPort && typeof localPort !== 'number')
    throw invalidArgType('options.localPort', 'of type number', localPort);
  const port = options.port;
  if (port !== undefined) {
    if (typeof port !== 'number' && typeof port !== 'string')
      throw invalidArgType('options.port', 'one of type number or string', port);
    validatePort(port, 'Port');
  }
  return {
    // node:net: `port |= 0`, so a missing port is 0 (refused by the peer).
    port: Number(port ?? 0) | 0,
    host: options.host || 'localhost',
    ...(localAddress ? { localAddress } : {}),
    ...(localPort ? { localPort } : {}),
  };
}

/** node:net's validatePort: an integer 0..65535 as a number or a non-blank numeric string. */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  if (
    (typeof port !== 'number' && typeof port !== 'string') ||
    (typeof port === 'string' && port.trim().length === 0) ||
    +port !== +port >>> 0 ||
    +port > 0xffff ||
    (+port === 0 && !allowZero)
  ) {
    throw badPort(name, port, allowZero);
  }
  return +port | 0;
}
