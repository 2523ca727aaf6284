#!/usr/bin/env node
// The `tcpwasm` command: thin argument handling over the library.

import { readFileSync } from 'node:fs';
import { parseDecodeArgs, type DecodeArgs } from './decode-args.js';
import { SERVE_USAGE } from './serve-args.js';
import { UsageError } from './usage-error.js';
import { FLOWS_USAGE } from './flows-usage.js';

// Each subcommand's code is imported when that subcommand runs: a `decode` started as a child
// process pays Node's start-up and the codec, not the stack behind serve/demo (about 150 more
// modules), the flow table, or the columnar writers.

const USAGE = `Usage:
  tcpwasm decode FILE [options] [FILTER...]
  tcpwasm decode -r FILE [options] [FILTER...]
                                  print the TCP segments of a pcap/pcapng(.gz) capture; FILE
                                  '-' or /dev/stdin reads standard input (a pipe)
${FLOWS_USAGE}
  tcpwasm serve [options]         serve HTTP (live stack stats), echo and discard from our TCP
                                  stack over a TUN device (needs CAP_NET_ADMIN), until Ctrl-C
  tcpwasm demo [options]          what npm start runs: a namespace, a TUN device, our server and
                                  the kernel as its client (in memory without root or TUN)
  tcpwasm --version
  tcpwasm --help

decode options (tcpdump's letters where tcpdump has one):
  -r FILE           the capture to read
  -c N, --count N   stop after N segments
  -n, -nn, -S       print lines exactly as \`tcpdump -nn -S\` does (no checksum text); we never
                    resolve names and always print absolute sequence numbers
  -K, --no-verify   do not verify checksums (no checksum verdict: offloaded loopback captures)
  -w FILE           write the matching frames to FILE (- = stdout) instead of printing: pcapng when FILE
                    ends in .pcapng or the input is pcapng, else pcap (nanosecond timestamps)
  -#                start each line with the frame number, as tcpdump -# does
  -v                accepted for tcpdump habit (verbosity); the version is --version
  --json            one JSON object per segment (NDJSON) instead of tcpdump-like text
  --csv             CSV with a header row (RFC 4180 quoting) instead of text
  --filter EXPR     only segments matching EXPR (or give EXPR as the trailing words), e.g.
                    'tcp port 80 and (tcp[tcpflags] & tcp-syn != 0 or tcp.len > 0)'
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
combined with and, or, not and parentheses. tcpdump's forms for TCP work too: tcp, tcp port N,
[src|dst] net CIDR, [src|dst] portrange N-M, tcp[tcpflags] & tcp-syn != 0 (tcp-fin tcp-syn
tcp-rst tcp-push tcp-ack tcp-urg tcp-ece tcp-cwr; == forms; also tcp[13]). Other pcap-filter
primitives (udp, icmp, ether, less, tcp[N:M] ...) are refused, naming the primitive.

Exit status: 0 on success, 1 on a usage error, 2 when the file cannot be read as a capture
(the segments before the fault are still printed) or the filter does not parse; serve: 2
when the TUN device cannot be opened; demo: 1 when a check fails.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** serve and demo have their own options; their usage errors name the command. */
async function runSubcommand(command: 'serve' | 'demo', argv: string[]): Promise<number> {
  let run: () => Promise<number>;
  try {
    const { parseServeArgs, parseDemoArgs } = await import('./serve-args.js');
    if (command === 'serve') {
      const options = parseServeArgs(argv);
      run = async () =>
        (await import('./serve.js')).runServe(options, { stdout: process.stdout, stderr: process.stderr });
    } else {
      const options = parseDemoArgs(argv);
      run = async () =>
        (await import('./demo/command.js')).runDemoCommand(options, { stdout: process.stdout, stderr: process.stderr });
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
    const { runFlowCommand } = await import('./flows-args.js');
    return runFlowCommand(argv[0], argv.slice(1), { stdout: process.stdout, stderr: process.stderr }, USAGE);
  }
  // decode's own words follow it; options written before it (`tcpwasm --json decode f`) still count.
  const at = argv.indexOf('decode');
  if (at < 0) {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (argv.includes('--version')) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    const command = argv.find((a) => !a.startsWith('-'));
    process.stderr.write(
      `tcpwasm: ${command ? `unknown command ${JSON.stringify(command)}` : 'no command given'}\n${USAGE}\n`,
    );
    return 1;
  }
  const words = [...argv.slice(0, at), ...argv.slice(at + 1)];
  if (words.includes('--help') || words.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: DecodeArgs;
  try {
    args = parseDecodeArgs(words);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tcpwasm decode: ${error.message}\n${USAGE}\n`);
    return 1;
  }
  const { file, options } = args;
  if (options.filter !== undefined) {
    const { FilterSyntaxError, compileFilter } = await import('./filter.js');
    try {
      compileFilter(options.filter);
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      const given = words.some((w) => w === '--filter' || w.startsWith('--filter=')) ? '--filter' : 'filter';
      process.stderr.write(`tcpwasm decode: ${given} ${JSON.stringify(options.filter)}: ${error.message}\n`);
      return 2;
    }
  }
  const streams = { stdout: process.stdout, stderr: process.stderr };
  if (args.columnar)
    return (await import('./decode-columnar.js')).runColumnarDecode(file, options, args.columnar, streams);
  return (await import('./decode.js')).runDecode(file, options, streams);
}

// A closed pipe (`tcpwasm decode big.pcap | head`) is a normal way for output to end.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tcpwasm: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  },
);
