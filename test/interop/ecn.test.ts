// ECN with the Linux kernel as the peer (RFC 3168): our SYN asks, the kernel (tcp_ecn = 2, its
// default: agree when asked) agrees, and both ends send ECT(0) data. A device between the stack
// and the TUN plays an AQM router and marks every 150th ECT packet CE in each direction (the
// kernel's qdiscs that would mark are not available everywhere): the kernel's CE-marked data
// makes us echo ECE and the kernel answer with CWR; our CE-marked data makes the kernel echo ECE
// and us answer with CWR. 4 MiB goes there and back exact.

import { expect } from 'chai';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { internetChecksum } from '../../src/wire/checksum.js';
import { receiveAll, sendAll, sha256Of } from '../stack/transfer-helpers.js';
import { ACK, flow, has, SYN, tcpSegments, type Segment } from './capture.js';
import { startServices } from '../../src/serve/services.js';
import { done, FAMILIES, interopSuite, KERNEL, OURS } from './fixture.js';

const ECE = 0x40;
const CWR = 0x80;
const PORT = 6100;
const SIZE = 4 * 1024 * 1024;
const EVERY = 150;

const ecnOf = (p: Uint8Array): number => (p[0]! >> 4 === 4 ? p[1]! : p[1]! >> 4) & 3;

/** Sets CE on an ECT packet (IPv4: the header checksum follows; IPv6's header has none). */
function markCe(p: Uint8Array): void {
  if (p[0]! >> 4 === 4) {
    p[1] = p[1]! | 3;
    p[10] = 0;
    p[11] = 0;
    const sum = internetChecksum(p.subarray(0, (p[0]! & 0x0f) * 4));
    p[10] = sum >> 8;
    p[11] = sum & 0xff;
  } else {
    p[1] = p[1]! | 0x30;
  }
}

/** A test AQM: marks every EVERY-th ECN-capable packet CE, in and out. */
class CeMarker implements Device {
  readonly mtu: number;
  ectIn = 0;
  ectOut = 0;
  marksIn = 0;
  marksOut = 0;
  readonly #inner: Device;

  constructor(inner: Device) {
    this.#inner = inner;
    this.mtu = inner.mtu;
  }

  send(packet: Uint8Array, segmentSize?: number): void {
    const e = ecnOf(packet);
    if ((e === 1 || e === 2) && ++this.ectOut % EVERY === 0) {
      markCe(packet);
      this.marksOut++;
    }
    this.#inner.send(packet, segmentSize);
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#inner.onReceive(
      handler === null
        ? null
        : (packets) => {
            for (const p of packets) {
              const e = ecnOf(p);
              if ((e === 1 || e === 2) && ++this.ectIn % EVERY === 0) {
                markCe(p);
                this.marksIn++;
              }
            }
            handler(packets);
          },
    );
  }

  close(): void {
    this.#inner.close();
  }
}

describe('interop: ECN with the kernel', function () {
  this.timeout(120_000);
  const open = interopSuite();

  for (const family of FAMILIES) {
    it(`IPv${family}: negotiated with the kernel; CE marks both ways are echoed (ECE) and answered (CWR); 4 MiB there and back exact`, async () => {
      let marker: CeMarker | null = null;
      const peer = await open({ tap: true, tcp: { ecn: 'on' }, insert: (inner) => (marker = new CeMarker(inner)) });
      peer.ns.runSync('sysctl', ['-qw', 'net.ipv4.tcp_ecn=2']); // the kernel's default: agree when asked
      const server = peer.node('tcp-server.mjs', [PORT, KERNEL[family]]);
      await server.waitFor('listening', 10_000);
      const seed = 500 + family;
      const socket = peer.stack.connect({ port: PORT, host: KERNEL[family], allowHalfOpen: true });
      const got = receiveAll(socket);
      const errors: Error[] = [];
      socket.on('error', (e) => errors.push(e));
      socket.on('connect', () => sendAll(socket, seed, SIZE));
      await new Promise((resolve) => socket.on('close', resolve));
      expect(errors).to.deep.equal([]);
      expect(got.bytes).to.equal(SIZE);
      expect(got.digest()).to.equal(sha256Of(seed, SIZE));
      expect(peer.stack.stats.resetsSent + peer.stack.stats.resetsReceived).to.equal(0);

      // The tap sees what the stack sends before the marker, and what it receives after it.
      const segments = flow(tcpSegments(peer.tap!.pcap()), socket.localPort!, PORT);
      const ours = (s: Segment) => s.tcp.srcPort === socket.localPort;
      const syn = segments.find((s) => has(s, SYN) && !has(s, ACK))!;
      const synAck = segments.find((s) => has(s, SYN | ACK))!;
      expect(syn.tcp.flags & (ECE | CWR)).to.equal(ECE | CWR);
      expect(synAck.tcp.flags & (ECE | CWR)).to.equal(ECE); // the kernel agrees
      const data = (mine: boolean) => segments.filter((s) => ours(s) === mine && s.payload.length > 0 && !has(s, SYN));
      const ecn = (s: Segment) => (s.ip.version === 4 ? s.ip.tos : s.ip.trafficClass) & 3;
      // Both send ECN-capable data (ours all ECT(0) or Not-ECT retransmissions; theirs ECT(0) or our CE).
      expect(data(true).filter((s) => ecn(s) === 2).length).to.be.greaterThan(data(true).length * 0.9);
      expect(data(false).filter((s) => ecn(s) === 2 || ecn(s) === 3).length).to.be.greaterThan(
        data(false).length * 0.9,
      );
      const m = marker!;
      expect(m.marksIn).to.be.greaterThan(5);
      expect(m.marksOut).to.be.greaterThan(5);
      // Kernel → us marked: we echo ECE, the kernel answers CWR.
      expect(segments.filter((s) => ours(s) && has(s, ECE)).length, 'our ECEs').to.be.greaterThan(0);
      expect(segments.filter((s) => !ours(s) && has(s, CWR)).length, 'kernel CWRs').to.be.greaterThan(0);
      // Us → kernel marked: the kernel echoes ECE, we answer CWR on new data.
      expect(segments.filter((s) => !ours(s) && has(s, ECE) && !has(s, SYN)).length, 'kernel ECEs').to.be.greaterThan(
        0,
      );
      const ourCwr = segments.filter((s) => ours(s) && has(s, CWR) && !has(s, SYN));
      expect(ourCwr.length, 'our CWRs').to.be.greaterThan(0);
      expect(ourCwr.every((s) => s.payload.length > 0 && ecn(s) === 2)).to.equal(true);
    });
  }

  it("IPv4: a kernel client that asks (tcp_ecn = 1) gets ECN from our default ('passive') echo server", async () => {
    const peer = await open({ tap: true });
    peer.ns.runSync('sysctl', ['-qw', 'net.ipv4.tcp_ecn=1']);
    startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
    const result = await done(peer.node('tcp-client.mjs', [OURS[4], 7, '--send', 200_000, '--seed', 9]), 60_000);
    expect(result.error ?? null).to.equal(null);
    expect(result.received).to.equal(200_000);
    const segments = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), 7);
    const syn = segments.find((s) => has(s, SYN) && !has(s, ACK))!;
    const synAck = segments.find((s) => has(s, SYN | ACK))!;
    expect(syn.tcp.flags & (ECE | CWR)).to.equal(ECE | CWR);
    expect(synAck.tcp.flags & (ECE | CWR)).to.equal(ECE);
    const ourData = segments.filter((s) => s.tcp.srcPort === 7 && s.payload.length > 0);
    expect(ourData.length).to.be.greaterThan(0);
    expect(ourData.filter((s) => s.ip.version === 4 && (s.ip.tos & 3) === 2).length).to.be.greaterThan(
      ourData.length * 0.9,
    );
  });
});
