import { expect } from 'chai';
import { MemoryLink } from '../../src/link/memory-link.js';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { decodeIp } from '../../src/wire/decode.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6 } from './harness.js';
import { receiveAll, sendAll, sha256Of, type Received } from './transfer-helpers.js';

/** Passes packets through, noting the size and SYN MSS option of each one sent. */
class Recorder implements Device {
  readonly sizes: number[] = [];
  readonly synMss: number[] = [];
  readonly #inner: Device;
  constructor(inner: Device) {
    this.#inner = inner;
  }
  get mtu(): number {
    return this.#inner.mtu;
  }
  send(packet: Uint8Array): void {
    this.sizes.push(packet.length);
    const d = decodeIp(packet);
    if (d.tcp.flags & 0x02) this.synMss.push(d.tcp.options.mss ?? -1);
    this.#inner.send(packet);
  }
  onReceive(handler: PacketBatchHandler | null): void {
    this.#inner.onReceive(handler);
  }
  close(): void {
    this.#inner.close();
  }
}

const MTU = 65000;
const SIZE = 4 * 1024 * 1024;

function pair(tcp: { mss?: number } = {}) {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ mtu: MTU, clock, delayMs: 1 });
  const clientDevice = new Recorder(a);
  const serverDevice = new Recorder(b);
  const client = new Stack({ device: clientDevice, addresses: [`${CLIENT_V4}/24`, `${CLIENT_V6}/64`], clock, tcp });
  const server = new Stack({ device: serverDevice, addresses: [`${SERVER_V4}/24`, `${SERVER_V6}/64`], clock, tcp });
  return { clock, client, server, clientDevice, serverDevice, links: [a, b] as const };
}

describe('Stack: MSS follows the device MTU', function () {
  this.timeout(120_000);

  for (const family of [4, 6] as const) {
    const mss = MTU - (family === 4 ? 40 : 60);
    it(`IPv${family} at MTU ${MTU}: announces MSS ${mss} and moves ${SIZE / 1024 / 1024} MB each way in full-sized segments, exact`, async () => {
      const p = pair();
      let serverGot: Received | undefined;
      let closed = 0;
      const errors: Error[] = [];
      const watch = (s: TcpSocket) => {
        s.on('close', () => closed++);
        s.on('error', (e) => errors.push(e));
      };
      p.server
        .createServer({ allowHalfOpen: true }, (s) => {
          watch(s);
          serverGot = receiveAll(s);
          sendAll(s, 22, SIZE);
        })
        .listen(5001);
      const client = p.client.connect({ port: 5001, host: family === 4 ? SERVER_V4 : SERVER_V6, allowHalfOpen: true });
      watch(client);
      const clientGot = receiveAll(client);
      client.on('connect', () => sendAll(client, 11, SIZE));
      await p.clock.runUntil(() => closed === 2, 60_000);

      expect(errors).to.deep.equal([]);
      expect(p.clientDevice.synMss).to.deep.equal([mss]);
      expect(p.serverDevice.synMss).to.deep.equal([mss]);
      expect(serverGot!.bytes).to.equal(SIZE);
      expect(clientGot.bytes).to.equal(SIZE);
      expect(serverGot!.digest()).to.equal(sha256Of(11, SIZE));
      expect(clientGot.digest()).to.equal(sha256Of(22, SIZE));
      // Full-sized segments fill the MTU exactly (the timestamp option takes its 12 bytes from the
      // payload, as in Linux), and none is bigger.
      const full = MTU;
      for (const d of [p.clientDevice, p.serverDevice]) {
        expect(Math.max(...d.sizes)).to.equal(full);
        expect(d.sizes.filter((n) => n === full).length).to.be.greaterThan(SIZE / mss / 2);
      }
      expect(p.links[0].counters.oversize + p.links[1].counters.oversize).to.equal(0);
    });
  }

  it('tcp.mss, when given, caps the MSS below what the MTU allows', async () => {
    const p = pair({ mss: 1460 });
    p.server.createServer((s) => s.end()).listen(80);
    const client = p.client.connect({ port: 80, host: SERVER_V4 });
    let closed = false;
    client.on('close', () => {
      closed = true;
    });
    client.resume();
    await p.clock.runUntil(() => closed, 10_000);
    expect(p.clientDevice.synMss).to.deep.equal([1460]);
    expect(p.serverDevice.synMss).to.deep.equal([1460]);
  });
});
