// tshark's view of a capture's TCP connections, the oracle for `tcpwasm flows`, from one run:
// per tcp.stream the endpoints, frames and summed tcp.len each way (-T fields), and the frame
// counts of `-z conv,tcp` (its byte columns are frame bytes, printed with units: not payload).

import { spawnSync } from 'node:child_process';

export interface TsharkDirection {
  frames: number;
  /** Sum of tcp.len: payload bytes by the IP length, every copy counted. */
  payload: number;
  /** Frames of `cut` (see tsharkView) in this direction, left out of frames and payload. */
  cut: number;
}

export interface TsharkStream {
  stream: number;
  /** The first packet's source and destination. */
  a: string;
  b: string;
  /** a -> b and b -> a. */
  ab: TsharkDirection;
  ba: TsharkDirection;
}

export interface ConvRow {
  /** Endpoints as tshark prints them (IPv6 bracketed here), frames B->A ("<-") and A->B ("->"). */
  a: string;
  b: string;
  framesFromB: number;
  framesFromA: number;
}

export interface TsharkView {
  streams: TsharkStream[];
  conversations: ConvRow[];
}

function endpoint(address: string, port: string): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * tshark's streams and conversations of `file`. Frames whose number is in `cut` are counted
 * apart (TsharkDirection.cut). ICMP-quoted TCP headers are left out, as the truth tables do.
 */
export function tsharkView(file: string, cut: ReadonlySet<number> = new Set()): TsharkView {
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      '-n',
      '-z',
      'conv,tcp',
      '-Y',
      'tcp && !icmp && !icmpv6',
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-e',
      'frame.number',
      '-e',
      'tcp.stream',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'tcp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.len',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const streams = new Map<number, TsharkStream>();
  const conversations: ConvRow[] = [];
  const bracket = (e: string): string => {
    const at = e.lastIndexOf(':');
    return endpoint(e.slice(0, at), e.slice(at + 1));
  };
  for (const line of r.stdout.split('\n')) {
    const cells = line.split('\t');
    if (cells.length === 9) {
      const [frame, id, src4, src6, sport, dst4, dst6, dport, len] = cells;
      const src = endpoint(src4 || src6!, sport!);
      const dst = endpoint(dst4 || dst6!, dport!);
      let s = streams.get(Number(id));
      if (!s) {
        s = {
          stream: Number(id),
          a: src,
          b: dst,
          ab: { frames: 0, payload: 0, cut: 0 },
          ba: { frames: 0, payload: 0, cut: 0 },
        };
        streams.set(s.stream, s);
      }
      const d = src === s.a && dst === s.b ? s.ab : s.ba;
      if (cut.has(Number(frame))) {
        d.cut++;
        continue;
      }
      d.frames++;
      d.payload += Number(len || 0);
      continue;
    }
    // The conv,tcp table after the fields: A <-> B  framesB bytesB unit  framesA bytesA unit  ...
    const t = line.trim().split(/\s+/);
    if (t[1] === '<->' && t.length >= 7)
      conversations.push({
        a: bracket(t[0]!),
        b: bracket(t[2]!),
        framesFromB: Number(t[3]),
        framesFromA: Number(t[6]),
      });
  }
  return { streams: [...streams.values()].sort((x, y) => x.stream - y.stream), conversations };
}
