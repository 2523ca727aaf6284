// The decode and flows commands run in this process (no child process and WebAssembly start per
// run), writing into memory, for the tests that go over the whole corpus.

import { Writable } from 'node:stream';
import type { ColumnarOptions } from '../../src/cli/columnar-args.js';
import { runColumnarDecode } from '../../src/cli/decode-columnar.js';
import { runDecode, type CommandStreams, type DecodeCommandOptions } from '../../src/cli/decode.js';
import { runColumnarFlows } from '../../src/cli/flows-columnar.js';
import { runFlows, type FlowsCommandOptions } from '../../src/cli/flows.js';

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

function collector(parts: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
}

async function run(body: (streams: CommandStreams) => Promise<number>, terminal = false): Promise<Ran> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = Object.assign(collector(out), terminal ? { isTTY: true } : {});
  const status = await body({ stdout, stderr: collector(err) });
  return { status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export const decodeText = (file: string, options: DecodeCommandOptions) => run((s) => runDecode(file, options, s));
/** With `terminal`, stdout claims to be a terminal (isTTY), as an interactive shell's is. */
export const decodeColumnar = (
  file: string,
  columnar: ColumnarOptions,
  options: DecodeCommandOptions = {},
  terminal = false,
) => run((s) => runColumnarDecode(file, options, columnar, s), terminal);
export const flowsText = (file: string, options: FlowsCommandOptions) => run((s) => runFlows(file, options, s));
export const flowsColumnar = (file: string, columnar: ColumnarOptions, options: FlowsCommandOptions = {}) =>
  run((s) => runColumnarFlows(file, options, columnar, s));
