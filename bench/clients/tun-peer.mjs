// The kernel's side of bench/tun.bench.ts, run inside the bench's network namespace with
// `ip netns exec NS node bench/clients/tun-peer.mjs MODE ...`. Plain node:net / node:http, so the
// TCP on this side is the Linux kernel's. Each mode prints one JSON line on stdout and exits 0,
// or prints the reason on stderr and exits 1.
//
//   upload HOST PORT BYTES       connect to a sink, write BYTES, half-close, wait for the sink's
//                                report {bytes, seconds} (timed at the receiver, first byte to last)
//   download HOST PORT BYTES     connect to a source, ask for BYTES ("<n>\n"), time from the first
//                                byte received to the end of stream
//   http HOST PORT PATH CONCURRENCY SECONDS
//                                HTTP/1.1 GETs of PATH (e.g. /bytes/1024) with Connection: close, one new connection each,
//                                CONCURRENCY in flight, for SECONDS; every response checked
//   serve SINK_PORT SOURCE_PORT HTTP_PORT
//                                the same three services on the kernel's TCP (the baseline): prints
//                                {"listening":true} and serves until killed
//
// The protocol is the one bench/tun-services.ts speaks on the userspace stack.

import http from 'node:http';
import net from 'node:net';
import { pump, serveBytes } from './pattern.mjs';

function fail(message) {
  process.stderr.write(`tun-peer: ${message}\n`);
  process.exit(1);
}

function cpuSeconds(since) {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function upload(host, port, bytes) {
  const cpu0 = process.cpuUsage();
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  let reply = '';
  socket.on('connect', () => pump(socket, bytes, () => socket.end()));
  socket.setEncoding('utf8');
  socket.on('data', (d) => {
    reply += d;
  });
  socket.on('end', () => {
    let report;
    try {
      report = JSON.parse(reply);
    } catch {
      fail(`upload: sink replied ${JSON.stringify(reply.slice(0, 200))}`);
    }
    if (report.bytes !== bytes) fail(`upload: sink received ${report.bytes} of ${bytes} bytes`);
    console.log(JSON.stringify({ ...report, clientCpuSeconds: cpuSeconds(cpu0) }));
  });
  socket.on('error', (e) => fail(`upload: ${e.message}`));
}

function download(host, port, bytes) {
  const cpu0 = process.cpuUsage();
  const socket = net.connect({ host, port });
  let received = 0;
  let t0 = 0n;
  socket.on('connect', () => socket.write(`${bytes}\n`));
  socket.on('data', (d) => {
    if (received === 0) t0 = process.hrtime.bigint();
    received += d.length;
  });
  socket.on('end', () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (received !== bytes) fail(`download: received ${received} of ${bytes} bytes`);
    socket.end();
    console.log(JSON.stringify({ bytes: received, seconds, clientCpuSeconds: cpuSeconds(cpu0) }));
  });
  socket.on('error', (e) => fail(`download: ${e.message}`));
}

/**
 * One GET on a new connection. Resolves with null when the response is a complete 200 with the
 * advertised body length, with the reason otherwise. A raw node:net client rather than
 * http.request: the request is HTTP/1.1 all the same and the client spends less CPU per
 * connection, so the figure is the server's, not this process's.
 */
function getOnce(host, port, request) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const chunks = [];
    let settled = false;
    const settle = (why) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(why);
    };
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(request)); // the server closes after the reply (Connection: close)
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (!text.startsWith('HTTP/1.1 200 ') || split < 0)
        return settle(`bad response ${JSON.stringify(text.slice(0, 80))}`);
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      const body = text.length - split - 4;
      if (!length || Number(length[1]) !== body) return settle(`body ${body} bytes, content-length ${length?.[1]}`);
      settle(null);
    });
    socket.on('error', (e) => settle(e.code ?? e.message));
  });
}

async function httpLoad(host, port, path, concurrency, seconds) {
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  let ok = 0;
  const failures = {};
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      const why = await getOnce(host, port, request);
      if (why === null) ok++;
      else failures[why] = (failures[why] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ ok, failed, failures, seconds: elapsed, clientCpuSeconds: cpuSeconds(cpu0) }));
}

/** Sink, source and HTTP services on the kernel's TCP, speaking the same protocol. */
function serve(sinkPort, sourcePort, httpPort) {
  const sink = net.createServer((s) => {
    let bytes = 0;
    let t0 = 0n;
    let t1 = 0n;
    s.on('data', (d) => {
      if (bytes === 0) t0 = process.hrtime.bigint();
      bytes += d.length;
      t1 = process.hrtime.bigint();
    });
    s.on('end', () => s.end(JSON.stringify({ bytes, seconds: Number(t1 - t0) / 1e9 })));
    s.on('error', () => {});
  });
  const source = net.createServer((s) => {
    let line = '';
    s.setEncoding('latin1');
    s.on('data', (d) => {
      if (line.includes('\n')) return;
      line += d;
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      const bytes = Number(line.slice(0, nl));
      if (!Number.isSafeInteger(bytes) || bytes < 0) return s.destroy();
      pump(s, bytes, () => s.end());
    });
    s.on('error', () => {});
  });
  // GET /bytes/N answers N bytes, like `tcpwasm serve` and bench/tun-services.ts.
  const web = http.createServer(serveBytes);
  web.keepAliveTimeout = 0;
  let up = 0;
  const ready = () => {
    if (++up === 3) console.log(JSON.stringify({ listening: true }));
  };
  for (const [server, port] of [
    [sink, sinkPort],
    [source, sourcePort],
    [web, httpPort],
  ]) {
    server.on('error', (e) => fail(`serve: ${e.message}`));
    server.listen(port, ready);
  }
}

// The bench holds our stdin open; when it closes, the bench is gone and so are we. Unref'd: a
// finished client still exits on its own.
process.stdin.on('end', () => process.exit(2));
process.stdin.on('error', () => process.exit(2));
process.stdin.resume();
process.stdin.unref();

const [mode, ...args] = process.argv.slice(2);
const int = (s, what) => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) fail(`${what} must be a non-negative integer, got ${s}`);
  return n;
};
switch (mode) {
  case 'upload':
    upload(args[0], int(args[1], 'port'), int(args[2], 'bytes'));
    break;
  case 'download':
    download(args[0], int(args[1], 'port'), int(args[2], 'bytes'));
    break;
  case 'http':
    httpLoad(args[0], int(args[1], 'port'), args[2], int(args[3], 'concurrency'), Number(args[4]));
    break;
  case 'serve':
    serve(int(args[0], 'sink port'), int(args[1], 'source port'), int(args[2], 'http port'));
    break;
  default:
    fail(`unknown mode ${mode}; see the comment at the top of this file`);
}
