// `tcpwasm serve`: our Stack on a TUN device (or, with --memory, behind an in-memory link
// bridged to 127.0.0.1), HTTP + echo + discard on it, until SIGINT or SIGTERM.

import type { Writable } from 'node:stream';
import type { TunDevice } from '../link/tun-device.js';
import { bridgeLoopback, type Bridge } from './loopback-bridge.js';
import { openSession, type Session, type SessionOptions } from './session.js';
import { TunError } from '../link/tun-error.js';
import { bareAddress, curlCommand, httpUrl, inNamespace } from './urls.js';
import { waitForSignal } from './wait-signal.js';

export interface ServeIo {
  stdout: Writable;
  stderr: Writable;
}

function describeTun(session: Session, options: SessionOptions): string[] {
  const device = session.device as TunDevice;
  const ports = session.services.ports;
  const ns = options.netns;
  const lines = [
    `tcpwasm serve: TUN device ${device.name} (MTU ${session.device.mtu})${ns ? ` in network namespace ${ns}` : ''}`,
    `  kernel side ${session.hostAddresses.join(', ')}; our stack ${session.addresses.join(', ')}`,
  ];
  for (const a of session.addresses.map(bareAddress)) {
    lines.push(`  http    ${httpUrl(a, ports.http)}  (/stats, /bytes/N, POST /upload)`);
  }
  const first = bareAddress(session.addresses[0]!);
  lines.push(`  echo    ${first} port ${ports.echo}`, `  discard ${first} port ${ports.discard}`, 'try:');
  for (const a of session.addresses.map(bareAddress))
    lines.push(`  ${inNamespace(ns, curlCommand(httpUrl(a, ports.http, '/stats')))}`);
  lines.push(`  ${inNamespace(ns, `bash -c 'exec 3<>/dev/tcp/${first}/${ports.echo}; echo hello >&3; head -1 <&3'`)}`);
  return lines;
}

function describeMemory(session: Session, bridge: Bridge): string[] {
  const ports = session.services.ports;
  const local = (p: number): number => bridge.ports.get(p)!;
  return [
    `tcpwasm serve --memory: our stack (${session.addresses.join(', ')}) behind an in-memory link; a second`,
    '  userspace stack carries connections to it from these loopback ports:',
    `  http    ${httpUrl('127.0.0.1', local(ports.http))}  (/stats, /bytes/N, POST /upload)`,
    `  echo    127.0.0.1 port ${local(ports.echo)}`,
    `  discard 127.0.0.1 port ${local(ports.discard)}`,
    'try:',
    `  ${curlCommand(httpUrl('127.0.0.1', local(ports.http), '/stats'))}`,
  ];
}

/** Runs until a signal; returns the exit status. */
export async function runServe(options: SessionOptions, io: ServeIo): Promise<number> {
  let session: Session;
  try {
    session = await openSession(options);
  } catch (error) {
    if (error instanceof TunError) {
      io.stderr.write(
        `tcpwasm serve: cannot open the TUN device (${error.code}): ${error.message}\n  (--memory serves without TUN)\n`,
      );
      return 2;
    }
    throw error;
  }
  let bridge: Bridge | undefined;
  let lines: string[];
  if (session.peer) {
    const ports = session.services.ports;
    bridge = await bridgeLoopback(session.peer, bareAddress(session.addresses[0]!), [
      ports.http,
      ports.echo,
      ports.discard,
    ]);
    lines = describeMemory(session, bridge);
  } else {
    lines = describeTun(session, options);
  }
  io.stdout.write(`${lines.join('\n')}\nserving until Ctrl-C (SIGINT) or SIGTERM\n`);
  const signal = await waitForSignal();
  await bridge?.close();
  await session.close();
  const s = session.stack.stats;
  io.stdout.write(
    `${signal}: stopped after ${s.stack.accepted} connection${s.stack.accepted === 1 ? '' : 's'} (${s.segmentsIn} segments in, ${s.segmentsOut} out)${session.mode === 'tun' ? '; TUN device removed' : ''}\n`,
  );
  return 0;
}
