// Kernel-side: opens COUNT TCP connections to HOST:PORT all at once; connection i sends its own
// seeded payload (seed SEED+i, 1..64 KB), half-closes, and checks that exactly the same bytes come
// back (an echo server) before the peer's FIN. Reports one JSON line:
// {"event":"done","count","exact","failures":[...first 10],"errors":{code:n},"bytes"}.
//   node many-clients.mjs HOST PORT COUNT [--seed S] [--timeout-ms T]

import net from 'node:net';
import { dataBytes, parseArgs, report } from './data.mjs';

const { positional, flags } = parseArgs(process.argv.slice(2));
const [host, portText, countText] = positional;
const port = Number(portText);
const count = Number(countText);
const seed = Number(flags.seed ?? 1);
const timeoutMs = Number(flags['timeout-ms'] ?? 60_000);

/** Payload size of connection i: spread over 1..64 KB, deterministic. */
const sizeOf = (i) => 1 + ((i * 7919 + 12345) % 65536);

let exact = 0;
let finished = 0;
let bytes = 0;
const failures = [];
const errors = {};

const timer = setTimeout(() => {
  report({ event: 'done', count, exact, finished, failures: [...failures.slice(0, 10), 'TIMEOUT'], errors, bytes });
  process.exit(1);
}, timeoutMs);

function finish(i, ok, why) {
  finished++;
  if (ok) exact++;
  else if (failures.length < 10) failures.push(`#${i}: ${why}`);
  if (finished === count) {
    clearTimeout(timer);
    report({ event: 'done', count, exact, finished, failures, errors, bytes });
  }
}

for (let i = 0; i < count; i++) {
  const payload = dataBytes(seed + i, sizeOf(i));
  const parts = [];
  let got = 0;
  let done = false;
  const socket = net.connect({ host, port });
  socket.on('connect', () => socket.end(payload));
  socket.on('data', (d) => {
    parts.push(d);
    got += d.length;
  });
  socket.on('error', (e) => {
    errors[e.code ?? e.message] = (errors[e.code ?? e.message] ?? 0) + 1;
  });
  socket.on('close', (hadError) => {
    if (done) return;
    done = true;
    bytes += got;
    const back = Buffer.concat(parts);
    if (hadError) finish(i, false, 'error');
    else if (!back.equals(payload)) finish(i, false, `got ${back.length} bytes of ${payload.length}, differing`);
    else finish(i, true);
  });
}
