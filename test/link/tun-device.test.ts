// TunDevice against the Linux kernel: a TUN device in a network namespace this file creates
// (tcpwasm-a-<pid>) and deletes, with the kernel's own ping and TCP as the peer.
// Needs root and /dev/net/tun: elsewhere these tests skip with a printed reason, but under
// CI=true a missing capability fails them.

import { expect } from 'chai';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { setTunAddonLoader, tunAddon } from '../../src/link/tun-addon.js';
import { TunDevice, type TunDeviceOptions } from '../../src/link/tun-device.js';
import { TunError } from '../../src/link/tun-error.js';
import { PcapTap } from '../../src/link/pcap-tap.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { Stack } from '../../src/stack/stack.js';
import { codec } from '../../src/wire/module.js';
import { createNetns, requireInterop, type Netns } from '../helpers/netns.js';
import { receiveAll, sendAll, sha256Of } from '../stack/transfer-helpers.js';

const HOST_ADDRESSES = ['198.51.100.1/24', '2001:db8::1/64'];
const OUR_ADDRESSES = ['198.51.100.2/24', '2001:db8::2/64'];
// The interop tests' kernel-side client: node:net in the namespace, seeded data, one JSON report.
const CLIENT = fileURLToPath(new URL('../interop/clients/tcp-client.mjs', import.meta.url));
const PINGER = fileURLToPath(new URL('./kernel/ping.py', import.meta.url));

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** The suite's namespace (made in its before hook). */
let NS = '';

/** Runs a command in the namespace; resolves with its stdout (rejects with stderr on failure). */
function inNs(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', NS, command, ...args],
      { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** Kernel ping from the namespace: ping(8) if installed, else a raw-socket pinger (python3). */
async function kernelPing(host: string, count: number): Promise<number> {
  const hasPing = (() => {
    try {
      execFileSync('sh', ['-c', 'command -v ping'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (hasPing) {
    const out = await inNs('ping', ['-c', String(count), '-W', '1', '-i', '0.2', host]);
    return Number(/(\d+) received/.exec(out)?.[1] ?? -1);
  }
  const out = await inNs('python3', [PINGER, host, String(count), '0.2', '1']);
  return (JSON.parse(out) as { received: number }).received;
}

interface ClientReport {
  sent: number;
  sentSha: string;
  received: number;
  receivedSha: string;
  error: string | null;
}

/**
 * Runs the kernel-side client against HOST:PORT with its options (`--send N` sends N seeded
 * bytes then half-closes; `--no-end` only reads until the server's FIN); resolves with its
 * final report.
 */
async function kernelClient(host: string, port: number, options: Array<string | number> = []): Promise<ClientReport> {
  const out = await inNs('node', [CLIENT, host, String(port), ...options.map(String)]);
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string } & ClientReport);
  const done = lines.find((line) => line.event === 'done');
  if (done === undefined) throw new Error(`the kernel client reported no result: ${out}`);
  return done;
}

function linkExists(name: string, netns?: string): boolean {
  try {
    execFileSync('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', 'dev', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Passes everything through (offload too); notes the largest packets each way. */
class SizeWatch implements Device {
  maxSent = 0;
  maxReceived = 0;
  constructor(readonly inner: Device) {}
  get mtu(): number {
    return this.inner.mtu;
  }
  get maxOffloadSize(): number | undefined {
    return this.inner.maxOffloadSize;
  }
  send(packet: Uint8Array, segmentSize?: number): void {
    if (packet.length > this.maxSent) this.maxSent = packet.length;
    this.inner.send(packet, segmentSize);
  }
  onReceive(handler: PacketBatchHandler | null): void {
    this.inner.onReceive(
      handler === null
        ? null
        : (packets) => {
            for (const p of packets) if (p.length > this.maxReceived) this.maxReceived = p.length;
            handler(packets);
          },
    );
  }
  close(): void {
    this.inner.close();
  }
}

describe('TunDevice: options and the missing addon (no root needed)', () => {
  const rejects = async (options: unknown, type: typeof TypeError | typeof TunError, code?: string, text?: RegExp) => {
    const error = await TunDevice.open(options as TunDeviceOptions).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, JSON.stringify(options)).to.be.instanceOf(type);
    if (code) expect((error as TunError).code).to.equal(code);
    if (text) expect((error as Error).message).to.match(text);
  };

  it('rejects options of the wrong type with TypeError', async () => {
    await rejects(null, TypeError);
    await rejects({ name: 5 }, TypeError);
    await rejects({ mtu: '1500' }, TypeError);
    await rejects({ hostAddresses: '198.51.100.1/24' }, TypeError);
    await rejects({ hostAddresses: [7] }, TypeError);
    await rejects({ netns: 3 }, TypeError);
    await rejects({ offload: 'yes' }, TypeError, undefined, /offload must be a boolean/);
    await rejects({ txQueueLength: '500' }, TypeError, undefined, /txQueueLength must be a number/);
    await rejects({ receiveOffload: 1 }, TypeError, undefined, /receiveOffload must be a boolean/);
  });

  it('rejects values the kernel would refuse with TunError EINVAL, saying which', async () => {
    await rejects({ name: '' }, TunError, 'EINVAL', /interface name/);
    await rejects({ name: 'a-name-too-long-x' }, TunError, 'EINVAL', /1\.\.15 bytes/);
    await rejects({ name: 'a/b' }, TunError, 'EINVAL');
    await rejects({ name: 'a b' }, TunError, 'EINVAL');
    await rejects({ name: 'tun%s' }, TunError, 'EINVAL', /%d/);
    await rejects({ mtu: 67 }, TunError, 'EINVAL', /68\.\.65535/);
    await rejects({ mtu: 65536 }, TunError, 'EINVAL');
    await rejects({ mtu: 1500.5 }, TunError, 'EINVAL');
    await rejects({ hostAddresses: ['198.51.100.1/33'] }, TunError, 'EINVAL', /hostAddresses\[0\]/);
    await rejects({ hostAddresses: ['not-an-address/24'] }, TunError, 'EINVAL');
    await rejects({ mtu: 1000, hostAddresses: ['2001:db8::1/64'] }, TunError, 'EINVAL', /1280/);
    await rejects({ netns: '../x' }, TunError, 'EINVAL', /namespace/);
    await rejects({ txQueueLength: 0 }, TunError, 'EINVAL', /txQueueLength/);
    await rejects({ txQueueLength: 2.5 }, TunError, 'EINVAL', /txQueueLength/);
    await rejects({ txQueueLength: 1_000_001 }, TunError, 'EINVAL', /txQueueLength/);
    await rejects({ offload: false, receiveOffload: true }, TunError, 'EINVAL', /receiveOffload needs offload/);
  });

  it('without the addon, open() rejects with ENOADDON and the reason', async () => {
    setTunAddonLoader(() => {
      throw new Error('tcpwasm_tun.node: cannot open shared object file');
    });
    try {
      await rejects(
        {},
        TunError,
        'ENOADDON',
        /native addon not built: .*(cannot open shared object file|node-gyp).*npm rebuild tcpwasm/,
      );
    } finally {
      setTunAddonLoader(null);
    }
  });
});

describe('TunDevice against the kernel', function () {
  this.timeout(120_000);
  let device: TunDevice | undefined;
  let stack: Stack | undefined;
  let netns: Netns | undefined;

  before(function () {
    requireInterop(this);
    netns = createNetns();
    NS = netns.name;
  });

  after(() => netns?.delete());

  afterEach(() => {
    stack?.close();
    device?.close();
    stack = undefined;
    device = undefined;
  });

  async function serve(
    options: TunDeviceOptions = {},
    wrap?: (d: TunDevice) => Device,
  ): Promise<{ device: TunDevice; stack: Stack }> {
    device = await TunDevice.open({ hostAddresses: HOST_ADDRESSES, netns: NS, ...options });
    stack = new Stack({ device: wrap ? wrap(device) : device, addresses: OUR_ADDRESSES });
    return { device, stack };
  }

  it('creates the device in the namespace with its addresses, MTU and queue length, and close() removes it', async () => {
    const d = await TunDevice.open({ hostAddresses: HOST_ADDRESSES, netns: NS, mtu: 9000 });
    device = d;
    expect(d.name).to.match(/^tcpwasm\d+$/);
    expect(d.netns).to.equal(NS);
    expect(d.mtu).to.equal(9000);
    expect(d.txQueueLength).to.equal(20_000); // the default, not the kernel's 500
    const [info] = JSON.parse(ip('-n', NS, '-j', 'addr', 'show', 'dev', d.name)) as Array<{
      mtu: number;
      txqlen: number;
      flags: string[];
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>;
    expect(info!.mtu).to.equal(9000);
    expect(info!.txqlen).to.equal(20_000);
    expect(info!.flags).to.include('UP');
    const addresses = info!.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    expect(addresses).to.include.members(HOST_ADDRESSES);
    expect(linkExists(d.name)).to.equal(false); // moved: not in our namespace
    d.close();
    d.close(); // idempotent
    expect(d.closed).to.equal(true);
    expect(linkExists(d.name, NS)).to.equal(false);
    device = undefined;
  });

  it('txQueueLength sets the kernel queue of packets waiting to be read (ip link txqueuelen)', async () => {
    const d = await TunDevice.open({ hostAddresses: HOST_ADDRESSES, netns: NS, txQueueLength: 1234 });
    device = d;
    expect(d.txQueueLength).to.equal(1234);
    const [info] = JSON.parse(ip('-n', NS, '-j', 'link', 'show', 'dev', d.name)) as Array<{ txqlen: number }>;
    expect(info!.txqlen).to.equal(1234);
  });

  it('without netns, creates the device here under the given name; close() removes it', async () => {
    const name = `tcpwa${process.pid % 100000}`;
    const d = await TunDevice.open({ name });
    device = d;
    expect(d.name).to.equal(name);
    expect(existsSync(`/sys/class/net/${name}`)).to.equal(true);
    d.close();
    expect(existsSync(`/sys/class/net/${name}`)).to.equal(false);
  });

  it('a device dropped without close() is closed (and removed) when collected', () => {
    const name = `tcpwg${process.pid % 100000}`;
    const script = `import('./src/link/tun-device.ts').then(async ({ TunDevice }) => {
      let d = await TunDevice.open({ name: '${name}' });
      const before = require('node:fs').existsSync('/sys/class/net/${name}');
      d = null;
      for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
      console.log(JSON.stringify({ before, after: require('node:fs').existsSync('/sys/class/net/${name}') }));
      process.exit(0);
    })`;
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    expect(JSON.parse(out)).to.deep.equal({ before: true, after: false });
  });

  it('a device deleted under us stops reading once, with the error counted (no busy loop)', async () => {
    const name = `tcpwd${process.pid % 100000}`;
    const d = await TunDevice.open({ name });
    device = d;
    let batches = 0;
    d.onReceive(() => batches++);
    ip('link', 'del', 'dev', name);
    await new Promise((r) => setTimeout(r, 300));
    // A level-triggered poll on a dead fd would call back on every loop turn: one error only.
    expect(d.counters.readErrors).to.equal(1);
    expect(d.lastReadError).to.be.oneOf(['EBADF', 'EBADFD', 'EIO']);
    expect(batches).to.equal(0);
    d.send(new Uint8Array(20));
    await Promise.resolve();
    expect(d.counters.writeDrops).to.equal(1);
    expect(d.lastWriteError).to.be.a('string');
  });

  it('a name in use is EBUSY, here and in the target namespace', async () => {
    const name = `tcpwb${process.pid % 100000}`;
    const first = await TunDevice.open({ name });
    try {
      const error = await TunDevice.open({ name }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TunError);
      expect((error as TunError).code).to.equal('EBUSY');
      expect((error as TunError).message).to.match(/name in use/);
    } finally {
      first.close();
    }
    const inNamespace = await TunDevice.open({ name, netns: NS });
    try {
      const error = await TunDevice.open({ name, netns: NS }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as TunError).code).to.equal('EBUSY');
      // The half-made device was deleted again: the name is free here.
      expect(existsSync(`/sys/class/net/${name}`)).to.equal(false);
    } finally {
      inNamespace.close();
    }
  });

  it('without CAP_NET_ADMIN, open() rejects with EPERM saying what is needed', async function () {
    try {
      execFileSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' });
    } catch {
      if (process.env.CI === 'true') throw new Error('setpriv (util-linux) is needed to drop CAP_NET_ADMIN');
      console.log('      (skipped: setpriv not installed)');
      this.skip();
    }
    const script =
      "import('./src/link/tun-device.ts').then((m) => m.TunDevice.open({})).then(() => console.log('opened'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))";
    const out = execFileSync(
      'setpriv',
      ['--bounding-set=-net_admin', process.execPath, '--import', 'tsx', '-e', script],
      {
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      },
    );
    const result = JSON.parse(out) as { code: string; message: string };
    expect(result.code).to.equal('EPERM');
    expect(result.message).to.match(/needs CAP_NET_ADMIN \(run as root or grant the capability\)/);
  });

  it('without /dev/net/tun, open() rejects with ENOENT saying to load the module', async function () {
    // A private mount namespace for the child only, with an empty /dev/net: the host's is untouched.
    try {
      execFileSync('sh', ['-c', 'command -v unshare'], { stdio: 'ignore' });
    } catch {
      if (process.env.CI === 'true') throw new Error('unshare (util-linux) is needed to hide /dev/net/tun');
      console.log('      (skipped: unshare not installed)');
      this.skip();
    }
    const script =
      "import('./src/link/tun-device.ts').then((m) => m.TunDevice.open({})).then(() => console.log('opened'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))";
    const out = execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs none /dev/net && exec "$0" --import tsx -e "$1"',
        process.execPath,
        script,
      ],
      {
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      },
    );
    const result = JSON.parse(out) as { code: string; message: string };
    expect(result.code).to.equal('ENOENT');
    expect(result.message).to.match(/\/dev\/net\/tun missing \(modprobe tun\)/);
    expect(existsSync('/dev/net/tun')).to.equal(true);
  });

  it('onReceive(null) stops reading (packets wait in the kernel), a new handler resumes; sends after close are dropped and counted', async () => {
    const d = await TunDevice.open({ hostAddresses: HOST_ADDRESSES, netns: NS });
    device = d;
    const s = new Stack({ device: d, addresses: OUR_ADDRESSES });
    stack = s;
    expect(await kernelPing('198.51.100.2', 1)).to.equal(1);
    d.onReceive(null);
    const silent = await kernelPing('198.51.100.2', 2).catch(() => 0);
    expect(silent).to.equal(0);
    const seen: number[] = [];
    d.onReceive((packets) => {
      seen.push(packets.length);
      s.receive(packets);
    });
    expect(await kernelPing('198.51.100.2', 2)).to.equal(2);
    expect(seen.length).to.be.greaterThan(0);
    // The two unanswered requests were read once reading resumed, and answered late.
    expect(s.stats.icmp.echoRequestsIn).to.equal(5);
    expect(() => d.send('not a packet' as unknown as Uint8Array)).to.throw(TypeError);
    d.close();
    const drops = d.counters.writeDrops;
    d.send(new Uint8Array(40));
    expect(d.counters.writeDrops).to.equal(drops + 1);
  });

  it('poll() reads what waits in the kernel now, synchronously: a ping sent while our loop was blocked reaches the handler before poll returns', async () => {
    const d = await TunDevice.open({ hostAddresses: HOST_ADDRESSES, netns: NS });
    device = d;
    // Only IPv4 echo requests count: the kernel also sends IPv6 neighbour discovery.
    let seen = 0;
    d.onReceive((packets) => {
      for (const p of packets) if (p[0]! >> 4 === 4 && p[9] === 1 && p[20] === 8) seen++;
    });
    d.poll(); // no echo request waits: none delivered, no error
    expect(seen).to.equal(0);
    // spawnSync blocks this event loop while the kernel sends one echo request (unanswered).
    const host = OUR_ADDRESSES[0]!.split('/')[0]!;
    const pinger =
      existsSync('/usr/bin/ping') || existsSync('/bin/ping')
        ? ['ping', '-c', '1', '-W', '1', host]
        : ['python3', PINGER, host, '1', '0.2', '1'];
    spawnSync('ip', ['netns', 'exec', NS, ...pinger], { timeout: 10_000 });
    expect(seen).to.equal(0); // no turn of the event loop yet
    d.poll();
    expect(seen).to.be.at.least(1);
    const after = seen;
    d.onReceive(null); // stopped: poll reads nothing
    d.poll();
    expect(seen).to.equal(after);
  });

  it('a handler may close the device in the middle of a batch', async () => {
    const d = await TunDevice.open({ hostAddresses: HOST_ADDRESSES, netns: NS });
    device = d;
    let batches = 0;
    const closed = new Promise<void>((resolve) => {
      d.onReceive(() => {
        batches++;
        d.close();
        resolve();
      });
    });
    const ping = kernelPing('198.51.100.2', 1).catch(() => 0);
    await closed;
    expect(await ping).to.equal(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(batches).to.equal(1);
    expect(d.closed).to.equal(true);
    expect(linkExists(d.name, NS)).to.equal(false);
  });

  it('numbered names (the default tcpwasm%d) stay unique in the namespace: two devices move into it', async () => {
    // The kernel numbers by the names here, where both numbers are free once the first moved.
    const a = await TunDevice.open({ netns: NS });
    try {
      const b = await TunDevice.open({ netns: NS });
      try {
        expect(b.name).to.not.equal(a.name);
        expect(b.name).to.match(/^tcpwasm\d+$/);
        expect(linkExists(a.name, NS)).to.equal(true);
        expect(linkExists(b.name, NS)).to.equal(true);
      } finally {
        b.close();
      }
      expect(linkExists(b.name, NS)).to.equal(false);
    } finally {
      a.close();
    }
  });

  it('a namespace that does not exist is ECONFIG quoting ip, and leaves no device behind', async () => {
    const name = `tcpwc${process.pid % 100000}`;
    const error = await TunDevice.open({ name, netns: `${NS}-missing` }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as TunError).code).to.equal('ECONFIG');
    expect((error as TunError).message).to.match(/ip link set dev .* netns/);
    expect(existsSync(`/sys/class/net/${name}`)).to.equal(false);
  });

  for (const host of ['198.51.100.2', '2001:db8::2']) {
    it(`the kernel's ping to ${host} is answered by our Stack through the TUN`, async () => {
      const s = await serve();
      expect(await kernelPing(host, 3)).to.equal(3);
      expect(s.stack.stats.icmp.echoRequestsIn).to.equal(3);
      expect(s.stack.stats.icmp.echoRepliesOut).to.equal(3);
      expect(s.device.counters.packetsIn).to.be.at.least(3);
      expect(s.device.counters.writeDrops).to.equal(0);
    });

    it(`a kernel TCP client echoes 8 KB through our Stack's server at ${host}, exact`, async () => {
      const s = await serve();
      s.stack.createServer((socket) => socket.pipe(socket)).listen(7);
      const result = await kernelClient(host, 7, ['--send', 8192]);
      expect(result.error).to.equal(null);
      expect(result.received).to.equal(8192);
      expect(result.receivedSha).to.equal(result.sentSha);
      expect(s.stack.stats.stack.passiveOpens).to.equal(1);
      // The device counted exactly what the stack handed it and got from it.
      const c = s.device.counters;
      expect(c.packetsIn).to.equal(s.stack.stats.ip.packetsIn);
      expect(c.bytesIn).to.equal(s.stack.stats.ip.bytesIn);
      expect(c.packetsOut).to.equal(s.stack.stats.ip.packetsOut);
      expect(c.bytesOut).to.equal(s.stack.stats.ip.bytesOut);
      expect(c.bytesIn).to.be.greaterThan(8192);
      expect(c.bytesOut).to.be.greaterThan(8192);
      expect(c.batchesIn).to.be.at.least(1).and.at.most(c.packetsIn);
      expect(c.writeBatches).to.be.at.least(1).and.at.most(c.packetsOut);
      expect(c.writeDrops + c.readErrors).to.equal(0);
    });
  }

  it('a kernel connect to a closed port is refused (our RST)', async () => {
    await serve();
    const result = await kernelClient('198.51.100.2', 9999);
    expect(result.error).to.equal('ECONNREFUSED');
  });

  it('MTU 65000: 4 MB kernel → us and 4 MB us → kernel in 65000-byte packets, exact', async () => {
    const SIZE = 4 * 1024 * 1024;
    let watch!: SizeWatch;
    // Receive offload off: with it the kernel may hand over a super-packet above the MTU, and this
    // test is about the plain 65000-byte packets themselves (offload has its own tests below).
    const s = await serve({ mtu: 65000, receiveOffload: false }, (d) => (watch = new SizeWatch(d)));
    const uploads: Array<ReturnType<typeof receiveAll>> = [];
    s.stack
      .createServer({ allowHalfOpen: true }, (socket: TcpSocket) => {
        uploads.push(receiveAll(socket));
        socket.on('end', () => socket.end());
      })
      .listen(9000);
    s.stack.createServer((socket: TcpSocket) => sendAll(socket, 5, SIZE)).listen(9001);

    const up = await kernelClient('198.51.100.2', 9000, ['--send', SIZE, '--seed', 4]);
    expect(up.sent).to.equal(SIZE);
    expect(uploads).to.have.length(1);
    expect(uploads[0]!.bytes).to.equal(SIZE);
    expect(uploads[0]!.digest()).to.equal(sha256Of(4, SIZE));

    const down = await kernelClient('198.51.100.2', 9001, ['--no-end']);
    expect(down.error).to.equal(null);
    expect(down.received).to.equal(SIZE);
    expect(down.receivedSha).to.equal(sha256Of(5, SIZE));
    // Both ends used the big MTU: full 65000-byte packets each way.
    expect(watch.maxSent).to.equal(65000);
    expect(watch.maxReceived).to.equal(65000);
    expect(s.device.counters.writeDrops).to.equal(0);
  });

  describe('segmentation offload (IFF_VNET_HDR, GSO super-packets to the kernel)', () => {
    const SIZE = 16 * 1024 * 1024;
    // What 1448-byte segments (MTU 1500, IPv4 with timestamps) would take for 16 MB.
    const PLAIN_SEGMENTS = Math.ceil(SIZE / 1448);

    for (const host of ['198.51.100.2', '2001:db8::2']) {
      it(`16 MB our stack → kernel at ${host}, MTU 1500, exact in GSO super-packets`, async () => {
        let watch!: SizeWatch;
        const s = await serve({ mtu: 1500 }, (d) => (watch = new SizeWatch(d)));
        expect(s.device.maxOffloadSize).to.equal(65535);
        s.stack.createServer((socket: TcpSocket) => sendAll(socket, 7, SIZE)).listen(9001);
        const down = await kernelClient(host, 9001, ['--no-end']);
        expect(down.error).to.equal(null);
        expect(down.received).to.equal(SIZE);
        expect(down.receivedSha).to.equal(sha256Of(7, SIZE));
        const c = s.device.counters;
        expect(c.writeDrops).to.equal(0);
        // Most data went in super-packets far above the MTU, each standing for many segments.
        expect(watch.maxSent).to.be.greaterThan(1500).and.at.most(65535);
        expect(c.offloadPacketsOut).to.be.greaterThan(0);
        expect(c.offloadSegmentsOut).to.be.greaterThan(PLAIN_SEGMENTS / 2);
        expect(c.packetsOut).to.be.lessThan(PLAIN_SEGMENTS / 4);
        // The kernel took each super-packet whole: its receive counters on the device are ours.
        const rx = (
          JSON.parse(ip('-n', NS, '-j', '-s', 'link', 'show', 'dev', s.device.name)) as Array<{
            stats64: { rx: { packets: number; bytes: number; dropped: number; errors: number } };
          }>
        )[0]!.stats64.rx;
        expect(rx.packets).to.equal(c.packetsOut);
        expect(rx.bytes).to.equal(c.bytesOut);
        expect(rx.dropped + rx.errors).to.equal(0);
        // Every packet the kernel sent us came through the vnet-header read path as it was.
        expect(c.readDrops).to.equal(0);
        expect(watch.maxReceived).to.be.at.most(1500);
      });

      it(`16 MB kernel → our stack at ${host}, MTU 1500, exact in GSO super-packets the kernel hands us (receive offload)`, async () => {
        let watch!: SizeWatch;
        const s = await serve({ mtu: 1500 }, (d) => (watch = new SizeWatch(d)));
        expect(s.device.receiveOffload).to.equal(true);
        const uploads: Array<ReturnType<typeof receiveAll>> = [];
        s.stack
          .createServer({ allowHalfOpen: true }, (socket: TcpSocket) => {
            uploads.push(receiveAll(socket));
            socket.on('end', () => socket.end());
          })
          .listen(9000);
        const up = await kernelClient(host, 9000, ['--send', SIZE, '--seed', 8]);
        expect(up.error).to.equal(null);
        expect(up.sent).to.equal(SIZE);
        expect(uploads).to.have.length(1);
        expect(uploads[0]!.bytes).to.equal(SIZE);
        expect(uploads[0]!.digest()).to.equal(sha256Of(8, SIZE));
        const c = s.device.counters;
        expect(c.readDrops).to.equal(0);
        expect(c.readErrors).to.equal(0);
        // The kernel's TSO packets reached us whole: far above the MTU, many segments each.
        expect(watch.maxReceived).to.be.greaterThan(1500).and.at.most(65536);
        expect(c.offloadPacketsIn).to.be.greaterThan(0);
        expect(c.offloadSegmentsIn).to.be.greaterThan(PLAIN_SEGMENTS / 2);
        expect(c.packetsIn).to.be.lessThan(PLAIN_SEGMENTS / 2);
        // Each one's TCP checksum was completed by the addon and verified by the stack.
        expect(s.stack.stats.dropped.badChecksum).to.equal(0);
      });
    }

    it('receiveOffload: false keeps the send offload but takes only MTU-sized packets from the kernel, exact', async () => {
      const SMALL = 4 * 1024 * 1024;
      let watch!: SizeWatch;
      const s = await serve({ mtu: 1500, receiveOffload: false }, (d) => (watch = new SizeWatch(d)));
      expect(s.device.receiveOffload).to.equal(false);
      expect(s.device.maxOffloadSize).to.equal(65535);
      s.stack.createServer((socket: TcpSocket) => socket.pipe(socket)).listen(7);
      const echo = await kernelClient('198.51.100.2', 7, ['--send', SMALL, '--seed', 11]);
      expect(echo.error).to.equal(null);
      expect(echo.received).to.equal(SMALL);
      expect(echo.receivedSha).to.equal(sha256Of(11, SMALL));
      expect(watch.maxReceived).to.be.at.most(1500);
      expect(s.device.counters.offloadPacketsIn).to.equal(0);
      expect(s.device.counters.offloadPacketsOut).to.be.greaterThan(0);
      expect(s.device.counters.readDrops).to.equal(0);
    });

    it('offload: false opens without the vnet header: MTU-sized packets only, exact both ways', async () => {
      const SMALL = 4 * 1024 * 1024;
      let watch!: SizeWatch;
      const s = await serve({ mtu: 1500, offload: false }, (d) => (watch = new SizeWatch(d)));
      expect(s.device.maxOffloadSize).to.equal(undefined);
      s.stack.createServer((socket: TcpSocket) => socket.pipe(socket)).listen(7);
      const echo = await kernelClient('198.51.100.2', 7, ['--send', SMALL, '--seed', 9]);
      expect(echo.error).to.equal(null);
      expect(echo.received).to.equal(SMALL);
      expect(echo.receivedSha).to.equal(sha256Of(9, SMALL));
      expect(watch.maxSent).to.equal(1500);
      expect(s.device.counters.offloadPacketsOut).to.equal(0);
      expect(s.device.counters.packetsOut).to.be.greaterThan(SMALL / 1448);
      expect(s.device.receiveOffload).to.equal(false);
      expect(s.device.counters.offloadPacketsIn).to.equal(0);
      expect(watch.maxReceived).to.be.at.most(1500);
    });

    it('the addon checks its offload arguments: vnetHeader a boolean, segmentSizes a long enough Uint32Array', () => {
      const addon = tunAddon();
      expect(() => addon.open('tcpwasm%d', 'yes' as unknown as boolean)).to.throw(TypeError, /vnetHeader/);
      expect(() => addon.open('tcpwasm%d', true, 1 as unknown as boolean)).to.throw(TypeError, /receiveOffload/);
      expect(() => addon.open('tcpwasm%d', false, true)).to.throw(TypeError, /receiveOffload needs vnetHeader/);
      // A device of our own, never configured: closing the handle removes it.
      const [own] = addon.open('tcpwasm%d', true);
      try {
        const packet = new Uint8Array(40);
        expect(() => addon.write(own, [packet], 1, new Uint8Array(1) as unknown as Uint32Array)).to.throw(
          TypeError,
          /segmentSizes/,
        );
        expect(() => addon.write(own, [packet, packet], 2, new Uint32Array(1))).to.throw(TypeError, /segmentSizes/);
      } finally {
        addon.close(own);
      }
    });

    it('a PcapTap around an offloading TunDevice hides the offload: plain MTU-sized packets', async () => {
      let watch!: SizeWatch;
      const s = await serve({ mtu: 1500 }, (d) => (watch = new SizeWatch(new PcapTap(d))));
      s.stack.createServer((socket: TcpSocket) => sendAll(socket, 10, 1 << 20)).listen(9001);
      const down = await kernelClient('198.51.100.2', 9001, ['--no-end']);
      expect(down.receivedSha).to.equal(sha256Of(10, 1 << 20));
      expect(watch.maxSent).to.equal(1500);
      expect(s.device.counters.offloadPacketsOut).to.equal(0);
    });
  });

  it('stays exact when WASM memory grows in the middle of TUN batches', async () => {
    // Every reply our stack sends while a batch is being handled (echo replies to a ping burst
    // that lands between TCP segments) grows WASM memory, detaching the views of the rows still
    // to come; they must be found again, not dropped or misread.
    let grows = 0;
    let midBatch = 0;
    let current: Uint8Array[] | null = null;
    const wrap = (d: TunDevice): Device => ({
      get mtu() {
        return d.mtu;
      },
      send(packet: Uint8Array) {
        if (current !== null && grows < 200 && (packet[0]! >> 4 === 4 ? packet[9] === 1 : packet[6] === 58)) {
          // Is the request this answers followed by more rows of the same batch?
          const seq = (packet[packet[0]! >> 4 === 4 ? 26 : 46]! << 8) | packet[packet[0]! >> 4 === 4 ? 27 : 47]!;
          const index = current.findIndex(
            (p) =>
              p.length > 0 &&
              (p[0]! >> 4 === 4
                ? p[9] === 1 && ((p[26]! << 8) | p[27]!) === seq
                : p[6] === 58 && ((p[46]! << 8) | p[47]!) === seq),
          );
          if (index >= 0 && index < current.length - 1) midBatch++;
          const c = codec();
          c.reserveInput(c.memoryBuffer().byteLength - c.reserveInput(0) + 1);
          grows++;
        }
        d.send(packet);
      },
      onReceive(handler: PacketBatchHandler | null) {
        d.onReceive(
          handler === null
            ? null
            : (packets) => {
                current = packets;
                try {
                  handler(packets);
                } finally {
                  current = null;
                }
              },
        );
      },
      close() {
        d.close();
      },
    });
    const SIZE = 8 * 1024 * 1024;
    const s = await serve({}, wrap);
    let upload: ReturnType<typeof receiveAll> | undefined;
    s.stack
      .createServer({ allowHalfOpen: true }, (socket: TcpSocket) => {
        upload = receiveAll(socket);
        socket.on('end', () => socket.end());
      })
      .listen(9000);
    const before = codec().memoryBuffer().byteLength;
    const [, pings] = await Promise.all([
      kernelClient('198.51.100.2', 9000, ['--send', SIZE, '--seed', 6]),
      // Bursts of requests: each lands in a batch with others (and TCP segments) behind it.
      (async () => {
        let received = 0;
        for (let burst = 0; burst < 3; burst++) {
          const out = await inNs('python3', [PINGER, '198.51.100.2', '50', '0', '2', '1000']);
          received += (JSON.parse(out) as { received: number }).received;
        }
        return { received };
      })(),
    ]);
    expect(upload!.bytes).to.equal(SIZE);
    expect(upload!.digest()).to.equal(sha256Of(6, SIZE));
    expect(pings.received).to.equal(150);
    expect(grows).to.equal(150);
    expect(codec().memoryBuffer().byteLength).to.be.at.least(before + 150 * 65536);
    expect(midBatch, 'echo requests followed by more rows in their batch').to.be.greaterThan(0);
    expect(s.stack.stats.ip.malformed + s.stack.stats.dropped.malformed + s.stack.stats.dropped.badChecksum).to.equal(
      0,
    );
  });
});
