// `tcpwasm demo` (npm start): see demo.ts beside it (the demo harness lives here under cli/,
// not among the services). Serving on after the checks only makes sense with someone at a
// terminal; CI and pipes get a demo that ends by itself.

import type { Writable } from 'node:stream';
import { runDemo } from './demo.js';
import type { DemoArgs } from '../serve-args.js';

export function runDemoCommand(
  args: DemoArgs,
  io: { stdout: Writable & { isTTY?: boolean }; stderr: Writable },
): Promise<number> {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return runDemo({
    memory: args.memory,
    requireTun: args.requireTun,
    keepServing: io.stdout.isTTY === true && !ci && !args.once,
    stdout: io.stdout,
  });
}
