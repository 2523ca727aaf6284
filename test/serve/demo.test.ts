// The demo and `serve` as a user runs them: the built command in a child process.

import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { echoPayload } from '../../src/cli/demo/echo-check.js';
import { cli, ensureBuilt, MAIN, repoRoot } from '../cli/cli-run.js';
import { createNetns, requireInterop } from '../helpers/netns.js';

/**
 * The lines every demo run prints, whichever client made the requests. `lossless`: over the
 * MemoryLink nothing is lost, so nothing may be resent or dropped; the kernel over TUN may
 * legitimately send a segment we count as a drop (an out-of-window probe, answered by an ACK).
 */
function expectChecksPassed(out: string, lossless: boolean): void {
  expect(out).to.match(/^ {2}ok {3}GET http:\/\/198\.51\.100\.2\/ +200, \d+ bytes of HTML, [\d.]+ ms$/m);
  expect(out).to.match(
    /^ {2}ok {3}GET http:\/\/198\.51\.100\.2\/bytes\/10485760 +200, 10485760 bytes, [\d.]+ ms \([\d.]+ MB\/s\)$/m,
  );
  expect(out).to.match(
    /^ {2}ok {3}POST http:\/\/\[2001:db8::2\]\/upload +200, server hashed 1048576 bytes: SHA-256 matches/m,
  );
  expect(out).to.match(
    /^ {2}ok {3}echo 198\.51\.100\.2:7 +round trip [\d.]+ ms \(median of 20\); 1048576 of 1048576 bytes back exact/m,
  );
  expect(out).to.match(
    /^ {2}ok {3}echo \[2001:db8::2\]:7 +round trip [\d.]+ ms \(median of 20\); 1048576 of 1048576 bytes back exact/m,
  );
  expect(out).to.match(/^ {2}ok {3}GET http:\/\/\[2001:db8::2\]\/stats +200, \d+ bytes of JSON/m);
  expect(out).to.include('\n6 of 6 checks passed\n');
  expect(out).not.to.include('FAIL');
  // The excerpt of the server's counters: six connections accepted, nothing dropped, and nothing
  // resent but tail-loss probes (RFC 8985 sends one when an ACK is later than 2·SRTT, as a
  // delayed ACK of a response's last segment can be on an in-memory link of ~1 ms RTT).
  const counts =
    /^ {2}connections accepted 6, open now \d+; segments in \d+, out \d+; retransmissions (\d+) \(tail-loss probes (\d+)\); TCP drops (\d+)( \(.+\))?$/m.exec(
      out,
    );
  expect(counts, 'the stats excerpt line').to.not.equal(null);
  if (lossless) {
    expect(Number(counts![1])).to.be.at.most(Number(counts![2]));
    expect(counts![3]).to.equal('0');
  }
  expect(out).to.match(
    /^ {2}services: 4 HTTP requests, 10485760 bytes streamed, 1048576 uploaded; echo 2099712 bytes on 2 connections$/m,
  );
}

describe('serve: the demo and serve as commands', function () {
  before(function () {
    ensureBuilt(this);
  });

  it('demo --memory: the in-memory fallback runs every check, says why, and ends by itself', function () {
    const run = cli('demo', '--memory');
    expect(run.stderr).to.equal('');
    expect(run.status).to.equal(0);
    const out = run.stdout;
    expect(out).to.match(/^tcpwasm demo: /);
    expect(out).to.include('in-memory fallback: --memory was given.');
    expect(out).to.include('client: the built-in client: a second tcpwasm Stack across an in-memory link');
    expectChecksPassed(out, true);
    expect(out).to.match(/device MemoryLinkEnd: sent \d+, bytesSent \d+, .*lost 0/);
    expect(out).to.include('npx tcpwasm serve --memory');
    // Stdout is a pipe here: no serving on.
    expect(out.trimEnd().split('\n').slice(-2)).to.deep.equal([
      'not serving on: stdout is not a terminal, CI is set, or --once was given',
      'stopped: both stacks closed',
    ]);
  });

  it('serve --memory: reachable from 127.0.0.1 through the bridge; SIGTERM stops it cleanly', async function () {
    const child = spawn(process.execPath, [MAIN, 'serve', '--memory', '--http-port', '8080'], { cwd: repoRoot });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      while (!stdout.includes('serving until Ctrl-C')) {
        if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = Number(/http +http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)![1]);
      const post = (path: string, body: Buffer): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => {
              text += d.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode!, body: text }));
          });
          req.on('error', reject);
          req.end(body);
        });
      const body = echoPayload(300_000);
      const reply = await post('/upload', body);
      expect(reply.status).to.equal(200);
      expect(JSON.parse(reply.body)).to.deep.equal({
        bytes: 300_000,
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
    expect(stderr).to.equal('');
    expect(stdout).to.include('our stack (198.51.100.2/24, 2001:db8::2/64) behind an in-memory link');
    expect(stdout).to.match(/\nSIGTERM: stopped after 1 connection \(\d+ segments in, \d+ out\)\n$/);
  });

  it('serve without CAP_NET_ADMIN: exit 2, the TunError code and what to do', function () {
    // As root, drop the capability from the bounding set for the child; otherwise we lack it anyway.
    const args = [MAIN, 'serve'];
    const run =
      process.getuid?.() === 0
        ? spawnSync('setpriv', ['--bounding-set', '-net_admin', process.execPath, ...args], {
            cwd: repoRoot,
            encoding: 'utf8',
          })
        : spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
    if (run.error) {
      console.log(`      skipped: ${run.error.message} (setpriv, from util-linux, drops the capability)`);
      this.skip();
    }
    expect(run.status).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.match(/^tcpwasm serve: cannot open the TUN device \((EPERM|ENOADDON|ENOENT)\): /);
    // With the addon and /dev/net/tun present, the refusal is the permission one.
    if (existsSync('/dev/net/tun') && existsSync(join(repoRoot, 'native/build/Release/tcpwasm_tun.node'))) {
      expect(run.stderr).to.include('(EPERM): ');
      expect(run.stderr).to.include('needs CAP_NET_ADMIN');
    }
    expect(run.stderr).to.include('(--memory serves without TUN)');
  });

  describe('over TUN (root, /dev/net/tun and the native addon)', () => {
    it('demo --require-tun: the kernel is the client inside the demo namespace, which is deleted after', function () {
      requireInterop(this);
      const run = cli('demo', '--require-tun');
      expect(run.stderr).to.equal('');
      expect(run.status).to.equal(0);
      const out = run.stdout;
      const ns = /in network namespace (tcpwasm-demo-\d+)/.exec(out)?.[1];
      expect(ns, 'namespace named in the output').to.be.a('string');
      expect(out).to.match(/^client: the Linux kernel's TCP: (curl and node|node) inside namespace tcpwasm-demo-\d+/m);
      expectChecksPassed(out, false);
      expect(out).to.match(/device TunDevice tcpwasm\d+: packetsIn \d+/);
      expect(out).to.include('sudo ip netns exec web curl http://198.51.100.2/');
      expect(out).to.include(`device removed; namespace ${ns} deleted`);
      const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      expect(list.stdout).not.to.include(ns!);
    });

    it('serve --netns: the kernel fetches /stats and echoes through it; SIGTERM removes the device', async function () {
      requireInterop(this);
      const ns = createNetns();
      try {
        const child = spawn(
          process.execPath,
          [MAIN, 'serve', '--netns', ns.name, '--name', 'tcpwasmsrv%d', '--http-port', '8080'],
          { cwd: repoRoot },
        );
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const inNs = (command: string, args: string[]): ReturnType<typeof spawnSync> =>
          spawnSync('ip', ['netns', 'exec', ns.name, command, ...args], { encoding: 'utf8', timeout: 20_000 });
        let device: string;
        try {
          while (!stdout.includes('serving until Ctrl-C')) {
            if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
            await new Promise((r) => setTimeout(r, 50));
          }
          device = /TUN device (tcpwasmsrv\d+) \(MTU 1500\) in network namespace /.exec(stdout)![1]!;
          const stats = inNs('curl', ['-sS', '-g', 'http://[2001:db8::2]:8080/stats']);
          expect(stats.status, String(stats.stderr)).to.equal(0);
          const snapshot = JSON.parse(String(stats.stdout)) as {
            device: { kind: string; name: string; netns: string };
            ports: { http: number };
          };
          expect(snapshot.device).to.deep.include({ kind: 'TunDevice', name: device, netns: ns.name });
          expect(snapshot.ports.http).to.equal(8080);
          const echo = inNs('bash', ['-c', "exec 3<>/dev/tcp/198.51.100.2/7; echo 'hello, kernel' >&3; head -1 <&3"]);
          expect(String(echo.stdout)).to.equal('hello, kernel\n');
          expect(inNs('ip', ['link', 'show', device]).status).to.equal(0);
        } finally {
          child.kill('SIGTERM');
        }
        expect(await exited).to.equal(0);
        expect(stderr).to.equal('');
        expect(stdout).to.match(
          /\nSIGTERM: stopped after \d+ connections? \(\d+ segments in, \d+ out\); TUN device removed\n$/,
        );
        // Closing the device's file deleted the interface in the namespace.
        expect(inNs('ip', ['link', 'show', device]).status).to.not.equal(0);
      } finally {
        ns.delete();
      }
    });
  });
});
