import { expect } from 'chai';
import { ACK, flow, has, SYN, tcpSegments } from './capture.js';
import { FAMILIES, interopSuite, KERNEL, OURS } from './fixture.js';
import { receiveAll, sendAll, sha256Of } from '../stack/transfer-helpers.js';

const MB = 1024 * 1024;
const PORT = 6000;
const IP_TCP = { 4: 40, 6: 60 } as const;

describe('interop: our stack as the client of a kernel server', function () {
  this.timeout(120_000);
  const open = interopSuite();

  for (const family of FAMILIES) {
    it(`IPv${family}: stack.connect() to a node:net echo server in the namespace, 20 MB there and back exact`, async () => {
      const peer = await open({ tap: true, tapMaxPackets: 200 });
      const server = peer.node('tcp-server.mjs', [PORT, KERNEL[4], KERNEL[6]]);
      await server.waitFor('listening', 10_000);
      const SIZE = 20 * MB;
      const seed = 300 + family;
      const socket = peer.stack.connect({ port: PORT, host: KERNEL[family], allowHalfOpen: true });
      const got = receiveAll(socket);
      const errors: Error[] = [];
      socket.on('error', (e) => errors.push(e));
      socket.on('connect', () => sendAll(socket, seed, SIZE));
      const hadError = await new Promise<boolean>((resolve) => socket.on('close', resolve));
      expect(errors).to.deep.equal([]);
      expect(hadError).to.equal(false);
      expect(got.bytes).to.equal(SIZE);
      expect(got.ended).to.equal(true);
      expect(got.digest()).to.equal(sha256Of(seed, SIZE));
      expect(socket.localAddress).to.equal(OURS[family]);
      // We sent the first FIN, so the TIME-WAIT is ours.
      expect(socket.tcpState).to.equal('TIME-WAIT');
      expect(peer.stack.stats.stack.activeOpens).to.equal(1);
      expect(peer.stack.stats.resetsSent + peer.stack.stats.resetsReceived).to.equal(0);

      // The kernel server saw one connection from our address and echoed all of it, no error.
      const closed = await server.waitFor('closed', 10_000);
      expect(closed).to.include({
        remoteAddress: OURS[family],
        remotePort: socket.localPort,
        bytes: SIZE,
        hadError: false,
        error: null,
      });

      // Our SYN offers every option; the kernel's SYN-ACK takes them all.
      const segments = flow(tcpSegments(peer.tap!.pcap()), socket.localPort!, PORT);
      const syn = segments.find((s) => has(s, SYN) && !has(s, ACK))!;
      const synAck = segments.find((s) => has(s, SYN | ACK))!;
      expect(syn.ip.src).to.equal(OURS[family]);
      expect(syn.tcp.options.mss).to.equal(Math.min(peer.stack.config.mss, peer.tun.mtu - IP_TCP[family]));
      expect(syn.tcp.options.windowScale).to.be.a('number');
      expect(syn.tcp.options.sackPermitted).to.equal(true);
      expect(syn.tcp.options.timestamp!.echo).to.equal(0);
      expect(synAck.ip.src).to.equal(KERNEL[family]);
      expect(synAck.tcp.ack).to.equal((syn.tcp.seq + 1) >>> 0);
      expect(synAck.tcp.options.mss).to.equal(peer.tun.mtu - IP_TCP[family]);
      expect(synAck.tcp.options.windowScale).to.be.a('number').within(0, 14);
      expect(synAck.tcp.options.sackPermitted).to.equal(true);
      expect(synAck.tcp.options.timestamp!.echo).to.equal(syn.tcp.options.timestamp!.value);
    });
  }

  it('IPv4: stack.connect() to a port the kernel has no listener on fails with ECONNREFUSED', async () => {
    const peer = await open();
    const socket = peer.stack.connect({ port: 6999, host: KERNEL[4] });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.on('error', resolve));
    expect(error.code).to.equal('ECONNREFUSED');
    expect(peer.stack.stats.resetsReceived).to.equal(1);
  });
});
