// `tcpwasm demo` (npm start): see src/serve/demo.ts. Serving on after the checks only makes
// sense with someone at a terminal; CI and pipes get a demo that ends by itself.

import type { Writable } from 'node:stream';
import { runDemo } from '../serve/demo.js';
import type { DemoArgs } from './serve-args.js';

export function runDemoCommand(args: DemoArgs, io: { stdout: Writable & { isTTY?: boolean }; stderr: Writable }): Promise<number> {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return runDemo({
    memory: args.memory,
    requireTun: args.requireTun,
    keepServing: io.stdout.isTTY === true && !ci && !args.once,
    stdout: io.stdout,
  });
}
