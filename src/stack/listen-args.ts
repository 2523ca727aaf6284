// Server#listen's arguments as node:net reads them (lib/net.js Server.prototype.listen):
// listen([port[, host[, backlog]]][, cb]) or listen(options[, cb]), a missing/null port meaning
// "any free port", and node:net's errors for the rest (pipes and handles do not apply here).

import { validatePort } from './connect-args.js';
import { invalidArgValue } from './net-errors.js';

export interface ServerListenOptions {
  port?: number | string | null;
  host?: string;
  backlog?: number;
  /** Listen on '::' for IPv6 only (IPV6_V6ONLY). */
  ipv6Only?: boolean;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
  exclusive?: boolean;
}

export interface ListenRequest {
  port: number;
  host: string | undefined;
  backlog: number | undefined;
  ipv6Only: boolean;
  signal: AbortSignal | undefined;
  callback: (() => void) | null;
}

const toNumber = (x: unknown): number | false => {
  const n = Number(x);
  return n >= 0 ? n : false;
};

export function normalizeListenArgs(args: readonly unknown[]): ListenRequest {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as () => void) : null;
  const first = args[0];
  let options: ServerListenOptions;
  if (typeof first === 'object' && first !== null) options = first as ServerListenOptions;
  else {
    options = { port: first as number };
    if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
  }
  // node:net: listen(port, host, backlog) or listen(port, backlog) give the backlog positionally.
  const backlogFromArgs = (args.length > 1 && toNumber(args[1])) || (args.length > 2 && toNumber(args[2])) || undefined;
  // listen(), listen(null), listen(cb), listen({ port: undefined }): any free port.
  let port = options.port;
  if (args.length === 0 || typeof first === 'function' || ('port' in options && port === undefined) || port === null)
    port = 0;
  if (typeof port === 'number' || typeof port === 'string') {
    validatePort(port, 'options.port');
    return {
      port: +port | 0,
      host: options.host || undefined,
      backlog: options.backlog || backlogFromArgs,
      ipv6Only: options.ipv6Only === true,
      signal: options.signal,
      callback,
    };
  }
  if (!('port' in options) && !('path' in options))
    throw invalidArgValue('options', options, 'must have the property "port" or "path"');
  throw invalidArgValue('options', options);
}
