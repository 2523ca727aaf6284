// The demo's checks: the same requests whichever client makes them, each judged and reported
// as one line. A check that fails says what it got.

import { createHash } from 'node:crypto';
import type { DemoClient } from './demo-clients.js';
import { echoPayload } from './echo-check.js';
import type { StatsSnapshot } from '../../serve/snapshot.js';
import { httpUrl } from '../urls.js';

export interface CheckTarget {
  v4: string;
  v6: string | undefined;
  httpPort: number;
  echoPort: number;
  /** A file the client may read the upload body from (kernel clients run in another process). */
  uploadFile: string;
  uploadBody: Buffer;
}

export const DOWNLOAD_BYTES = 10 * 1024 * 1024;
export const UPLOAD_BYTES = 1024 * 1024;
export const ECHO_BYTES = 1024 * 1024;
export const ECHO_ROUNDS = 20;

export interface CheckResults {
  passed: number;
  failed: number;
  /** The last /stats the client fetched, if it parsed. */
  stats: StatsSnapshot | undefined;
}

const mb = (bytes: number, ms: number): string => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ms`;

export function uploadBody(): Buffer {
  return echoPayload(UPLOAD_BYTES).reverse();
}

export async function runChecks(
  client: DemoClient,
  t: CheckTarget,
  say: (line: string) => void,
): Promise<CheckResults> {
  const results: CheckResults = { passed: 0, failed: 0, stats: undefined };
  const check = async (label: string, run: () => Promise<{ ok: boolean; detail: string }>): Promise<void> => {
    let outcome: { ok: boolean; detail: string };
    try {
      outcome = await run();
    } catch (error) {
      outcome = { ok: false, detail: (error as Error).message };
    }
    if (outcome.ok) results.passed++;
    else results.failed++;
    say(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${label.padEnd(38)} ${outcome.detail}`);
  };
  const page = httpUrl(t.v4, t.httpPort, '/');
  await check(`GET ${page}`, async () => {
    const r = await client.get(page);
    return {
      ok: r.status === 200 && r.body.includes('tcpwasm'),
      detail: `${r.status}, ${r.bytes} bytes of HTML, ${ms(r.ms)}`,
    };
  });
  const download = httpUrl(t.v4, t.httpPort, `/bytes/${DOWNLOAD_BYTES}`);
  await check(`GET ${download}`, async () => {
    const r = await client.get(download);
    return {
      ok: r.status === 200 && r.bytes === DOWNLOAD_BYTES,
      detail: `${r.status}, ${r.bytes} bytes, ${ms(r.ms)} (${mb(r.bytes, r.ms)})`,
    };
  });
  const upload = httpUrl(t.v6 ?? t.v4, t.httpPort, '/upload');
  await check(`POST ${upload}`, async () => {
    const r = await client.post(upload, t.uploadFile, t.uploadBody);
    const want = createHash('sha256').update(t.uploadBody).digest('hex');
    const reply = JSON.parse(r.body) as { bytes: number; sha256: string };
    const same = reply.bytes === t.uploadBody.length && reply.sha256 === want;
    return {
      ok: r.status === 200 && same,
      detail: `${r.status}, server hashed ${reply.bytes} bytes: SHA-256 ${same ? 'matches' : `differs (${reply.sha256})`}, ${ms(r.ms)}`,
    };
  });
  for (const host of [t.v4, t.v6]) {
    if (host === undefined) continue;
    await check(`echo ${host.includes(':') ? `[${host}]` : host}:${t.echoPort}`, async () => {
      const e = await client.echo(host, t.echoPort, ECHO_BYTES, ECHO_ROUNDS);
      return {
        ok: e.exact && e.received === ECHO_BYTES,
        detail: `round trip ${ms(e.rttMs)} (median of ${ECHO_ROUNDS}); ${e.received} of ${e.sent} bytes back ${e.exact ? 'exact' : 'NOT exact'}, ${ms(e.bulkMs)}`,
      };
    });
  }
  const stats = httpUrl(t.v6 ?? t.v4, t.httpPort, '/stats');
  await check(`GET ${stats}`, async () => {
    const r = await client.get(stats);
    results.stats = JSON.parse(r.body) as StatsSnapshot;
    return {
      ok: r.status === 200 && results.stats.stack.stack.accepted >= 5,
      detail: `${r.status}, ${r.bytes} bytes of JSON, ${ms(r.ms)}`,
    };
  });
  return results;
}

/** A few lines of the server's /stats: what a reader wants to see moved. */
export function statsExcerpt(s: StatsSnapshot): string[] {
  const st = s.stack;
  const reasons = Object.entries(st.dropped).filter(([, n]) => n > 0);
  const drops =
    reasons.length === 0
      ? '0'
      : `${reasons.reduce((a, [, n]) => a + n, 0)} (${reasons.map(([k, n]) => `${k} ${n}`).join(', ')})`;
  const lines = [
    `  connections accepted ${st.stack.accepted}, open now ${s.connections}; segments in ${st.segmentsIn}, out ${st.segmentsOut}; retransmissions ${st.retransmissions} (tail-loss probes ${st.tailLossProbes}); TCP drops ${drops}`,
    `  IP packets in ${st.ip.packetsIn} (${st.ip.bytesIn} bytes), out ${st.ip.packetsOut} (${st.ip.bytesOut} bytes)`,
    `  services: ${s.services.http.requests} HTTP requests, ${s.services.http.bytesStreamed} bytes streamed, ${s.services.http.bytesUploaded} uploaded; echo ${s.services.echo.bytes} bytes on ${s.services.echo.connections} connections`,
  ];
  if (s.device.counters) {
    lines.push(
      `  device ${s.device.kind}${s.device.name ? ` ${s.device.name}` : ''}: ${Object.entries(s.device.counters)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  return lines;
}
