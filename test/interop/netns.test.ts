import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNetns, deleteOrphanNamespaces, namespaceExists, requireInterop } from '../helpers/netns.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function fakeContext(): { context: Mocha.Context; skipped: () => boolean } {
  let skipped = false;
  const context = {
    skip: () => {
      skipped = true;
    },
  } as unknown as Mocha.Context;
  return { context, skipped: () => skipped };
}

describe('test helper requireInterop', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.CI;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });

  it('fails with the reason under CI=true when something is missing', () => {
    process.env.CI = 'true';
    const { context, skipped } = fakeContext();
    expect(() => requireInterop(context, [[false, 'frobnicator missing']])).to.throw(Error, /frobnicator missing/);
    expect(skipped()).to.equal(false);
  });

  it('skips with the reason printed elsewhere', () => {
    delete process.env.CI;
    const { context, skipped } = fakeContext();
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => {
      printed.push(args.join(' '));
    };
    try {
      requireInterop(context, [[false, 'frobnicator missing']]);
    } finally {
      console.log = log;
    }
    expect(skipped()).to.equal(true);
    expect(printed.join('\n')).to.match(/skipping: .*frobnicator missing/);
  });
});

describe('test helper: network namespaces', function () {
  this.timeout(60_000);
  before(function () {
    requireInterop(this);
  });

  it('creates a uniquely named namespace with only lo in it, up, and deletes it', async () => {
    const a = createNetns();
    const b = createNetns();
    try {
      expect(a.name).to.match(new RegExp(`^tcpwasm-c-${process.pid}-\\d+$`));
      expect(b.name).to.not.equal(a.name);
      expect(namespaceExists(a.name)).to.equal(true);
      const links = a.runSync('ip', ['-o', 'link', 'show']).trim().split('\n');
      expect(links).to.have.length(1);
      expect(links[0]).to.match(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
      // Programs run inside it: the kernel's own TCP over its lo.
      const r = await a.run('python3', [
        '-c',
        'import socket; s=socket.create_server(("127.0.0.1",0)); c=socket.create_connection(s.getsockname()); print("ok")',
      ]);
      expect(r.code).to.equal(0);
      expect(r.stdout.trim()).to.equal('ok');
    } finally {
      a.delete();
      b.delete();
    }
    expect(namespaceExists(a.name)).to.equal(false);
    expect(namespaceExists(b.name)).to.equal(false);
    a.delete(); // idempotent
  });

  it('times out and kills a program that runs too long', async () => {
    const ns = createNetns();
    try {
      let error: Error | undefined;
      await ns.run('sleep', ['30'], { timeoutMs: 200 }).catch((e: Error) => {
        error = e;
      });
      expect(error?.message).to.match(/timed out after 200 ms/);
    } finally {
      ns.delete();
    }
  });

  it('withNetns deletes the namespace of a test that failed', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        `${ROOT}node_modules/mocha/bin/mocha.js`,
        '--no-config',
        '--reporter',
        'spec',
        `${FIXTURES}failing-netns.spec.ts`,
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '' } },
    );
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.include('deliberate failure');
    const name = /NAMESPACE=(\S+)/.exec(r.stdout)?.[1];
    expect(name, r.stdout).to.match(/^tcpwasm-c-\d+-1$/);
    expect(namespaceExists(name!)).to.equal(false);
  });

  it('deletes what a killed run left behind, and only that', async () => {
    const mine = createNetns();
    const child = spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}killed-netns.ts`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const name = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /NAMESPACE=(\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('close', () => reject(new Error(`child exited without a namespace: ${out}`)));
      });
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGKILL');
      await exited;
      expect(namespaceExists(name)).to.equal(true);
      expect(deleteOrphanNamespaces()).to.include(name);
      expect(namespaceExists(name)).to.equal(false);
      // Ours (this process is alive) is not an orphan.
      expect(namespaceExists(mine.name)).to.equal(true);
    } finally {
      child.kill('SIGKILL');
      mine.delete();
    }
  });
});
