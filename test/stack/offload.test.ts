// Segmentation offload through the Stack: over a device that advertises maxOffloadSize, a bulk
// sender hands it TCP super-packets with the connection's MSS as the segment size; the device
// here cuts them in software as the kernel's GSO would, so the peer sees ordinary MTU-sized
// segments and the transfer must still be exact.

import { expect } from 'chai';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { MemoryLink } from '../../src/link/memory-link.js';
import { VirtualClock } from '../../src/base/clock.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { Stack } from '../../src/stack/stack.js';
import { internetChecksum, onesComplementSum } from '../../src/wire/checksum.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6 } from './harness.js';
import { receiveAll, sendAll, sha256Of, type Received } from './transfer-helpers.js';

const FIN = 0x01;
const PSH = 0x08;

/**
 * Cuts a TCP super-packet into wire segments of `segmentSize` payload bytes, as Linux's
 * tcp_gso_segment does: the same headers on each, sequence numbers advanced, lengths and
 * checksums recomputed, FIN and PSH kept for the last segment only.
 */
function segment(packet: Uint8Array, segmentSize: number): Uint8Array[] {
  const version = packet[0]! >> 4;
  const ipLength = version === 4 ? (packet[0]! & 15) * 4 : 40;
  const headerLength = ipLength + (packet[ipLength + 12]! >> 4) * 4;
  const payload = packet.length - headerLength;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const firstSeq = view.getUint32(ipLength + 4);
  const flags = packet[ipLength + 13]!;
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < payload; offset += segmentSize) {
    const n = Math.min(segmentSize, payload - offset);
    const p = new Uint8Array(headerLength + n);
    p.set(packet.subarray(0, headerLength));
    p.set(packet.subarray(headerLength + offset, headerLength + offset + n), headerLength);
    const v = new DataView(p.buffer);
    const tcpLength = p.length - ipLength;
    const pseudo = new Uint8Array(version === 4 ? 12 : 40);
    const pv = new DataView(pseudo.buffer);
    if (version === 4) {
      v.setUint16(2, p.length);
      v.setUint16(10, 0);
      v.setUint16(10, internetChecksum(p.subarray(0, ipLength)));
      pseudo.set(p.subarray(12, 20));
      pv.setUint16(8, 6);
      pv.setUint16(10, tcpLength);
    } else {
      v.setUint16(4, tcpLength);
      pseudo.set(p.subarray(8, 40));
      pv.setUint32(32, tcpLength);
      pv.setUint32(36, 6);
    }
    v.setUint32(ipLength + 4, (firstSeq + offset) >>> 0);
    if (offset + n < payload) p[ipLength + 13] = flags & ~(FIN | PSH);
    v.setUint16(ipLength + 16, 0);
    v.setUint16(ipLength + 16, internetChecksum(p.subarray(ipLength), onesComplementSum(pseudo)));
    out.push(p);
  }
  return out;
}

/** A device with segmentation offload in software, noting what the stack handed it. */
class SoftwareGso implements Device {
  /** Packets handed over with a segment size: [length, segmentSize]. */
  readonly offloaded: Array<[number, number]> = [];
  /** The largest packet handed over without a segment size. */
  maxPlain = 0;
  readonly maxOffloadSize: number | undefined;
  readonly #inner: Device;
  constructor(inner: Device, offload: boolean) {
    this.#inner = inner;
    this.maxOffloadSize = offload ? 65535 : undefined;
  }
  get mtu(): number {
    return this.#inner.mtu;
  }
  send(packet: Uint8Array, segmentSize?: number): void {
    if (segmentSize === undefined) {
      this.maxPlain = Math.max(this.maxPlain, packet.length);
      this.#inner.send(packet);
      return;
    }
    this.offloaded.push([packet.length, segmentSize]);
    for (const wire of segment(packet, segmentSize)) this.#inner.send(wire);
  }
  onReceive(handler: PacketBatchHandler | null): void {
    this.#inner.onReceive(handler);
  }
  close(): void {
    this.#inner.close();
  }
}

const SIZE = 2 * 1024 * 1024;

async function download(family: 4 | 6, offload: boolean) {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ mtu: 1500, clock, delayMs: 1 });
  const serverDevice = new SoftwareGso(b, offload);
  const client = new Stack({ device: a, addresses: [`${CLIENT_V4}/24`, `${CLIENT_V6}/64`], clock });
  const server = new Stack({ device: serverDevice, addresses: [`${SERVER_V4}/24`, `${SERVER_V6}/64`], clock });
  server.createServer((s: TcpSocket) => sendAll(s, 31, SIZE)).listen(5001);
  const socket = client.connect({ port: 5001, host: family === 4 ? SERVER_V4 : SERVER_V6 });
  const got: Received = receiveAll(socket);
  let closed = false;
  socket.on('close', () => (closed = true));
  await clock.runUntil(() => closed, 120_000);
  return { got, serverDevice, server, client };
}

describe('Stack: segmentation offload over a device that advertises it', function () {
  this.timeout(60_000);

  for (const family of [4, 6] as const) {
    // MTU 1500 less IP and TCP headers, less the 12 bytes of the timestamp option.
    const mss = 1500 - (family === 4 ? 40 : 60) - 12;
    it(`IPv${family}: ${SIZE / 1024 / 1024} MB go in super-packets cut at MSS ${mss}, exact`, async () => {
      const { got, serverDevice, server } = await download(family, true);
      expect(got.bytes).to.equal(SIZE);
      expect(got.digest()).to.equal(sha256Of(31, SIZE));
      const offloaded = serverDevice.offloaded;
      expect(offloaded.length).to.be.greaterThan(0);
      for (const [length, size] of offloaded) {
        expect(size).to.equal(mss);
        expect(length).to.be.greaterThan(1500).and.at.most(65535);
      }
      // Most of the data went that way: far fewer packets than 1-MSS segmentation needs.
      const offloadedBytes = offloaded.reduce((n, [length]) => n + length, 0);
      expect(offloadedBytes).to.be.greaterThan(SIZE / 2);
      expect(server.stats.ip.packetsOut).to.be.lessThan(SIZE / mss / 2);
      // Nothing over the MTU went without a segment size, and nothing was refused as too big.
      expect(serverDevice.maxPlain).to.be.at.most(1500);
      expect(server.stats.ip.tooBig).to.equal(0);
    });
  }

  it('without maxOffloadSize the same device gets only MTU-sized packets', async () => {
    const { got, serverDevice, server } = await download(4, false);
    expect(got.digest()).to.equal(sha256Of(31, SIZE));
    expect(serverDevice.offloaded).to.deep.equal([]);
    expect(serverDevice.maxPlain).to.equal(1500);
    expect(server.stats.ip.packetsOut).to.be.greaterThan(SIZE / 1448);
  });
});
