// Process lifetime as node:net: a listening Server and every open socket keep a real-time process
// alive; unref() lets it go, ref() takes it back. Each case runs lifetime-child.ts in a child
// process and reads when (and whether) it exited on its own.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNetns, interopMissing } from '../helpers/netns.js';

const CHILD = fileURLToPath(new URL('./lifetime-child.ts', import.meta.url));

/** Runs the child; resolves with its own "exit <ms>" figure, or 'killed' after `limitMs`. */
function run(mode: string, limitMs = 20_000, extra: string[] = []): Promise<number | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve('killed');
      const m = /exit (\d+)/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`child ${mode} exited ${String(code)}: ${err}`));
      resolve(Number(m[1]));
    });
  });
}

describe('Stack: process lifetime as node:net (child processes)', function () {
  this.timeout(120_000);

  it('a listening server that is unref()d lets the process exit at once', async () => {
    const ms = await run('listen-unref');
    expect(ms).to.be.a('number').below(900);
  });

  it('a listening server keeps the process alive until it is closed', async () => {
    const ms = await run('listen');
    expect(ms).to.be.a('number').at.least(1000);
  });

  it('ref() after unref() holds the process again', async () => {
    const ms = await run('listen-unref-ref');
    expect(ms).to.be.a('number').at.least(1000);
  });

  it('an open connection keeps the process alive until it is closed', async () => {
    const ms = await run('socket');
    expect(ms).to.be.a('number').at.least(1000);
  });

  it('an open connection whose sockets are unref()d lets the process exit', async () => {
    const ms = await run('socket-unref');
    expect(ms).to.be.a('number').below(900);
  });

  it('on a TUN device: the read handle alone does not hold the process, a listening server does', async function () {
    const missing = interopMissing();
    if (missing.length > 0) {
      if (process.env.CI === 'true') throw new Error(missing.join('; '));
      this.skip();
    }
    const ns = createNetns();
    try {
      expect(await run('tun-unref', 20_000, [ns.name])).to.be.a('number');
      expect(await run('tun', 4000, [ns.name])).to.equal('killed');
    } finally {
      ns.delete();
    }
  });
});
