// The HTML page at /: the stats snapshot as tables, reloaded every two seconds by the browser
// (a meta refresh: no script, so curl and text browsers see the same figures).

import type { StatsSnapshot } from './snapshot.js';

const REFRESH_SECONDS = 2;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Rows for every number in a nested object, keys joined with dots (dropped.badChecksum). */
function flatten(prefix: string, value: unknown, rows: Array<[string, string]>): void {
  if (typeof value === 'number' || typeof value === 'string') {
    rows.push([prefix, String(value)]);
  } else if (Array.isArray(value)) {
    rows.push([prefix, value.join(', ')]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) flatten(prefix === '' ? key : `${prefix}.${key}`, inner, rows);
  }
}

function table(title: string, value: unknown): string {
  const rows: Array<[string, string]> = [];
  flatten('', value, rows);
  const body = rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<h2>${escapeHtml(title)}</h2>\n<table>\n${body}\n</table>`;
}

export function renderPage(s: StatsSnapshot): string {
  const device = s.device.name ? `${s.device.kind} ${s.device.name}` : s.device.kind;
  const summary = {
    uptime: `${s.uptimeSeconds.toFixed(1)} s`,
    addresses: s.addresses,
    device: `${device}, MTU ${s.device.mtu}${s.device.netns ? `, netns ${s.device.netns}` : ''}`,
    connections: s.connections,
    'segments in / out': `${s.stack.segmentsIn} / ${s.stack.segmentsOut}`,
    retransmissions: s.stack.retransmissions,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>tcpwasm serve</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td{border:1px solid #ccc;padding:2px 8px}td:last-child{text-align:right;font-family:monospace}</style>
</head>
<body>
<h1>tcpwasm: a userspace TCP stack serving this page</h1>
<p>Live figures, reloaded every ${REFRESH_SECONDS} s. JSON at <a href="/stats">/stats</a>; <code>/bytes/N</code> sends N bytes; POST to <code>/upload</code> returns the body's length and SHA-256; echo on port ${s.ports.echo}, discard on port ${s.ports.discard}.</p>
${table('Summary', summary)}
${table('Services', s.services)}
${table('Device counters', s.device.counters ?? { none: 'this device keeps no counters' })}
${table('Stack counters (stack.stats)', s.stack)}
</body>
</html>
`;
}
