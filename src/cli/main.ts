#!/usr/bin/env node
// The `tcpwasm` command: thin argument handling over the library.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { runDecode, type DecodeCommandOptions } from './decode.js';
import { FilterSyntaxError, compileFilter } from './filter.js';
import { runDemoCommand } from './demo/command.js';
import { runServe } from './serve.js';
import { SERVE_USAGE, parseDemoArgs, parseServeArgs } from './serve-args.js';
import { UsageError } from './usage-error.js';
import { FLOWS_USAGE, runFlowCommand } from './flows-args.js';
import { positiveInteger } from './positive-integer.js';
import { COLUMNAR_ARG_OPTIONS, parseColumnarOptions, type ColumnarOptions } from './columnar-args.js';
import { runColumnarDecode } from './decode-columnar.js';

const USAGE = `Usage:
  tcpwasm decode FILE [options]   print the TCP segments of a pcap/pcapng(.gz) capture
${FLOWS_USAGE}
  tcpwasm serve [options]         serve HTTP (live stack stats), echo and discard from our TCP
                                  stack over a TUN device (needs CAP_NET_ADMIN), until Ctrl-C
  tcpwasm demo [options]          what npm start runs: a namespace, a TUN device, our server and
                                  the kernel as its client (in memory without root or TUN)
  tcpwasm --version
  tcpwasm --help

decode options:
  --json            one JSON object per segment (NDJSON) instead of tcpdump-like text
  --csv             CSV with a header row (RFC 4180 quoting) instead of text
  --filter EXPR     only segments matching EXPR, e.g. 'host 192.0.2.1 and (syn or tcp.len > 0)'
  --count N         stop after N segments
  --stats           print a summary (segments, flows, flags, options, checksums, errors,
                    throughput) instead of the segments; JSON with --json
  --workers N       decode on N worker threads (output stays in frame order; default 1,
                    'auto' = one per core)
  --progress        show the progress bar on a terminal even for a file under 64 MB
  --format F        arrow or parquet: an Arrow IPC file or Parquet (one record batch / row group
                    per --batch-rows N rows, default 65536) to --out FILE or a pipe

${SERVE_USAGE}

Filter expressions: host ADDR, src host ADDR, dst host ADDR, port N, src port N, dst port N,
ip, ip6, the flags fin syn rst psh ack urg ece cwr ae (or flags & syn|fin), and comparisons
tcp.len tcp.srcport tcp.dstport tcp.window tcp.seq tcp.ack tcp.hdrlen  > >= < <= == != N,
combined with and, or, not and parentheses.

Exit status: 0 on success, 1 on a usage error, 2 when the file cannot be read as a capture
(the segments before the fault are still printed) or the filter does not parse; serve: 2
when the TUN device cannot be opened; demo: 1 when a check fails.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function workerCount(text: string | undefined): number | undefined {
  if (text === 'auto') return availableParallelism();
  return positiveInteger('workers', text, 64);
}

/** serve and demo have their own options; their usage errors name the command. */
async function runSubcommand(command: 'serve' | 'demo', argv: string[]): Promise<number> {
  let run: () => Promise<number>;
  try {
    if (command === 'serve') {
      const options = parseServeArgs(argv);
      run = () => runServe(options, { stdout: process.stdout, stderr: process.stderr });
    } else {
      const options = parseDemoArgs(argv);
      run = () => runDemoCommand(options, { stdout: process.stdout, stderr: process.stderr });
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tcpwasm ${command}: ${error.message}\n${USAGE}\n`);
    return 1;
  }
  return run();
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'serve' || argv[0] === 'demo') return runSubcommand(argv[0], argv.slice(1));
  if (argv[0] === 'flows' || argv[0] === 'follow') {
    return runFlowCommand(argv[0], argv.slice(1), { stdout: process.stdout, stderr: process.stderr }, USAGE);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        stats: { type: 'boolean' },
        filter: { type: 'string' },
        count: { type: 'string' },
        workers: { type: 'string' },
        progress: { type: 'boolean' },
        ...COLUMNAR_ARG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    process.stderr.write(`tcpwasm: ${(error as Error).message}\n${USAGE}\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command !== 'decode') {
    process.stderr.write(`tcpwasm: ${command ? `unknown command ${JSON.stringify(command)}` : 'no command given'}\n${USAGE}\n`);
    return 1;
  }
  let options: DecodeCommandOptions;
  let columnar: ColumnarOptions | undefined;
  try {
    columnar = parseColumnarOptions(values);
    if (rest.length !== 1) throw new UsageError('decode expects exactly one FILE');
    if (values.json && values.csv) throw new UsageError('--json and --csv cannot be combined');
    if (values.stats && values.csv) throw new UsageError('--stats prints text, or JSON with --json; not CSV');
    const count = positiveInteger('count', values.count, Number.MAX_SAFE_INTEGER);
    const workers = workerCount(values.workers);
    options = {
      json: values.json ?? false,
      csv: values.csv ?? false,
      stats: values.stats ?? false,
      progress: values.progress ?? false,
      ...(values.filter === undefined ? {} : { filter: values.filter }),
      ...(count === undefined ? {} : { count }),
      ...(workers === undefined ? {} : { workers }),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tcpwasm decode: ${error.message}\n${USAGE}\n`);
    return 1;
  }
  if (options.filter !== undefined) {
    try {
      compileFilter(options.filter);
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      process.stderr.write(`tcpwasm decode: --filter ${JSON.stringify(options.filter)}: ${error.message}\n`);
      return 2;
    }
  }
  const streams = { stdout: process.stdout, stderr: process.stderr };
  return columnar ? runColumnarDecode(rest[0]!, options, columnar, streams) : runDecode(rest[0]!, options, streams);
}

// A closed pipe (`tcpwasm decode big.pcap | head`) is a normal way for output to end.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`tcpwasm: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 70;
});
