// encodePacket of one data segment with MSS, SACK and timestamp options and a 1,000-byte
// payload, IPv4 and IPv6: header building plus both checksums, and the copy out of WASM memory.
// There is no pure-JS encoder baseline, so these rows carry no ratio.

import { TcpFlags, decodeIp, encodePacket, parseAddress, type AddressInit, type PacketInit } from '../dist/index.js';
import { consume, loopTask, runTasks, type BenchConfig, type Row } from './harness.js';

const PAYLOAD = 1000;

function segment(src: string, dst: string): PacketInit {
  const payload = new Uint8Array(PAYLOAD);
  for (let i = 0; i < PAYLOAD; i++) payload[i] = (i * 31 + 7) & 0xff;
  return {
    ip: { src, dst, ttl: 64, id: 0x1234 },
    tcp: {
      srcPort: 443,
      dstPort: 51234,
      seq: 0x89abcdef,
      ack: 0x01234567,
      flags: TcpFlags.ACK | TcpFlags.PSH,
      window: 501,
      options: {
        mss: 1460,
        timestamp: { value: 3_000_000_123, echo: 2_999_999_000 },
        sack: [
          [0x01235000, 0x01236000],
          [0x01237000, 0x01238000],
        ],
      },
    },
    payload,
  };
}

/** The encoded packet must decode back to a good checksum and the same options. */
function check(init: PacketInit<AddressInit>): number {
  const bytes = encodePacket(init);
  const p = decodeIp(bytes);
  const o = p.tcp.options;
  if (
    p.checksumStatus !== 'good' ||
    p.payload.length !== PAYLOAD ||
    o.mss !== 1460 ||
    o.sack?.length !== 2 ||
    o.timestamp?.value !== 3_000_000_123 ||
    (p.ip.version === 4 && p.ip.headerChecksum !== 'good')
  ) {
    throw new Error(
      `encodePacket self-check failed for ${String(p.ip.src)}: ${JSON.stringify({ ...p, payload: undefined })}`,
    );
  }
  return bytes.length;
}

export const ENCODE_GROUP = `encode ${PAYLOAD}-byte payload + MSS/SACK/TS options`;

export function encodeCases(): Array<[string, PacketInit<AddressInit>]> {
  return [
    ['encodePacket IPv4', segment('192.0.2.10', '198.51.100.20')],
    ['encodePacket IPv6', segment('2001:db8::10', '2001:db8:1::20')],
    ['encodePacket IPv4, addresses pre-parsed (parseAddress once)', withParsed(segment('192.0.2.10', '198.51.100.20'))],
  ];
}

/** The same packet with ParsedAddress objects instead of strings, as a stack would keep them. */
function withParsed(init: PacketInit): PacketInit<AddressInit> {
  return { ...init, ip: { ...init.ip, src: parseAddress(init.ip.src), dst: parseAddress(init.ip.dst) } };
}

export async function runEncode(config: BenchConfig): Promise<Row[]> {
  const specs = encodeCases().map(([name, init]) => {
    const size = check(init);
    return loopTask(
      `${name} (${size} B out)`,
      (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += encodePacket(init).length;
        consume(acc);
      },
      size,
    );
  });
  return runTasks(ENCODE_GROUP, 'packet', specs, config);
}
