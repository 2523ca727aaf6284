// The `pcap` npm package's own decoders (node_pcap: decode/ethernet_packet.js and the IPv4,
// IPv6 and TCP decoders it builds), run in the same process as a rival. It is NOT a dependency of
// tcpwasm: its install step builds a native libpcap addon (needs libpcap-dev), which its decoders
// do not use. The bench loads it only if it can be found:
//   - from this package's own node_modules (`npm install --no-save pcap`), or
//   - from the directory in TCPWASM_PCAP_DIR (a node_modules/pcap elsewhere).
// node_pcap does not verify TCP checksums; the bench adds the best pure-JS sum from ./checksum.ts
// after its decode so the row does the same work as ours (both forms are timed).

import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { bestJsSumRange } from './checksum.js';

interface PcapTcp {
  sport: number;
  dport: number;
  seqno: number;
  ackno: number;
  headerLength: number;
  windowSize: number;
  dataLength: number;
}

interface PcapIp {
  payload?: PcapTcp;
  headerLength?: number;
}

interface PcapEthernet {
  ethertype: number;
  payload?: PcapIp;
  decode(raw: Uint8Array, offset: number): PcapEthernet;
}

type EthernetCtor = new (emitter?: unknown) => PcapEthernet;

export interface PcapPackage {
  version: string;
  /** Where it was found, relative to the working directory or TCPWASM_PCAP_DIR (never a machine's absolute path). */
  from: string;
  /** Decodes an Ethernet frame given as a Buffer; returns its TCP layer (or undefined). */
  decodeTcp(frame: Buffer): PcapTcp | undefined;
}

/** The pcap package's decoders, or a reason they cannot be used here. */
export function loadPcapPackage(): PcapPackage | { missing: string } {
  const places = [process.cwd(), ...(process.env.TCPWASM_PCAP_DIR ? [process.env.TCPWASM_PCAP_DIR] : [])];
  const errors: string[] = [];
  for (const place of places) {
    try {
      const require = createRequire(join(place, 'noop.js'));
      const Ethernet = require('pcap/decode/ethernet_packet') as EthernetCtor;
      const version = (require('pcap/package.json') as { version: string }).version;
      return {
        version,
        from:
          place === process.cwd()
            ? relative(place, require.resolve('pcap/package.json'))
            : `$TCPWASM_PCAP_DIR/${relative(place, require.resolve('pcap/package.json'))}`,
        decodeTcp: (frame) => new Ethernet(undefined).decode(frame, 0).payload?.payload,
      };
    } catch (error) {
      errors.push(`${place}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  return { missing: `the pcap package is not installed (npm install --no-save pcap, or set TCPWASM_PCAP_DIR): ${errors.join('; ')}` };
}

/**
 * The TCP checksum verdict of an untagged Ethernet frame (IPv4 or IPv6 without extension
 * headers, as in the benchmark sets), computed with the best pure-JS sum.
 */
export function verifyEthernetTcp(frame: Uint8Array): boolean {
  const ip = 14;
  const v4 = frame[ip]! >> 4 === 4;
  let start: number;
  let end: number;
  let pseudo = 6;
  if (v4) {
    const ihl = (frame[ip]! & 15) * 4;
    start = ip + ihl;
    end = ip + ((frame[ip + 2]! << 8) | frame[ip + 3]!);
    pseudo = bestJsSumRange(frame, ip + 12, ip + 20, pseudo);
  } else {
    start = ip + 40;
    end = start + ((frame[ip + 4]! << 8) | frame[ip + 5]!);
    pseudo = bestJsSumRange(frame, ip + 8, ip + 40, pseudo);
  }
  pseudo += end - start;
  return bestJsSumRange(frame, start, end, pseudo) === 0xffff;
}
