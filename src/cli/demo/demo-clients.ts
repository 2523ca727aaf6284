// The demo's two clients, doing the same requests: the Linux kernel's TCP inside the namespace
// (curl, and node's net/http through kernel-client.js), or — without root or TUN — a second
// Stack of ours across a MemoryLink.

import { execFile } from 'node:child_process';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Stack } from '../../stack/stack.js';
import { runEchoSession, type EchoReport } from './echo-check.js';
import type { Netns } from '../../link/netns.js';

/** Bodies are kept up to this many bytes (enough for /stats and the page); the rest is counted. */
const KEEP_BYTES = 65_536;

export interface HttpResult {
  status: number;
  /** Body length received. */
  bytes: number;
  ms: number;
  /** The body's first KEEP_BYTES bytes as text. */
  body: string;
}

export interface DemoClient {
  /** Who makes the connections, for the output. */
  readonly description: string;
  get(url: string): Promise<HttpResult>;
  /** POSTs the file's bytes (kernel clients read the file; the built-in one is given the bytes too). */
  post(url: string, file: string, body: Buffer): Promise<HttpResult>;
  echo(host: string, port: number, bytes: number, rounds: number): Promise<EchoReport>;
}

const KERNEL_CLIENT = fileURLToPath(new URL('./kernel-client.js', import.meta.url));

function runJson(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000, maxBuffer: 4 * KEEP_BYTES }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || stdout.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** curl's -w trailer after the body: status, size, seconds. */
const CURL_TRAILER = '\\n%{http_code} %{size_download} %{time_total}';

function parseCurl(stdout: string): HttpResult {
  const cut = stdout.lastIndexOf('\n');
  const [status, bytes, seconds] = stdout
    .slice(cut + 1)
    .trim()
    .split(' ')
    .map(Number) as [number, number, number];
  return { status, bytes, ms: seconds * 1000, body: stdout.slice(0, Math.min(cut, KEEP_BYTES)) };
}

/** Clients run inside the namespace with `ip netns exec`: their TCP is the kernel's. */
export class KernelClient implements DemoClient {
  readonly description: string;

  constructor(
    readonly ns: Netns,
    readonly curl: boolean,
  ) {
    this.description = curl
      ? `the Linux kernel's TCP: curl and node inside namespace ${ns.name}`
      : `the Linux kernel's TCP: node inside namespace ${ns.name} (curl not found)`;
  }

  #node(args: string[]): Promise<unknown> {
    const [cmd, full] = this.ns.command(process.execPath, [KERNEL_CLIENT, ...args]);
    return runJson(cmd, full).then((out) => {
      const parsed = JSON.parse(out) as { error?: string };
      if (parsed.error !== undefined) throw new Error(`kernel client ${args[0]}: ${parsed.error}`);
      return parsed;
    });
  }

  async get(url: string): Promise<HttpResult> {
    if (!this.curl) return (await this.#node(['get', url])) as HttpResult;
    // A large body goes to /dev/null: only its size matters here.
    const big = /\/bytes\//.test(url);
    const [cmd, args] = this.ns.command('curl', [
      '-sS',
      '-g',
      ...(big ? ['-o', '/dev/null'] : []),
      '-w',
      CURL_TRAILER,
      url,
    ]);
    return parseCurl(await runJson(cmd, args));
  }

  async post(url: string, file: string): Promise<HttpResult> {
    if (!this.curl) return (await this.#node(['post', url, file])) as HttpResult;
    const [cmd, args] = this.ns.command('curl', [
      '-sS',
      '-g',
      '-H',
      'content-type: application/octet-stream',
      '--data-binary',
      `@${file}`,
      '-w',
      CURL_TRAILER,
      url,
    ]);
    return parseCurl(await runJson(cmd, args));
  }

  async echo(host: string, port: number, bytes: number, rounds: number): Promise<EchoReport> {
    return (await this.#node(['echo', host, String(port), String(bytes), String(rounds)])) as EchoReport;
  }
}

/** The fallback: requests from a second Stack of ours, in this process. */
export class StackClient implements DemoClient {
  readonly description = 'the built-in client: a second tcpwasm Stack across an in-memory link';

  constructor(readonly stack: Stack) {}

  #request(url: string, method: string, body?: Buffer): Promise<HttpResult> {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = u.port === '' ? 80 : Number(u.port);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          method,
          host,
          port,
          path: u.pathname,
          createConnection: (() => this.stack.connect(port, host)) as unknown as () => Duplex,
        } as http.RequestOptions,
        (res) => {
          let bytes = 0;
          const head: Buffer[] = [];
          res.on('data', (d: Buffer) => {
            if (bytes < KEEP_BYTES) head.push(d.subarray(0, KEEP_BYTES - bytes));
            bytes += d.length;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              bytes,
              ms: performance.now() - started,
              body: Buffer.concat(head).toString(),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  get(url: string): Promise<HttpResult> {
    return this.#request(url, 'GET');
  }

  post(url: string, _file: string, body: Buffer): Promise<HttpResult> {
    return this.#request(url, 'POST', body);
  }

  echo(host: string, port: number, bytes: number, rounds: number): Promise<EchoReport> {
    const socket = this.stack.connect(port, host);
    socket.setNoDelay(true);
    return runEchoSession(socket, bytes, rounds);
  }
}
