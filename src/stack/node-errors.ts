// Errors shaped like Node's system errors (code, errno, syscall, address, port), so code written
// for node:net handles ours unchanged.

import { constants } from 'node:os';

export type SystemErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EADDRINUSE'
  | 'EPIPE'
  | 'EADDRNOTAVAIL'
  | 'ENETUNREACH'
  | 'EHOSTUNREACH'
  | 'ENOPROTOOPT'
  | 'EHOSTDOWN'
  | 'ENONET'
  | 'EOPNOTSUPP'
  | 'EACCES'
  // connect() on a stack at its maxConnections: like a process out of file descriptors.
  | 'EMFILE';

export interface SystemError extends Error {
  code: SystemErrorCode;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

const FALLBACK_ERRNO: Record<SystemErrorCode, number> = {
  ECONNREFUSED: 111,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  EADDRINUSE: 98,
  EPIPE: 32,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  EHOSTUNREACH: 113,
  ENOPROTOOPT: 92,
  EHOSTDOWN: 112,
  ENONET: 64,
  EOPNOTSUPP: 95,
  EACCES: 13,
  EMFILE: 24,
};

/** Node's message format: "connect ECONNREFUSED 192.0.2.2:7", "listen EADDRINUSE: address already in use :::80". */
export function systemError(code: SystemErrorCode, syscall: string, address?: string, port?: number): SystemError {
  const where = address === undefined ? '' : port === undefined ? ` ${address}` : ` ${address}:${port}`;
  const message =
    code === 'EADDRINUSE' ? `${syscall} EADDRINUSE: address already in use${where}` : `${syscall} ${code}${where}`;
  const error = new Error(message) as SystemError;
  error.code = code;
  error.errno = -((constants.errno as Record<string, number | undefined>)[code] ?? FALLBACK_ERRNO[code]);
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  if (port !== undefined) error.port = port;
  return error;
}
