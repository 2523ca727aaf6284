// `tcpwasm decode FILE`: stream a capture, decode every frame, print each TCP segment.

import type { Writable } from 'node:stream';
import { DecodeError } from '../errors.js';
import { readCapture } from '../pcap/read.js';
import { decodeFrame } from '../wire/decode.js';
import { formatLine, formatTime, toJson } from './format.js';

export interface DecodeCommandOptions {
  json: boolean;
}

/** Frames whose decode error only means "not a TCP segment": skipped silently. */
const NOT_TCP = new Set(['NOT_TCP', 'NOT_IP', 'FRAGMENT']);

/** Buffers output and respects backpressure so a huge capture does not pile up in memory. */
class Output {
  private pending: string[] = [];
  private size = 0;
  constructor(private readonly stream: Writable) {}

  async line(text: string): Promise<void> {
    this.pending.push(text);
    this.size += text.length + 1;
    if (this.size >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.size = 0;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => this.stream.once('drain', resolve));
    }
  }
}

/** Runs the command; resolves to the exit status. */
export async function runDecode(file: string, options: DecodeCommandOptions, stdout: Writable, stderr: Writable): Promise<number> {
  const out = new Output(stdout);
  try {
    for await (const record of readCapture(file)) {
      try {
        const packet = decodeFrame(record.data, record.linkType, record.originalLength);
        await out.line(options.json ? JSON.stringify(toJson(record, packet)) : formatLine(record, packet));
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        if (NOT_TCP.has(error.code)) continue;
        await out.line(options.json
          ? JSON.stringify({ frame: record.index, timestampNs: record.timestampNs.toString(), error: { code: error.code, message: error.message } })
          : `${formatTime(record.timestampNs)} frame ${record.index}: ${error.code}: ${error.message}`);
      }
    }
    await out.flush();
    return 0;
  } catch (error) {
    await out.flush();
    stderr.write(`tcpwasm: ${file}: ${describe(error)}\n`);
    return 2;
  }
}

function describe(error: unknown): string {
  if (error instanceof DecodeError) return `${error.message} [${error.code}]`;
  const e = error as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return 'no such file';
  if (e && e.code === 'EISDIR') return 'is a directory';
  if (e && e.code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
