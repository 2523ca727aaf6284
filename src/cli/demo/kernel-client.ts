#!/usr/bin/env node
// The demo's kernel-side client: run inside the namespace (`ip netns exec NS node
// kernel-client.js ...`) so that its connections are the Linux kernel's TCP. Prints one JSON
// object. Only node built-ins: it must run wherever node does.
//   echo HOST PORT BYTES ROUNDS   round trips + bulk echo (EchoReport)
//   get URL                       HTTP GET: { status, bytes, ms, body (first 64 KiB, text) }
//   post URL FILE                 HTTP POST of the file's bytes: the same fields

import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { runEchoSession } from './echo-check.js';

/** Body text is kept up to 64 KiB; the rest is only counted. */
function httpRequest(url: string, method: string, body?: Buffer): Promise<unknown> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let bytes = 0;
      const head: Buffer[] = [];
      res.on('data', (d: Buffer) => {
        if (bytes < 65536) head.push(d.subarray(0, 65536 - bytes));
        bytes += d.length;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          bytes,
          ms: performance.now() - started,
          body: Buffer.concat(head).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(args: string[]): Promise<unknown> {
  const [mode, ...rest] = args;
  if (mode === 'echo' && rest.length === 4) {
    const [host, port, bytes, rounds] = rest as [string, string, string, string];
    const socket = net.connect(Number(port), host);
    socket.setNoDelay(true);
    return runEchoSession(socket, Number(bytes), Number(rounds));
  }
  if (mode === 'get' && rest.length === 1) return httpRequest(rest[0]!, 'GET');
  if (mode === 'post' && rest.length === 2) return httpRequest(rest[0]!, 'POST', readFileSync(rest[1]!));
  throw new Error('usage: kernel-client.js echo HOST PORT BYTES ROUNDS | get URL | post URL FILE');
}

main(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (error: Error & { code?: string }) => {
    process.stdout.write(`${JSON.stringify({ error: error.code ?? error.message })}\n`);
    process.exitCode = 1;
  },
);
