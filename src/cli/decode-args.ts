// `tcpwasm decode` arguments, with the habits tcpdump users bring: `-r FILE`, `-c N`, `-n`/`-nn`
// (accepted: we never resolve names), `-S` (absolute sequence numbers, which we always print),
// `-K` (no checksum verification), `-v` (verbosity, not the version), `-w FILE`, `-#` (frame
// numbers) and the filter as trailing words (`decode -r f.pcap tcp port 80`). `-` and
// `/dev/stdin` read a capture from standard input.

import { availableParallelism } from 'node:os';
import type { DecodeCommandOptions } from './decode.js';
import { UsageError } from './usage-error.js';
import { parseWords } from './parse-words.js';
import { positiveInteger } from './positive-integer.js';
import { COLUMNAR_ARG_OPTIONS, parseColumnarOptions, type ColumnarOptions } from './columnar-args.js';

export interface DecodeArgs {
  /** The capture to read; '-' is standard input. */
  file: string;
  options: DecodeCommandOptions;
  /** `--format arrow|parquet`: write the segments as Arrow IPC or Parquet instead. */
  columnar?: ColumnarOptions;
}

function workerCount(text: string | undefined): number | undefined {
  if (text === 'auto') return availableParallelism();
  return positiveInteger('workers', text, 64);
}

/** Parses the words after `decode`; throws UsageError for a command line that cannot run. */
export function parseDecodeArgs(argv: string[]): DecodeArgs {
  const parsed = parseWords(argv, {
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    stats: { type: 'boolean' },
    filter: { type: 'string' },
    count: { type: 'string', short: 'c' },
    workers: { type: 'string' },
    progress: { type: 'boolean' },
    read: { type: 'string', short: 'r' },
    write: { type: 'string', short: 'w' },
    'no-verify': { type: 'boolean', short: 'K' },
    numeric: { type: 'boolean', short: 'n', multiple: true },
    absolute: { type: 'boolean', short: 'S' },
    verbose: { type: 'boolean', short: 'v', multiple: true },
    number: { type: 'boolean', short: '#' },
    ...COLUMNAR_ARG_OPTIONS,
  });
  const { values, positionals } = parsed;
  const words = [...positionals];
  const file = values.read ?? words.shift();
  if (file === undefined) throw new UsageError('decode expects a capture: FILE or -r FILE (- for standard input)');
  if (values.filter !== undefined && words.length > 0) {
    throw new UsageError(`a filter given twice: --filter and the trailing words ${JSON.stringify(words.join(' '))}`);
  }
  const filter = values.filter ?? (words.length > 0 ? words.join(' ') : undefined);
  if (values.json && values.csv) throw new UsageError('--json and --csv cannot be combined');
  if (values.stats && values.csv) throw new UsageError('--stats prints text, or JSON with --json; not CSV');
  if (values.write !== undefined && (values.json || values.csv || values.stats)) {
    throw new UsageError(
      '-w writes the matching frames as a capture; it cannot be combined with --json, --csv or --stats',
    );
  }
  if (values.write !== undefined && values.write === file && file !== '-')
    throw new UsageError('-w would overwrite the capture being read');
  const count = positiveInteger('count', values.count, Number.MAX_SAFE_INTEGER);
  const workers = workerCount(values.workers);
  // `-n`, `-nn` and `-S` are how tcpdump users ask for the lines tcpdump prints with them; we
  // never resolve names or make sequence numbers relative, so they only select that format.
  const tcpdump = (values.numeric?.length ?? 0) > 0 || values.absolute === true;
  const columnar = parseColumnarOptions(values);
  if (columnar !== undefined && values.write !== undefined)
    throw new UsageError('-w writes a capture; it cannot be combined with --format');
  return {
    file,
    ...(columnar === undefined ? {} : { columnar }),
    options: {
      json: values.json ?? false,
      csv: values.csv ?? false,
      stats: values.stats ?? false,
      progress: values.progress ?? false,
      tcpdump,
      verify: values['no-verify'] !== true,
      frameNumbers: values.number === true,
      ...(filter === undefined ? {} : { filter }),
      ...(count === undefined ? {} : { count }),
      ...(workers === undefined ? {} : { workers }),
      ...(values.write === undefined ? {} : { write: values.write }),
    },
  };
}
