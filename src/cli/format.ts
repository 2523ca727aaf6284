// Renders decoded segments as tcpdump-like text lines or JSON objects.

import type { CaptureRecord } from '../pcap/parser.js';
import { formatTcpFlags } from '../wire/flags.js';
import type { DecodedPacket, TcpOptions } from '../wire/types.js';

/** Names tcpdump gives raw option kinds; others print as opt-N. */
export const OPTION_NAMES: Record<number, string> = {
  19: 'md5',
  27: 'quick-start',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
  253: 'exp',
  254: 'exp',
};

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** tcpdump's option list: [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]. */
export function formatOptions(options: TcpOptions): string {
  const parts: string[] = [];
  const raw = [...(options.unknown ?? [])];
  const typedDone = new Set<number>();
  for (const kind of options.kinds) {
    let text: string | undefined;
    if (kind === 0) text = 'eol';
    else if (kind === 1) text = 'nop';
    else if (!typedDone.has(kind)) {
      if (kind === 2 && options.mss !== undefined) text = `mss ${options.mss}`;
      else if (kind === 3 && options.windowScale !== undefined) text = `wscale ${options.windowScale}`;
      else if (kind === 4 && options.sackPermitted) text = 'sackOK';
      else if (kind === 5 && options.sack)
        text = `sack ${options.sack.length} ${options.sack.map(([l, r]) => `{${l}:${r}}`).join('')}`;
      else if (kind === 8 && options.timestamp)
        text = `TS val ${options.timestamp.value} ecr ${options.timestamp.echo}`;
      if (text !== undefined) typedDone.add(kind);
    }
    if (text === undefined) {
      const index = raw.findIndex((o) => o.kind === kind);
      const entry = index >= 0 ? raw.splice(index, 1)[0] : undefined;
      const name = OPTION_NAMES[kind] ?? `opt-${kind}`;
      text = entry && entry.data.length > 0 ? `${name} 0x${hex(entry.data)}` : name;
    }
    parts.push(text);
    // Bytes after the end-of-option-list are padding (RFC 9293 §3.2); tcpdump prints one eol.
    if (kind === 0) break;
  }
  return parts.join(',');
}

/** UTC time of day with microseconds, as tcpdump prints it (tcpdump uses local time). */
export function formatTime(timestampNs: bigint): string {
  const seconds = timestampNs / 1_000_000_000n;
  const micros = (timestampNs % 1_000_000_000n) / 1000n;
  const day = Number(((seconds % 86400n) + 86400n) % 86400n);
  const hh = String(Math.floor(day / 3600)).padStart(2, '0');
  const mm = String(Math.floor((day % 3600) / 60)).padStart(2, '0');
  const ss = String(day % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}.${String(micros < 0n ? -micros : micros).padStart(6, '0')}`;
}

function endpoint(address: string, port: number): string {
  return `${address}.${port}`;
}

/** One tcpdump-like line for a decoded segment. */
export function formatLine(record: CaptureRecord, p: DecodedPacket): string {
  const t = p.tcp;
  let line =
    `${formatTime(record.timestampNs)} ${p.ip.version === 4 ? 'IP' : 'IP6'} ` +
    `${endpoint(p.ip.src, t.srcPort)} > ${endpoint(p.ip.dst, t.dstPort)}: Flags [${formatTcpFlags(t.flags)}]`;
  const end = (t.seq + p.payloadLength) >>> 0;
  line += p.payloadLength > 0 ? `, seq ${t.seq}:${end}` : `, seq ${t.seq}`;
  if (t.flags & 0x10) line += `, ack ${t.ack}`;
  line += `, win ${t.window}`;
  if (t.flags & 0x20) line += `, urg ${t.urgentPointer}`;
  if (t.options.kinds.length > 0) line += `, options [${formatOptions(t.options)}]`;
  line += `, length ${p.payloadLength}`;
  const cksum = `0x${t.checksum.toString(16).padStart(4, '0')}`;
  if (p.checksumStatus === 'good') line += `, cksum ${cksum} (correct)`;
  else if (p.checksumStatus === 'bad')
    line += `, cksum ${cksum} (incorrect -> 0x${p.expectedChecksum!.toString(16).padStart(4, '0')})`;
  else line += `, cksum ${cksum} (unverifiable)`;
  return line;
}

function isoTime(timestampNs: bigint): string {
  const ms = timestampNs / 1_000_000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return '';
  const fraction = String(((timestampNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).padStart(9, '0');
  return `${date.toISOString().slice(0, 19)}.${fraction}Z`;
}

/** The JSON object for a decoded segment (bigints as strings, bytes as hex). */
export function toJson(record: CaptureRecord, p: DecodedPacket): Record<string, unknown> {
  const { unknown, ...typed } = p.tcp.options;
  const ip: Record<string, unknown> = { ...p.ip };
  if (p.ip.version === 4 && p.ip.options) ip.options = hex(p.ip.options);
  const out: Record<string, unknown> = {
    frame: record.index,
    timestampNs: record.timestampNs.toString(),
    time: isoTime(record.timestampNs),
    linkType: record.linkType,
    capturedLength: record.capturedLength,
    originalLength: record.originalLength,
    ip,
    tcp: {
      ...p.tcp,
      options: unknown ? { ...typed, unknown: unknown.map((o) => ({ kind: o.kind, data: hex(o.data) })) } : typed,
    },
    payloadLength: p.payloadLength,
    capturedPayloadLength: p.payload.length,
    checksumStatus: p.checksumStatus,
  };
  if (p.expectedChecksum !== undefined) out.expectedChecksum = p.expectedChecksum;
  if (p.pseudoHeader) out.pseudoHeader = p.pseudoHeader;
  return out;
}
