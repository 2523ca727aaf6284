// Path MTU discovery with the Linux kernel as the router: the peer's namespace forwards our
// packets over a veth link to a second namespace, where a kernel echo server listens; the
// router's route there has a locked MTU of 1280 (both ends of the link are 1500, so the server
// offers MSS 1460). Our full-sized (1500-byte, DF) segments make the router send Fragmentation Needed
// (IPv4) or Packet Too Big (IPv6); the stack lowers the MSS, resends, and the transfer completes
// byte-exact. Addresses behind the router: 203.0.113.0/24, 2001:db8:113::/64.

import { expect } from 'chai';
import type { TcpSocket } from '../../src/index.js';
import { createNetns, type Netns } from '../helpers/netns.js';
import { receiveAll, sendAll, sha256Of } from '../stack/transfer-helpers.js';
import { CLIENTS, FAMILIES, interopSuite, KernelProgram, until } from './fixture.js';

const ROUTER = { 4: '203.0.113.1', 6: '2001:db8:113::1' } as const;
const FAR = { 4: '203.0.113.2', 6: '2001:db8:113::2' } as const;
const LINK_MTU = 1280;
const SIZE = 1 << 20;

describe('interop: path MTU discovery through a kernel router', function () {
  this.timeout(120_000);
  const open = interopSuite();
  let far: Netns | null = null;
  let server: KernelProgram | null = null;

  afterEach(async () => {
    server?.kill();
    if (server) await server.exited;
    server = null;
    far?.delete();
    far = null;
  });

  for (const family of FAMILIES) {
    it(`IPv${family}: ${family === 4 ? 'Fragmentation Needed' : 'Packet Too Big'} from the router lowers the MSS; 1 MiB echoed exact`, async () => {
      const peer = await open();
      far = createNetns();
      const r = (cmd: string, ...args: string[]) => peer.ns.runSync(cmd, args);
      const f = (cmd: string, ...args: string[]) => far!.runSync(cmd, args);
      r('ip', 'link', 'add', 'r0', 'type', 'veth', 'peer', 'name', 'f0', 'netns', far.name);
      r('ip', 'addr', 'add', `${ROUTER[4]}/24`, 'dev', 'r0');
      r('ip', '-6', 'addr', 'add', `${ROUTER[6]}/64`, 'dev', 'r0', 'nodad');
      r('ip', 'link', 'set', 'r0', 'up');
      // Forwarding honours a route's MTU when it is locked (ip_dst_mtu_maybe_forward).
      r('ip', 'route', 'replace', '203.0.113.0/24', 'dev', 'r0', 'mtu', 'lock', String(LINK_MTU));
      // (IPv6's connected route has metric 256; this one must win.)
      r(
        'ip',
        '-6',
        'route',
        'replace',
        '2001:db8:113::/64',
        'dev',
        'r0',
        'metric',
        '1',
        'mtu',
        'lock',
        String(LINK_MTU),
      );
      r('sysctl', '-qw', 'net.ipv4.ip_forward=1');
      r('sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
      f('ip', 'addr', 'add', `${FAR[4]}/24`, 'dev', 'f0');
      f('ip', '-6', 'addr', 'add', `${FAR[6]}/64`, 'dev', 'f0', 'nodad');
      f('ip', 'link', 'set', 'f0', 'up');
      f('ip', 'route', 'add', 'default', 'via', ROUTER[4]);
      f('ip', '-6', 'route', 'add', 'default', 'via', ROUTER[6]);

      const child = far.exec(process.execPath, [`${CLIENTS}tcp-server.mjs`, '7007', FAR[family]], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server = new KernelProgram(child, 'tcp-server.mjs in the far namespace');
      await server.waitFor('listening', 20_000);

      const stack = peer.stack;
      const socket: TcpSocket = stack.connect(7007, FAR[family]);
      let failed: Error | null = null;
      socket.on('error', (e) => {
        failed = e;
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const got = receiveAll(socket);
      sendAll(socket, 77 + family, SIZE);
      await until(() => got.ended || failed !== null, 90_000, 'the echo to come back');
      expect(failed).to.equal(null);
      expect(got.bytes).to.equal(SIZE);
      expect(got.digest()).to.equal(sha256Of(77 + family, SIZE));
      const icmp = stack.stats.icmp;
      expect(icmp.tooBigIn, 'ICMP errors from the router').to.be.greaterThan(0);
      expect(icmp.pathMtuReductions).to.equal(1);
      expect(icmp.errorsUnmatched).to.equal(0);
    });
  }
});
