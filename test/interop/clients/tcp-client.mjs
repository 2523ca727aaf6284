// Kernel-side TCP client for the interop tests, run inside the test's namespace with
// `ip netns exec NS node tcp-client.mjs HOST PORT [options]`. It connects with the kernel's TCP
// (node:net), optionally sends a seeded stream and hashes what comes back, and reports on stdout,
// one JSON object per line: {"event":"connect",...} as soon as it is connected, then one final
// {"event":"done",...} with what happened (bytes, hashes, peer FIN, error code, event order).
//
// Options:
//   --send N          send N bytes of the seeded stream (default 0)
//   --seed S          seed of the stream (default 1)
//   --pace-ms T       spread the sending over about T ms (default: as fast as TCP allows)
//   --no-end          do not half-close after sending (default: end() once everything is written)
//   --end-on-data     end() as soon as the first byte arrives (and not after sending)
//   --timeout-ms T    give up after T ms (default 60000) and report error "TIMEOUT"

import net from 'node:net';
import { dataChunks, parseArgs, report, sha256 } from './data.mjs';

const { positional, flags } = parseArgs(process.argv.slice(2));
const [host, portText] = positional;
const port = Number(portText);
const total = Number(flags.send ?? 0);
const seed = Number(flags.seed ?? 1);
const paceMs = Number(flags['pace-ms'] ?? 0);
const endAfterSend = flags['no-end'] !== true && flags['end-on-data'] !== true;
const endOnData = flags['end-on-data'] === true;
const timeoutMs = Number(flags['timeout-ms'] ?? 60_000);

const start = Date.now();
const events = [];
const mark = (name) => events.push({ name, t: Date.now() - start });
const sentHash = sha256();
const receivedHash = sha256();
let sent = 0;
let received = 0;
let gotEnd = false;
let errorCode = null;
let localPort = null;

const socket = net.connect({ host, port });
const timer = setTimeout(() => {
  errorCode = 'TIMEOUT';
  socket.destroy();
}, timeoutMs);

socket.on('connect', () => {
  mark('connect');
  localPort = socket.localPort;
  report({ event: 'connect', localPort, localAddress: socket.localAddress, at: Date.now() });
  sendAll();
});
socket.on('data', (d) => {
  if (received === 0) mark('first-data');
  received += d.length;
  receivedHash.update(d);
  if (endOnData && !socket.writableEnded) {
    mark('end-called');
    socket.end();
  }
});
socket.on('end', () => {
  gotEnd = true;
  mark('end');
});
socket.on('error', (e) => {
  errorCode = errorCode ?? e.code ?? e.message;
  mark(`error:${e.code}`);
});
socket.on('close', (hadError) => {
  clearTimeout(timer);
  mark('close');
  report({
    event: 'done',
    connected: localPort !== null,
    localPort,
    sent,
    sentSha: sentHash.digest('hex'),
    received,
    receivedSha: receivedHash.digest('hex'),
    gotEnd,
    hadError,
    error: errorCode,
    events,
    finishedAt: Date.now(),
  });
});

function sendAll() {
  const chunks = dataChunks(seed, total, 64 * 1024);
  const count = Math.ceil(total / (64 * 1024));
  const gap = count > 0 ? paceMs / count : 0;
  const pump = () => {
    for (;;) {
      const next = chunks.next();
      if (next.done) {
        mark('sent');
        if (endAfterSend) {
          mark('end-called');
          socket.end();
        }
        return;
      }
      sent += next.value.length;
      sentHash.update(next.value);
      const more = socket.write(next.value);
      if (gap > 0) {
        // Listen for 'drain' now: it may come before the pause is over.
        const later = () => setTimeout(pump, gap);
        if (more) later();
        else socket.once('drain', later);
        return;
      }
      if (!more) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}
