// Reading the interop tests' captures: our PcapTap's (decoded with our codec) and tcpdump's,
// taken by the kernel on its side of the TUN device (decoded by tshark, the outside oracle).

import { spawnSync } from 'node:child_process';
import { parseCapture } from '../../src/pcap/read.js';
import { decodeIp } from '../../src/wire/decode.js';
import { DecodeError } from '../../src/wire/errors.js';
import type { DecodedPacket } from '../../src/wire/types.js';
import type { KernelPeer, KernelProgram } from './fixture.js';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const ACK = 0x10;

export interface Segment extends DecodedPacket {
  /** 1-based position in the capture. */
  index: number;
}

/** Every decodable TCP segment of a pcap, in capture order (others skipped). */
export function tcpSegments(pcap: Uint8Array): Segment[] {
  const out: Segment[] = [];
  for (const record of parseCapture(pcap)) {
    try {
      out.push({ ...decodeIp(record.data), index: record.index });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
    }
  }
  return out;
}

/** The segments of one connection: those between these two ports. */
export function flow(segments: Segment[], portA: number, portB: number): Segment[] {
  return segments.filter(
    (s) => (s.tcp.srcPort === portA && s.tcp.dstPort === portB) || (s.tcp.srcPort === portB && s.tcp.dstPort === portA),
  );
}

export const has = (s: Segment, flags: number): boolean => (s.tcp.flags & flags) === flags;

/** tcpdump on the TUN device inside the namespace, writing `file`; stop() ends it cleanly. */
export async function startTcpdump(peer: KernelPeer, file: string): Promise<{ stop(): Promise<void> }> {
  const p: KernelProgram = peer.program('tcpdump', [
    '-i',
    peer.tun.name,
    '-n',
    '-U',
    '--immediate-mode',
    '-s',
    '256',
    '-w',
    file,
  ]);
  const deadline = Date.now() + 10_000;
  while (!p.stderr.join('').includes('listening on')) {
    if (Date.now() > deadline) throw new Error(`tcpdump did not start: ${p.stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    async stop() {
      // tcpdump flushes and exits on SIGINT; give it the packets still on their way first.
      await new Promise((r) => setTimeout(r, 100));
      spawnSync('kill', ['-INT', String(p.pid)]);
      await p.exited;
    },
  };
}

export interface TsharkSyn {
  flags: number;
  srcPort: number;
  dstPort: number;
  mss: number | undefined;
  windowScale: number | undefined;
  sackPermitted: boolean;
  tsval: number | undefined;
  tsecr: number | undefined;
}

/** The SYN and SYN-ACK segments of a capture as tshark reads them. */
export function tsharkSyns(file: string): TsharkSyn[] {
  const fields = [
    'tcp.flags',
    'tcp.srcport',
    'tcp.dstport',
    'tcp.options.mss_val',
    'tcp.options.wscale.shift',
    'tcp.options.sack_perm',
    'tcp.options.timestamp.tsval',
    'tcp.options.timestamp.tsecr',
  ];
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-n',
      '-Y',
      'tcp.flags.syn == 1',
      '-T',
      'fields',
      '-E',
      'separator=/t',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const num = (t: string | undefined) => (t === undefined || t === '' ? undefined : Number(t));
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const c = line.split('\t');
      return {
        flags: Number(c[0]),
        srcPort: Number(c[1]),
        dstPort: Number(c[2]),
        mss: num(c[3]),
        windowScale: num(c[4]),
        sackPermitted: (c[5] ?? '') !== '',
        tsval: num(c[6]),
        tsecr: num(c[7]),
      };
    });
}
