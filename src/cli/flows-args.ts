// Command lines of `tcpwasm flows` and `tcpwasm follow`: parsed into options, usage errors typed.

import type { CommandStreams } from './decode.js';
import { runFlows, type FlowsCommandOptions } from './flows.js';
import { parseSelector, runFollow, type FollowCommandOptions } from './follow.js';
import { positiveInteger } from './positive-integer.js';
import { UsageError } from './usage-error.js';
import { parseWords } from './parse-words.js';
import { COLUMNAR_ARG_OPTIONS, parseColumnarOptions, type ColumnarOptions } from './columnar-args.js';
import { runColumnarFlows } from './flows-columnar.js';

export function parseFlowsArgs(argv: string[]): {
  file: string;
  options: FlowsCommandOptions;
  columnar?: ColumnarOptions;
} {
  const parsed = parseWords(argv, {
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    'idle-timeout': { type: 'string' },
    'max-flows': { type: 'string' },
    ...COLUMNAR_ARG_OPTIONS,
  });
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
  const parsed = parseWords(argv, { out: { type: 'string' }, 'gap-fill': { type: 'string' } });
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
