// Benchmark inputs, built once before anything is timed:
//   - 1,024 full-size TCP data segments, IPv4 and IPv6 alternating (Ethernet frames);
//   - 1,024 ACK-only segments (no payload, flags exactly ACK) from several captures;
//   - the largest corpus capture, decompressed in memory, for the whole-file task.
// Every segment in the two sets has a checksum decodeFrame calls 'good', so both decoders do
// the full verification work on every packet.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LinkType, TcpFlags, decodeFrame, encodePacket, parseCapture, type DecodedPacket } from '../dist/index.js';

export const BATCH = 1024;
/** Payload of the synthesised IPv6 segments: 1500-byte MTU minus 40 (IPv6) and 20 (TCP). */
const IPV6_FULL_PAYLOAD = 1440;
/** A "full-size" data segment carries at least this much payload. */
const FULL_MIN_PAYLOAD = 1000;
/** Bytes between frames in the packed buffer, as a pcap record header would leave. */
const RECORD_GAP = 16;

/**
 * Frames copied into one buffer back to back (with a record-header-sized gap), as a capture file
 * held in memory would give them: each frame is a view of the shared buffer.
 */
export interface FrameSet {
  name: string;
  description: string;
  linkType: number;
  frames: Uint8Array[];
  /** The same frames as decodeBatch's packed form. */
  packed: { data: Uint8Array; offsets: Uint32Array; lengths: Uint32Array };
  totalBytes: number;
}

function packFrames(name: string, description: string, sources: Uint8Array[]): FrameSet {
  const total = sources.reduce((n, f) => n + f.length + RECORD_GAP, 0);
  const data = new Uint8Array(total);
  const offsets = new Uint32Array(sources.length);
  const lengths = new Uint32Array(sources.length);
  const frames: Uint8Array[] = [];
  let at = 0;
  sources.forEach((f, i) => {
    at += RECORD_GAP;
    data.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    frames.push(data.subarray(at, at + f.length));
    at += f.length;
  });
  const totalBytes = sources.reduce((n, f) => n + f.length, 0);
  return { name, description, linkType: LinkType.ETHERNET, frames, packed: { data, offsets, lengths }, totalBytes };
}

interface Picked {
  frame: Uint8Array;
  packet: DecodedPacket;
}

/** Good-checksum Ethernet frames of a capture that `keep` accepts, in file order. */
function pick(corpus: string, file: string, keep: (p: DecodedPacket) => boolean, limit = Infinity): Picked[] {
  const out: Picked[] = [];
  for (const record of parseCapture(readFileSync(join(corpus, file)))) {
    if (out.length >= limit) break;
    if (record.linkType !== LinkType.ETHERNET) continue;
    let packet: DecodedPacket;
    try {
      packet = decodeFrame(record.data, record.linkType, record.originalLength);
    } catch {
      continue;
    }
    if (packet.checksumStatus === 'good' && keep(packet)) out.push({ frame: record.data, packet });
  }
  return out;
}

/** 2001:db8::a.b.c.d written as hex groups: a stable IPv6 twin of an IPv4 address. */
function ipv6Twin(v4: string): string {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return `2001:db8::${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * An IPv6 Ethernet frame carrying the same TCP header (ports, seq/ack, flags, window, options)
 * as an IPv4 data segment and the first 1,440 bytes of its payload, so it is full-size at a
 * 1,500-byte MTU. The corpus has almost no good-checksum full-size IPv6 segments to take.
 */
function ipv6Version({ frame, packet }: Picked): Uint8Array {
  const ip = encodePacket({
    ip: {
      src: ipv6Twin(packet.ip.src),
      dst: ipv6Twin(packet.ip.dst),
      hopLimit: packet.ip.version === 4 ? packet.ip.ttl : 64,
      flowLabel: (packet.tcp.srcPort * 7919 + packet.tcp.dstPort) & 0xfffff,
    },
    tcp: {
      srcPort: packet.tcp.srcPort,
      dstPort: packet.tcp.dstPort,
      seq: packet.tcp.seq,
      ack: packet.tcp.ack,
      flags: packet.tcp.flags,
      window: packet.tcp.window,
      urgentPointer: packet.tcp.urgentPointer,
      headerLength: packet.tcp.headerLength,
      options: packet.tcp.options,
    },
    payload: packet.payload.subarray(0, IPV6_FULL_PAYLOAD),
  });
  const out = new Uint8Array(14 + ip.length);
  out.set(frame.subarray(0, 12)); // the original MAC addresses
  out[12] = 0x86;
  out[13] = 0xdd;
  out.set(ip, 14);
  return out;
}

function repeatTo<T>(items: T[], count: number): T[] {
  if (items.length === 0) throw new Error('no items to repeat');
  return Array.from({ length: count }, (_, i) => items[i % items.length]!);
}

export function fullSizeSet(corpus: string): FrameSet {
  const v4 = pick(corpus, 'zeek-http-206-sack.pcap', (p) => p.ip.version === 4 && p.payload.length >= FULL_MIN_PAYLOAD);
  const v6 = v4.map(ipv6Version);
  for (const f of v6) {
    const p = decodeFrame(f, LinkType.ETHERNET);
    if (p.checksumStatus !== 'good' || p.ip.version !== 6)
      throw new Error('synthesised IPv6 segment does not decode as good');
  }
  const v4Frames = repeatTo(
    v4.map((p) => p.frame),
    BATCH / 2,
  );
  const v6Frames = repeatTo(v6, BATCH / 2);
  const frames = v4Frames.flatMap((f, i) => [f, v6Frames[i]!]);
  const v4Bytes = v4[0]?.frame.length ?? 0;
  const v6Bytes = v6[0]?.length ?? 0;
  return packFrames(
    'full-size',
    `${BATCH / 2} IPv4 (${v4.length} distinct real frames of ${v4Bytes} B, zeek-http-206-sack) ` +
      `alternating with ${BATCH / 2} IPv6 (${v6.length} built with encodePacket from them, ${v6Bytes} B)`,
    frames,
  );
}

export function ackOnlySet(corpus: string): FrameSet {
  const isAck = (p: DecodedPacket) => p.payload.length === 0 && p.payloadLength === 0 && p.tcp.flags === TcpFlags.ACK;
  const v6 = pick(corpus, 'zeek-ftp-ipv6.pcap', isAck);
  const sack = pick(corpus, 'zeek-http-206-sack.pcap', isAck);
  const rest = BATCH - v6.length - sack.length;
  const echo = pick(corpus, 'zeek-echo-connections.pcap.gz', isAck, rest);
  const all = [...v6, ...sack, ...echo];
  if (all.length < BATCH) throw new Error(`only ${all.length} ACK-only good-checksum segments in the corpus`);
  // Interleave the sources so a decoder sees a mix of IPv4/IPv6 and option layouts.
  const order = all
    .map((p, i) => ({ p, key: (i * 2654435761) % 4294967291 }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.p);
  const withSack = all.filter((p) => p.packet.tcp.options.sack !== undefined).length;
  const withTs = all.filter((p) => p.packet.tcp.options.timestamp !== undefined).length;
  return packFrames(
    'ack-only',
    `${v6.length} IPv6 (zeek-ftp-ipv6) + ${sack.length} IPv4 (zeek-http-206-sack) + ` +
      `${echo.length} IPv4 (zeek-echo-connections), shuffled; ${withSack} with SACK blocks, ${withTs} with timestamps`,
    order.map((p) => p.frame),
  );
}

export const WHOLE_FILE = 'zeek-echo-connections.pcap.gz';

/** The largest capture, decompressed once so the timed task measures parsing and decoding only. */
export function wholeFile(corpus: string): { name: string; bytes: Uint8Array; compressedBytes: number } {
  const compressed = readFileSync(join(corpus, WHOLE_FILE));
  return { name: WHOLE_FILE, bytes: gunzipSync(compressed), compressedBytes: compressed.length };
}
