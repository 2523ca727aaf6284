// ApacheBench (`ab -k`, apache2-utils) as the kernel-side HTTP client of bench/tun.bench.ts's
// "TUN HTTP" group: keep-alive GETs of 1 MiB bodies, run with `ip netns exec` in the bench's
// namespace, against node:http on our stack over TUN and against the same app on the kernel's
// TCP. A C client, so the figure is the server's, not a Node client's.

import type { BenchNamespace } from './tun-netns.js';

/** What one ab run reported, checked: every request answered in full over kept-alive connections. */
export interface AbReport {
  requests: number;
  /** Body bytes received (ab's "HTML transferred"). */
  bodyBytes: number;
  seconds: number;
  requestsPerSec: number;
}

function field(output: string, label: string): number | undefined {
  const m = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(output);
  return m ? Number(m[1]) : undefined;
}

/**
 * Reads ab's report and checks it: `requests` complete, none failed (ab counts a body whose
 * length differs from the first response's, an exception or a connect error), no non-2xx
 * answer, every request on a kept-alive connection, and exactly `requests × bodySize` body bytes.
 * Throws saying what was wrong.
 */
export function parseAbReport(output: string, requests: number, bodySize: number): AbReport {
  const complete = field(output, 'Complete requests');
  const failed = field(output, 'Failed requests');
  const non2xx = field(output, 'Non-2xx responses') ?? 0;
  const keptAlive = field(output, 'Keep-Alive requests');
  const bodyBytes = field(output, 'HTML transferred');
  const seconds = field(output, 'Time taken for tests');
  const problems: string[] = [];
  if (complete !== requests) problems.push(`${complete} of ${requests} requests complete`);
  if (failed !== 0) problems.push(`${failed} failed`);
  if (non2xx !== 0) problems.push(`${non2xx} non-2xx responses`);
  if (keptAlive !== requests) problems.push(`${keptAlive} of ${requests} on kept-alive connections`);
  if (bodyBytes !== requests * bodySize) problems.push(`${bodyBytes} body bytes, ${requests * bodySize} expected`);
  if (seconds === undefined || !(seconds > 0)) problems.push('no test time');
  if (problems.length > 0) throw new Error(`ab: ${problems.join('; ')}\n${output.slice(-1500)}`);
  return { requests, bodyBytes: bodyBytes!, seconds: seconds!, requestsPerSec: requests / seconds! };
}

/** `ab -k -n requests -c concurrency http://host:port/bytes/bodySize` in `ns`, checked. */
export async function runAb(
  ns: BenchNamespace,
  host: string,
  port: number,
  bodySize: number,
  requests: number,
  concurrency: number,
): Promise<AbReport> {
  // -s: ab's own per-request timeout (it then fails the run); the outer bound kills it outright.
  const args = ['-k', '-q', '-s', '20', '-n', String(requests), '-c', String(concurrency)];
  const output = await ns.run('ab', [...args, `http://${host}:${port}/bytes/${bodySize}`], 120_000);
  return parseAbReport(output, requests, bodySize);
}
