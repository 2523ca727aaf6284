// The steps of TcpSocket#connect between its arguments and the stack's SYN, in node:net's order
// (lib/net.js lookupAndConnect): validate (errors thrown synchronously), resolve the host
// ('lookup' event for names), then open on a later tick, and only if the socket was not
// destroyed meanwhile (a connect() followed at once by destroy() sends nothing).

import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { LocalAddress } from '../base/interface-address.js';
import { connectTarget, type SocketConnectOptions } from './connect-args.js';
import { systemError } from './node-errors.js';
import type { HostedSocket, SocketHost } from './socket-host.js';

/** The TcpSocket being connected, as this module sees it (it does not import socket.ts). */
export interface ConnectingSocket extends HostedSocket {
  readonly connecting: boolean;
  readonly destroyed: boolean;
  readonly allowHalfOpen: boolean;
  emit(event: 'lookup', error: Error | null, address: string, family: number, host: string): boolean;
}

/** What the stack's own loopback addresses answer for 'localhost' (127.0.0.1 first, as /etc/hosts). */
export function localhostAddress(addresses: readonly LocalAddress[], family?: number): LocalAddress | undefined {
  const v4 = addresses.find((a) => a.version === 4 && a.bytes[0] === 127);
  const v6 = addresses.find((a) => a.version === 6 && a.address === '::1');
  if (family === 6) return v6;
  if (family === 4) return v4;
  return v4 ?? v6;
}

/**
 * connect() to 0.0.0.0 or :: reaches the host itself (Linux routes INADDR_ANY as a destination to
 * a local address, ip_route_connect): on a stack, its loopback or first address of the family.
 */
function unspecifiedToLocal(addresses: readonly LocalAddress[], host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  const version = host === '::' ? 6 : 4;
  return (localhostAddress(addresses, version) ?? addresses.find((a) => a.version === version))?.address ?? host;
}

export function startConnect(socket: ConnectingSocket, stack: SocketHost, options: SocketConnectOptions): void {
  const target = connectTarget(options);
  const open = (host: string): void => {
    if (!socket.connecting || socket.destroyed) return;
    if (target.port === 0) {
      // The kernel refuses port 0 (connect(2) → ECONNREFUSED); nothing goes on the wire.
      socket.destroy(systemError('ECONNREFUSED', 'connect', host, 0));
      return;
    }
    stack.openSocket(socket, { ...target, host, allowHalfOpen: socket.allowHalfOpen });
  };
  const host = target.host;
  if (isIP(host) !== 0) {
    process.nextTick(open, unspecifiedToLocal(stack.addresses, host));
    return;
  }
  const family = options.family === 4 || options.family === 6 ? options.family : undefined;
  const resolved = (error: Error | null, address: string, addressFamily: number): void => {
    socket.emit('lookup', error, address, addressFamily, host);
    if (error) {
      if (socket.connecting) socket.destroy(error);
      return;
    }
    open(address);
  };
  if (host.toLowerCase() === 'localhost') {
    const local = localhostAddress(stack.addresses, family);
    if (local !== undefined) {
      process.nextTick(resolved, null, local.address, local.version);
      return;
    }
  }
  // Other names: the host's resolver, as node:net's dns.lookup.
  dnsLookup(host, { family: family ?? 0 }, (error, address, addressFamily) => resolved(error, address, addressFamily));
}
