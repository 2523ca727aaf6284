// node:https and node:http2 served on our stack to kernel clients nobody here wrote (curl, ab,
// h2load, run in the test's namespace), and our stack as an HTTP client of nginx there. What
// matters: every byte arrives, closes are FINs (close_notify first under TLS), no RST from us,
// no failed request. The certificate is made by openssl for the run.

import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { selfSignedCert } from '../helpers/cert.js';
import { hasCommand } from '../helpers/netns.js';
import { FIN, has, RST, tcpSegments, type Segment } from './capture.js';
import { interopSuite, KERNEL, OURS, until, type KernelPeer, type KernelProgram } from './fixture.js';

const TLS_RECORD_ALERT = 0x15;

async function finished(p: KernelProgram, timeoutMs: number, what: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const code = await Promise.race([p.exited, limit]);
    const out = p.lines.map((l) => (l.event === 'text' ? String(l.text) : JSON.stringify(l))).join('\n');
    if (code !== 0)
      throw new Error(`${what} exited ${String(code)}: ${out.slice(-1500)} ${p.stderr.join('').slice(-1500)}`);
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** RST segments our stack sent, from the PcapTap. */
function ourResets(peer: KernelPeer): Segment[] {
  return tcpSegments(peer.tap!.pcap()).filter((s) => has(s, RST) && s.ip.src === OURS[4]);
}

/**
 * Whether `payload` ends with an encrypted TLS 1.2 alert record: 2 alert bytes sealed with
 * AES-GCM (8-byte explicit nonce + 16-byte tag: length 26) or ChaCha20-Poly1305 (tag: 18).
 */
function endsWithAlert(payload: Uint8Array): boolean {
  return [26, 18].some((n) => {
    const at = payload.length - 5 - n;
    return (
      at >= 0 &&
      payload[at] === TLS_RECORD_ALERT &&
      payload[at + 1] === 3 &&
      ((payload[at + 3]! << 8) | payload[at + 4]!) === n
    );
  });
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >>> 9)) & 0xff;
  return b;
}

describe('interop: TLS, HTTPS and HTTP/2 on our sockets with kernel clients; our client to nginx', function () {
  this.timeout(120_000);
  const open = interopSuite([
    [hasCommand('curl'), 'curl is not installed (apt-get install curl)'],
    [hasCommand('ab', ['-V']), 'ab is not installed (apt-get install apache2-utils)'],
    [hasCommand('h2load', ['--version']), 'h2load is not installed (apt-get install nghttp2-client)'],
    [hasCommand('nginx', ['-v']), 'nginx is not installed (apt-get install nginx)'],
    [hasCommand('openssl', ['version']), 'openssl is not installed'],
  ]);
  let dir = '';
  let key: Buffer;
  let cert: Buffer;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-interop-tls-'));
    ({ key, cert } = selfSignedCert(dir, `IP:${OURS[4]},IP:${OURS[6]}`));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('curl, HTTPS with Connection: close, 1 MB body, 20 runs: every byte, close_notify then FIN, RST only for data after close', async () => {
    const peer = await open({ tap: true, tapMaxPackets: 200_000 });
    const payload = pattern(1 << 20);
    // TLS 1.2, so the close_notify is visible in the capture as an alert record (TLS 1.3
    // encrypts its record type).
    const web = https.createServer({ key, cert, maxVersion: 'TLSv1.2' }, (_req, res) => {
      res.setHeader('content-length', payload.length);
      res.end(payload);
    });
    peer.stack.createServer({ noDelay: true }, (s) => web.emit('connection', s)).listen(443);
    for (let run = 0; run < 20; run++) {
      const out = join(dir, `body-${run}`);
      const curl = peer.program('curl', [
        '-sS',
        '--cacert',
        join(dir, 'cert.pem'),
        '-H',
        'Connection: close',
        '-o',
        out,
        '-w',
        '%{http_code} %{size_download}\n',
        `https://${OURS[4]}/`,
      ]);
      const text = await finished(curl, 30_000, `curl run ${run}`);
      expect(text.trim(), `run ${run}`).to.equal(`200 ${payload.length}`);
      expect(readFileSync(out).equals(payload), `run ${run}: body bytes`).to.equal(true);
    }
    // Our side closed first each time: once no orphan is left, the rest are in TIME-WAIT.
    await until(() => peer.stack.orphanCount === 0, 10_000, 'the orphans to finish');
    // Per connection: our last data segment before our FIN carries the TLS alert (close_notify).
    // A RST from us may follow, never precede, that FIN: node:https destroys the socket once its
    // close_notify and FIN are written, and when curl answers with its own close_notify the
    // orphan resets, as Linux does for data after close(2) (TCPAbortOnData; the kernel under the
    // same node:https server and curl sends such RSTs too). Nothing else may reset.
    const segments = tcpSegments(peer.tap!.pcap());
    const resets = ourResets(peer);
    // (Segments that still come after such a reset meet no connection and get one more RST, from
    // the listener on port 443 when the kernel's FIN follows its close_notify late.)
    const { abortOnData } = peer.stack.stats.stack;
    const { noListener, noConnection } = peer.stack.stats.dropped;
    expect(resets.length, 'RSTs from us: each one answers data that came after close').to.equal(
      abortOnData + noListener + noConnection,
    );
    expect(peer.stack.stats.stack.abortOnClose + peer.stack.stats.stack.orphanResets).to.equal(0);
    const ports = new Set(segments.filter((s) => s.ip.src === KERNEL[4] && has(s, 0x02)).map((s) => s.tcp.srcPort));
    expect(ports.size).to.equal(20);
    for (const port of ports) {
      const ours = segments.filter((s) => s.ip.src === OURS[4] && s.tcp.dstPort === port);
      const finAt = ours.findIndex((s) => has(s, FIN));
      expect(finAt, `FIN to port ${port}`).to.be.greaterThan(0);
      const lastData = ours
        .slice(0, finAt + 1)
        .filter((s) => s.payload.length > 0)
        .at(-1)!;
      expect(endsWithAlert(lastData.payload), `close_notify before the FIN to port ${port}`).to.equal(true);
      const rstAt = ours.findIndex((s) => has(s, RST));
      // Every RST to this port (the orphan's and any later one) comes after our FIN.
      for (const r of ours)
        if (has(r, RST))
          expect(r.index, `each RST to port ${port} after our FIN`).to.be.greaterThan(ours[finAt]!.index);
      if (rstAt >= 0) {
        expect(rstAt, `our RST to port ${port} after our FIN`).to.be.greaterThan(finAt);
        // ...and after the kernel acknowledged every byte we sent (nothing of ours was lost).
        const kernelAcks = segments.filter(
          (s) => s.ip.src === KERNEL[4] && s.tcp.srcPort === port && s.index < ours[rstAt]!.index,
        );
        expect(kernelAcks.at(-1)!.tcp.ack, `all our data acknowledged before the RST to port ${port}`).to.equal(
          (ours[finAt]!.tcp.seq + ours[finAt]!.payload.length + 1) >>> 0,
        );
      }
    }
    console.log(`      20 runs × ${payload.length} bytes exact; RSTs from us after close_notify+FIN: ${resets.length}`);
    expect(peer.stack.stats.stack.orphaned).to.be.at.least(1);
  });

  it('ab -n 5000 -c 50 over HTTPS: 0 failed requests', async () => {
    const peer = await open();
    const web = https.createServer({ key, cert }, (_req, res) => res.end('hello from tcpwasm\n'));
    peer.stack.createServer({ noDelay: true }, (s) => web.emit('connection', s)).listen(443);
    const ab = peer.program('ab', ['-q', '-n', '5000', '-c', '50', '-s', '20', `https://${OURS[4]}/`]);
    const text = await finished(ab, 100_000, 'ab');
    const complete = /Complete requests:\s+(\d+)/.exec(text);
    const failed = /Failed requests:\s+(\d+)/.exec(text);
    const rate = /Requests per second:\s+([\d.]+)/.exec(text);
    expect(complete?.[1], text).to.equal('5000');
    expect(failed?.[1], text).to.equal('0');
    console.log(`      ab over HTTPS: ${rate?.[1]} req/s`);
  });

  for (const scheme of ['h2c', 'h2'] as const) {
    it(`h2load over ${scheme}: 0 errors, 1 connection × 100 streams and -c10 -m10`, async () => {
      const peer = await open();
      const h2 = scheme === 'h2' ? http2.createSecureServer({ key, cert }) : http2.createServer();
      h2.on('stream', (stream) => {
        stream.respond({ ':status': 200 });
        stream.end('hello from tcpwasm\n');
      });
      peer.stack.createServer({ noDelay: true }, (s) => h2.emit('connection', s)).listen(scheme === 'h2' ? 443 : 80);
      const url = `${scheme === 'h2' ? 'https' : 'http'}://${OURS[4]}/`;
      for (const args of [
        ['-n', '10000', '-c', '1', '-m', '100'],
        ['-n', '10000', '-c', '10', '-m', '10'],
      ]) {
        const h2load = peer.program('h2load', [...args, url]);
        const text = await finished(h2load, 50_000, `h2load ${args.join(' ')}`);
        const requests =
          /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
            text,
          );
        expect(requests, text).to.not.equal(null);
        expect(requests!.slice(4, 8), text).to.deep.equal(['10000', '0', '0', '0']);
        const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(text);
        console.log(`      h2load ${scheme} ${args.join(' ')}: ${rate?.[1]} req/s`);
      }
    });
  }

  it('our stack as client: 1,000 non-keep-alive GETs to nginx in the namespace, 0 RSTs from us', async () => {
    const peer = await open({ tap: true, tapMaxPackets: 100_000 });
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      [
        // One process: the fixture's SIGKILL at the end then leaves no worker behind holding its pipes.
        'master_process off;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'nginx-error.log')};`,
        'events { worker_connections 1024; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${dir};`,
        `  proxy_temp_path ${dir};`,
        `  fastcgi_temp_path ${dir};`,
        `  uwsgi_temp_path ${dir};`,
        `  scgi_temp_path ${dir};`,
        `  server { listen ${KERNEL[4]}:8080; keepalive_timeout 0; location / { return 200 "hello from nginx\\n"; } }`,
        '}',
        '',
      ].join('\n'),
    );
    const nginx = peer.program('nginx', ['-c', conf, '-g', 'daemon off;']);
    await until(
      () => peer.ns.runSync('ss', ['-ltnH']).includes(`${KERNEL[4]}:8080`) || nginx.stderr.length > 0,
      10_000,
      'nginx to listen',
    );
    expect(nginx.stderr.join('')).to.equal('');
    const agent = new http.Agent({ keepAlive: false });
    (agent as unknown as { createConnection: () => Duplex }).createConnection = () =>
      peer.stack.connect(8080, KERNEL[4]);
    let ok = 0;
    let failed = 0;
    const get = () =>
      new Promise<void>((resolve) => {
        http
          .get({ agent, host: KERNEL[4], port: 8080, path: '/' }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => {
              body += d;
            });
            res.on('end', () => {
              if (res.statusCode === 200 && body === 'hello from nginx\n') ok++;
              else failed++;
              resolve();
            });
          })
          .on('error', () => {
            failed++;
            resolve();
          });
      });
    for (let i = 0; i < 1000; i += 10) await Promise.all(Array.from({ length: 10 }, get));
    expect({ ok, failed }).to.deep.equal({ ok: 1000, failed: 0 });
    // Whichever end closes first (nginx's FIN and the agent's destroy() race), no orphan is left
    // unfinished: each has reached CLOSED or TIME-WAIT.
    await until(() => peer.stack.orphanCount === 0, 10_000, 'our orphans to finish');
    expect(peer.stack.stats.resetsSent, 'RSTs we sent').to.equal(0);
    expect(ourResets(peer).length, 'RSTs from us in the capture').to.equal(0);
    expect(peer.stack.stats.stack.activeOpens).to.equal(1000);
  });
});
