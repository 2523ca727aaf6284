// The userspace stack's side of bench/tun.bench.ts: a sink, a source and an HTTP server on a
// Stack's sockets, speaking the protocol of bench/clients/tun-peer.mjs (whose `serve` mode is the
// same three on the kernel's TCP, for the baseline).
//   sink:   reads to end of stream, then replies {"bytes","seconds"} (first byte to last) and ends
//   source: reads one line "<n>\n", writes n bytes, ends
//   http:   node:http on our sockets; GET /bytes/N answers N bytes, N ≤ 1 MiB (as `tcpwasm serve` does)
// Each transfer also records this process's CPU time over the same window, so the bench can say
// what the stack cost per byte.

import http from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Server, Stack, TcpSocket } from '../dist/index.js';
import type { Connection } from '../dist/engine.js';
// The same bytes and writer as the kernel-side peer. The path goes through ../bench so that it
// resolves both from here and from the compiled .bench/ (tsc does not copy .mjs files).
import { pump, serveBytes } from '../bench/clients/pattern.mjs';

export const PORTS = { sink: 5001, source: 5002, http: 8080 } as const;

/** One transfer as the stack side saw it. */
export interface StackSideTransfer {
  bytes: number;
  /** Wall time of the window, s: sink first byte → last byte; source request → socket closed. */
  seconds: number;
  /** This process's user+system CPU time over the same window, s (all its threads). */
  cpuSeconds: number;
  /** The system part of cpuSeconds: the kernel's work in our read()/write() calls. */
  systemSeconds: number;
  /**
   * Share of the window the event loop was busy rather than waiting in epoll (the main thread
   * only, unlike cpuSeconds): near 1 means this thread is the bottleneck.
   */
  eventLoopBusy: number;
}

export interface StackServices {
  /** Transfers completed so far, in order. */
  readonly transfers: StackSideTransfer[];
  /** The engine Connection of every socket the HTTP server accepted (for the table check). */
  readonly httpConnections: Connection[];
  /** HTTP responses sent. */
  readonly httpResponses: () => number;
  close(): void;
}

/** A window's start: CPU usage and event-loop utilization so far. */
function mark(): { cpu: NodeJS.CpuUsage; elu: EventLoopUtilization } {
  return { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization() };
}

function since(start: ReturnType<typeof mark>): { cpuSeconds: number; systemSeconds: number; eventLoopBusy: number } {
  const u = process.cpuUsage(start.cpu);
  return {
    cpuSeconds: (u.user + u.system) / 1e6,
    systemSeconds: u.system / 1e6,
    eventLoopBusy: performance.eventLoopUtilization(start.elu).utilization,
  };
}

export function startStackServices(stack: Stack): StackServices {
  const transfers: StackSideTransfer[] = [];
  const httpConnections: Connection[] = [];
  let responses = 0;

  const sink: Server = stack.createServer((s: TcpSocket) => {
    let bytes = 0;
    let t0 = 0n;
    let t1 = 0n;
    let start: ReturnType<typeof mark> | undefined;
    let used = { cpuSeconds: 0, systemSeconds: 0, eventLoopBusy: 0 };
    s.on('data', (d: Buffer) => {
      if (bytes === 0) {
        t0 = process.hrtime.bigint();
        start = mark();
      }
      bytes += d.length;
      t1 = process.hrtime.bigint();
    });
    s.on('end', () => {
      if (start !== undefined) used = since(start);
      const seconds = Number(t1 - t0) / 1e9;
      transfers.push({ bytes, seconds, ...used });
      s.end(JSON.stringify({ bytes, seconds }));
    });
    s.on('error', () => {});
  });

  const source: Server = stack.createServer((s: TcpSocket) => {
    let line = '';
    let started = false;
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      if (started) return;
      line += d;
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      started = true;
      const bytes = Number(line.slice(0, nl));
      if (!Number.isSafeInteger(bytes) || bytes < 0) {
        s.destroy();
        return;
      }
      const t0 = process.hrtime.bigint();
      const start = mark();
      s.once('close', () => {
        transfers.push({ bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9, ...since(start) });
      });
      pump(s, bytes, () => s.end());
    });
    s.on('error', () => {});
  });

  const web = http.createServer((req, res) => {
    if (serveBytes(req, res)) responses++;
  });
  web.keepAliveTimeout = 0;
  const httpListener: Server = stack.createServer((s: TcpSocket) => {
    // _connection is internal (not in the published .d.ts this bench compiles against).
    const conn = (s as unknown as { _connection: Connection | undefined })._connection;
    if (conn !== undefined) httpConnections.push(conn);
    s.on('error', () => {});
    // What node:http's own listener does to every socket it accepts (http.createServer's
    // noDelay defaults to true since Node 18, applied in net.Server's onconnection): a socket
    // handed in with emit('connection') skips that, and Nagle would hold each response's tail.
    s.setNoDelay(true);
    web.emit('connection', s);
  });

  sink.listen(PORTS.sink);
  source.listen(PORTS.source);
  httpListener.listen(PORTS.http);
  return {
    transfers,
    httpConnections,
    httpResponses: () => responses,
    close() {
      sink.close();
      source.close();
      httpListener.close();
      web.close();
    },
  };
}
