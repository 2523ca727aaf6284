#!/usr/bin/env node
// The `tcpwasm` command: thin argument handling over the library.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { runDecode } from './decode.js';

const USAGE = `Usage:
  tcpwasm decode FILE [--json]   print one line per TCP segment in a pcap/pcapng(.gz) capture
  tcpwasm --version
  tcpwasm --help

decode options:
  --json    one JSON object per segment (NDJSON) instead of tcpdump-like text

Exit status: 0 on success, 1 on a usage error, 2 when the file cannot be read as a capture
(the segments before the fault are still printed).`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
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
  if (command === 'decode') {
    if (rest.length !== 1) {
      process.stderr.write(`tcpwasm decode: expected exactly one FILE\n${USAGE}\n`);
      return 1;
    }
    return runDecode(rest[0]!, { json: values.json ?? false }, process.stdout, process.stderr);
  }
  process.stderr.write(`tcpwasm: ${command ? `unknown command ${JSON.stringify(command)}` : 'no command given'}\n${USAGE}\n`);
  return 1;
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
