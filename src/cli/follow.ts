// `tcpwasm follow FILE [SELECTOR]`: each selected connection's two byte streams, reassembled by
// the flow table's StreamReassemblers, to stdout (a header line before each run of one stream's
// bytes) or to one file per direction in --out DIR, named as tcpflow names its files.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FlowTable, type FlowInfo } from '../flows/flow-table.js';
import { formatAddress, parseAddress } from '../base/address.js';
import type { CommandStreams } from './decode.js';
import { ByteBuffer } from './byte-buffer.js';
import { feedCapture } from './flows.js';
import { Output } from './output.js';
import { UsageError } from './usage-error.js';

/** A flow index, or both endpoints (either may be the initiator). */
export type FlowSelector =
  { index: number } | { a: { address: string; port: number }; b: { address: string; port: number } };

export interface FollowCommandOptions {
  selector?: FlowSelector;
  /** Directory for one file per direction; stdout without it. */
  out?: string;
  /** 'zero': a gap becomes NUL bytes (a hole in --out files, as tcpflow's); 'skip': nothing. */
  gapFill?: 'zero' | 'skip';
}

function parseEndpoint(text: string, whole: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 65535)
    throw new UsageError(
      `selector ${JSON.stringify(whole)}: expected ADDR:PORT-ADDR:PORT ([ADDR]:PORT for IPv6) or a flow index`,
    );
  let parsed;
  try {
    parsed = parseAddress(m[1]!);
  } catch {
    throw new UsageError(`selector ${JSON.stringify(whole)}: ${JSON.stringify(m[1])} is not an IP address`);
  }
  // Compared with the flow table's own formatting (RFC 5952 for IPv6).
  return { address: formatAddress(parsed.bytes, 0, parsed.version), port: Number(m[2]) };
}

/** A selector as typed: `3`, `192.0.2.1:80-198.51.100.7:40000`, `[2001:db8::1]:443-[2001:db8::2]:5000`. */
export function parseSelector(text: string): FlowSelector {
  if (/^[0-9]+$/.test(text)) return { index: Number(text) };
  // The dash between the endpoints: the first '-' after a port's digits.
  const m = /^(.+:\d+)-(.+:\d+)$/.exec(text);
  if (!m)
    throw new UsageError(
      `selector ${JSON.stringify(text)}: expected ADDR:PORT-ADDR:PORT ([ADDR]:PORT for IPv6) or a flow index`,
    );
  return { a: parseEndpoint(m[1]!, text), b: parseEndpoint(m[2]!, text) };
}

export function selects(selector: FlowSelector | undefined, f: FlowInfo): boolean {
  if (selector === undefined) return true;
  if ('index' in selector) return selector.index === f.index;
  const { a, b } = selector;
  const o = (e: { address: string; port: number }) => e.address === f.origAddress && e.port === f.origPort;
  const r = (e: { address: string; port: number }) => e.address === f.respAddress && e.port === f.respPort;
  return (o(a) && r(b)) || (o(b) && r(a));
}

/** tcpflow's name for an endpoint: IPv4 as zero-padded dotted quads, IPv6 as text; the port in 5 digits. */
function tcpflowEndpoint(address: string, port: number): string {
  const text = address.includes(':')
    ? address
    : address
        .split('.')
        .map((b) => b.padStart(3, '0'))
        .join('.');
  return `${text}.${String(port).padStart(5, '0')}`;
}

/** tcpflow's file name for one direction: SRC-DST, then c1, c2… for later connections of the tuple. */
export function tcpflowName(f: FlowInfo, direction: 'orig' | 'resp'): string {
  const src =
    direction === 'orig' ? tcpflowEndpoint(f.origAddress, f.origPort) : tcpflowEndpoint(f.respAddress, f.respPort);
  const dst =
    direction === 'orig' ? tcpflowEndpoint(f.respAddress, f.respPort) : tcpflowEndpoint(f.origAddress, f.origPort);
  return `${src}-${dst}`;
}

/** Bytes buffered for all --out files together before they are written. */
const FLUSH_BYTES = 8 << 20;
/** Bytes gathered for stdout before one write (the stream then waits on backpressure). */
const STDOUT_BYTES = 1 << 20;

/** One direction's file: written at stream positions (a gap is a hole) in large writes. */
class DirectionFile {
  /** Bytes for the file from stream position #chunkStart on, copied once from the frames. */
  readonly #buffer = new ByteBuffer();
  #chunkStart = 0;
  #created = false;

  constructor(readonly path: string) {}

  get buffered(): number {
    return this.#buffer.length;
  }

  add(bytes: Uint8Array, position: number): void {
    const size = this.#buffer.length;
    if (size > 0 && position !== this.#chunkStart + size) this.flush();
    if (this.#buffer.length === 0) this.#chunkStart = position;
    this.#buffer.append(bytes);
  }

  flush(): void {
    if (this.#buffer.length === 0) return;
    const fd = openSync(this.path, this.#created ? 'r+' : 'w');
    this.#created = true;
    try {
      const data = this.#buffer.view();
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done, this.#chunkStart + done);
    } finally {
      closeSync(fd);
    }
    this.#buffer.clear();
  }
}

/** Runs the command; resolves to the exit status (0, or 2 when the file cannot be read). */
export async function runFollow(file: string, options: FollowCommandOptions, streams: CommandStreams): Promise<number> {
  const out = new Output(streams.stdout);
  /** stdout's bytes (headers and streams), copied once from the frames and written in one piece. */
  const pending = new ByteBuffer();
  /** The files of connections still open, by flow index. */
  const files = new Map<number, DirectionFile[]>();
  const names = new Map<string, number>();
  const skip = options.gapFill === 'skip';
  let bufferedBytes = 0;
  let last = '';
  if (options.out !== undefined) {
    try {
      mkdirSync(options.out, { recursive: true });
    } catch (error) {
      streams.stderr.write(`tcpwasm follow: --out ${options.out}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const table = new FlowTable({
    openStream: (flow, direction) => {
      if (!selects(options.selector, flow)) return undefined;
      let skipped = 0;
      if (options.out !== undefined) {
        const base = tcpflowName(flow, direction);
        const seen = names.get(base) ?? 0;
        names.set(base, seen + 1);
        const target = new DirectionFile(join(options.out, seen === 0 ? base : `${base}c${seen}`));
        const list = files.get(flow.index);
        if (list) list.push(target);
        else files.set(flow.index, [target]);
        return {
          onData: (bytes, offset) => {
            target.add(bytes, offset - skipped);
            bufferedBytes += bytes.length;
          },
          ...(skip
            ? {
                onGap: (length: number) => {
                  skipped += length;
                },
              }
            : {}),
        };
      }
      const from =
        direction === 'orig' ? `${flow.origAddress}.${flow.origPort}` : `${flow.respAddress}.${flow.respPort}`;
      const to = direction === 'orig' ? `${flow.respAddress}.${flow.respPort}` : `${flow.origAddress}.${flow.origPort}`;
      const header = `\n>>> flow ${flow.index} ${direction} ${from} > ${to}\n`;
      const headerBytes = Buffer.from(header);
      const startRun = () => {
        if (last !== header) {
          pending.append(last === '' ? headerBytes.subarray(1) : headerBytes);
          last = header;
        }
      };
      return {
        onData: (bytes: Uint8Array) => {
          startRun();
          pending.append(bytes);
        },
        ...(skip
          ? {}
          : {
              onGap: (length: number) => {
                if (length <= 0) return;
                startRun();
                pending.appendZeros(length);
              },
            }),
      };
    },
    // Files of ended connections are written when they end; the rest in FLUSH_BYTES batches.
    onFlow: (record) => {
      for (const f of files.get(record.index) ?? []) f.flush();
      files.delete(record.index);
    },
  });
  const afterBatch = async () => {
    if (options.out !== undefined) {
      if (bufferedBytes >= FLUSH_BYTES) {
        for (const list of files.values()) for (const f of list) f.flush();
        bufferedBytes = 0;
      }
      return;
    }
    if (pending.length < STDOUT_BYTES) return;
    await writePending();
  };
  const writePending = async () => {
    if (pending.length === 0) return;
    // Output takes a view and may hold it until its flush: give it a copy-free buffer of its own.
    const view = pending.view();
    pending.clear();
    await out.write(view);
    await out.flush();
  };
  let fault: unknown;
  try {
    fault = await feedCapture(file, table, afterBatch);
  } finally {
    for (const list of files.values()) for (const f of list) f.flush();
  }
  if (options.out === undefined) {
    await writePending();
    if (last !== '') await out.write('\n');
  }
  await out.flush();
  if (fault !== undefined) {
    streams.stderr.write(`tcpwasm: ${file}: ${fault instanceof Error ? fault.message : String(fault)}\n`);
    return 2;
  }
  return 0;
}
