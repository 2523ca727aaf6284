// Command lines of `tcpwasm flows` and `tcpwasm follow`: parsed into options, usage errors typed.

import { parseArgs } from 'node:util';
import type { CommandStreams } from './decode.js';
import { runFlows, type FlowsCommandOptions } from './flows.js';
import { parseSelector, runFollow, type FollowCommandOptions } from './follow.js';
import { positiveInteger } from './positive-integer.js';
import { UsageError } from './usage-error.js';
import { COLUMNAR_ARG_OPTIONS, COLUMNAR_USAGE, parseColumnarOptions, type ColumnarOptions } from './columnar-args.js';
import { runColumnarFlows } from './flows-columnar.js';

export const FLOWS_USAGE = `  tcpwasm flows FILE [options]    one record per TCP connection: endpoints, packets and bytes
                                  each way, retransmissions, gaps, handshake RTT, Zeek-style
                                  conn_state and history
    --json | --csv                NDJSON or CSV instead of the text table
    --idle-timeout S              end a connection after S seconds without a packet (300)
    --max-flows N                 connections tracked at once (1000000); beyond, the least
                                  recently active is reported early and counted
${COLUMNAR_USAGE}
  tcpwasm follow FILE [SELECTOR] [options]
                                  the reassembled byte streams (retransmissions and overlaps
                                  resolved: first-seen bytes win) of every connection or of
                                  SELECTOR: a flow index (as 'flows' prints) or ADDR:PORT-ADDR:PORT
                                  ([v6]:port for IPv6), either direction
    --out DIR                     one file per direction, named as tcpflow names them, instead
                                  of stdout (where a header line starts each run of bytes)
    --gap-fill zero|skip          what a gap in a stream becomes (zero: NUL bytes, as tcpflow's
                                  files; skip: nothing) [zero]`;

export function parseFlowsArgs(argv: string[]): {
  file: string;
  options: FlowsCommandOptions;
  columnar?: ColumnarOptions;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        'idle-timeout': { type: 'string' },
        'max-flows': { type: 'string' },
        ...COLUMNAR_ARG_OPTIONS,
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('flows expects exactly one FILE');
  if (values.json && values.csv) throw new UsageError('--json and --csv cannot be combined');
  const idleTimeout = positiveInteger('idle-timeout', values['idle-timeout'], 86_400 * 365);
  const maxFlows = positiveInteger('max-flows', values['max-flows'], 100_000_000);
  const columnar = parseColumnarOptions(values);
  return {
    ...(columnar === undefined ? {} : { columnar }),
    file: positionals[0]!,
    options: {
      json: values.json ?? false,
      csv: values.csv ?? false,
      ...(idleTimeout === undefined ? {} : { idleTimeout }),
      ...(maxFlows === undefined ? {} : { maxFlows }),
    },
  };
}

export function parseFollowArgs(argv: string[]): { file: string; options: FollowCommandOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, 'gap-fill': { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length < 1 || positionals.length > 2)
    throw new UsageError('follow expects FILE and at most one SELECTOR');
  const gapFill = values['gap-fill'] ?? 'zero';
  if (gapFill !== 'zero' && gapFill !== 'skip')
    throw new UsageError(`--gap-fill expects zero or skip, got ${JSON.stringify(gapFill)}`);
  const selector = positionals[1] === undefined ? undefined : parseSelector(positionals[1]);
  return {
    file: positionals[0]!,
    options: {
      gapFill,
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(selector === undefined ? {} : { selector }),
    },
  };
}

/** Runs `flows` or `follow`; a usage error prints `usage` and exits 1. */
export async function runFlowCommand(
  command: 'flows' | 'follow',
  argv: string[],
  streams: CommandStreams,
  usage: string,
): Promise<number> {
  let run: () => Promise<number>;
  try {
    if (command === 'flows') {
      const { file, options, columnar } = parseFlowsArgs(argv);
      run = () => (columnar ? runColumnarFlows(file, options, columnar, streams) : runFlows(file, options, streams));
    } else {
      const { file, options } = parseFollowArgs(argv);
      run = () => runFollow(file, options, streams);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    streams.stderr.write(`tcpwasm ${command}: ${error.message}\n${usage}\n`);
    return 1;
  }
  return run();
}
