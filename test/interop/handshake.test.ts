import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices } from '../../src/serve/services.js';
import { hasCommand } from '../helpers/netns.js';
import { sha256Of } from '../stack/transfer-helpers.js';
import { ACK, flow, has, startTcpdump, SYN, tcpSegments, tsharkSyns, type Segment } from './capture.js';
import { done, FAMILIES, interopSuite, KERNEL, OURS, type Family } from './fixture.js';

const MB = 1024 * 1024;
const TS_SPACE = 12; // NOP NOP + 10-byte timestamp option
const IP_TCP = { 4: 40, 6: 60 } as const;

/** The highest count of bytes the sender had out unacknowledged, from a capture of both ways. */
function maxOutstanding(segments: Segment[], senderIsKernel: boolean, family: Family): number {
  let highest = -1;
  let acked = -1;
  let max = 0;
  for (const s of segments) {
    const fromKernel = s.ip.src === KERNEL[family];
    if (fromKernel === senderIsKernel) {
      if (s.payloadLength > 0) {
        const end = (s.tcp.seq + s.payloadLength) >>> 0;
        if (highest < 0 || ((end - highest) | 0) > 0) highest = end;
      }
    } else if (has(s, ACK)) {
      if (acked < 0 || ((s.tcp.ack - acked) | 0) > 0) acked = s.tcp.ack;
    }
    if (highest >= 0 && acked >= 0) max = Math.max(max, (highest - acked) | 0);
  }
  return max;
}

describe('interop: TCP options negotiated with the Linux kernel', function () {
  this.timeout(120_000);
  const open = interopSuite([
    [hasCommand('tcpdump', ['--version']), 'tcpdump is not installed (apt-get install tcpdump)'],
    [hasCommand('tshark', ['--version']), 'tshark is not installed (apt-get install tshark)'],
  ]);
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-interop-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const family of FAMILIES) {
    it(`IPv${family}: MSS, window scale, SACK and timestamps in the kernel's SYN and our SYN-ACK, and then used by the kernel`, async () => {
      // 2% of what we send is lost, so the kernel has reason to send SACK blocks.
      const peer = await open({ tap: true, faults: { outbound: { loss: 0.02 }, seed: 7 + family } });
      const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
      const file = join(dir, 'kernel-side.pcap');
      const tcpdump = await startTcpdump(peer, file);
      const SIZE = 4 * MB;
      const client = peer.node('tcp-client.mjs', [OURS[family], 7, '--send', SIZE, '--seed', 5]);
      const result = await done(client, 60_000);
      await tcpdump.stop();
      expect(result.error).to.equal(null);
      expect(result.receivedSha).to.equal(sha256Of(5, SIZE));

      const segments = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), 7);
      const syn = segments.find((s) => has(s, SYN) && !has(s, ACK))!;
      const synAck = segments.find((s) => has(s, SYN | ACK))!;
      expect(syn, 'kernel SYN in our capture').to.exist;
      expect(synAck, 'our SYN-ACK in our capture').to.exist;
      expect(syn.ip.src).to.equal(KERNEL[family]);
      expect(synAck.ip.src).to.equal(OURS[family]);

      // The kernel's SYN: MSS from the device MTU, and every option it has.
      const mtu = peer.tun.mtu;
      expect(syn.tcp.options.mss).to.equal(mtu - IP_TCP[family]);
      expect(syn.tcp.options.windowScale).to.be.a('number').within(0, 14);
      expect(syn.tcp.options.sackPermitted).to.equal(true);
      expect(syn.tcp.options.timestamp!.value).to.be.greaterThan(0);
      expect(syn.tcp.options.timestamp!.echo).to.equal(0);

      // Our SYN-ACK answers each: our MSS for this MTU, a window scale, SACK, and the kernel's
      // timestamp echoed.
      const ourMss = Math.min(peer.stack.config.mss, mtu - IP_TCP[family]);
      expect(synAck.tcp.options.mss).to.equal(ourMss);
      const ourShift = synAck.tcp.options.windowScale!;
      expect(ourShift).to.be.a('number').within(1, 14);
      expect(synAck.tcp.options.sackPermitted).to.equal(true);
      expect(synAck.tcp.options.timestamp!.echo).to.equal(syn.tcp.options.timestamp!.value);
      expect(synAck.tcp.ack).to.equal((syn.tcp.seq + 1) >>> 0);

      // The kernel saw the same two SYNs (its own capture, read by tshark).
      const kernelView = tsharkSyns(file).filter(
        (s) => s.srcPort === Number(result.localPort) || s.dstPort === Number(result.localPort),
      );
      expect(kernelView.map((s) => [s.flags, s.mss, s.windowScale, s.sackPermitted, s.tsval, s.tsecr])).to.deep.equal([
        [SYN, syn.tcp.options.mss, syn.tcp.options.windowScale, true, syn.tcp.options.timestamp!.value, 0],
        [SYN | ACK, ourMss, ourShift, true, synAck.tcp.options.timestamp!.value, synAck.tcp.options.timestamp!.echo],
      ]);

      // And then the kernel used them. Timestamps: on every later segment, echoing ours.
      const fromKernel = segments.filter((s) => s.ip.src === KERNEL[family] && !has(s, SYN));
      const ours = segments.filter((s) => s.ip.src === OURS[family]);
      const ourTsvals = new Set(ours.map((s) => s.tcp.options.timestamp?.value));
      expect(fromKernel.length).to.be.greaterThan(100);
      for (const s of fromKernel) {
        expect(s.tcp.options.timestamp, `kernel segment #${s.index} without timestamps`).to.exist;
        expect(
          ourTsvals.has(s.tcp.options.timestamp!.echo),
          `kernel segment #${s.index} echoes a TSval we never sent`,
        ).to.equal(true);
      }
      // MSS: the kernel's full-sized segments are exactly our MSS less the timestamp option.
      const largest = Math.max(...fromKernel.map((s) => s.payloadLength));
      expect(largest).to.equal(ourMss - TS_SPACE);
      // Window scale: the kernel kept more than 64 KiB unacknowledged, which only our scaled
      // window allows, and our window fields, scaled, never exceed our receive buffer.
      expect(maxOutstanding(segments, true, family)).to.be.greaterThan(65_535);
      for (const s of ours.filter((x) => !has(x, SYN))) {
        expect(s.tcp.window * 2 ** ourShift).to.be.at.most(peer.stack.config.receiveBufferSize + 2 ** ourShift);
      }
      // SACK: with our segments lost, the kernel's duplicate ACKs carry SACK blocks.
      expect(peer.faulty!.counters.outbound.lost).to.be.greaterThan(0);
      expect(
        fromKernel.some((s) => (s.tcp.options.sack?.length ?? 0) > 0),
        'a SACK block from the kernel',
      ).to.equal(true);
      const st = peer.stack.stats;
      console.log(
        `      lost ${peer.faulty!.counters.outbound.lost} of ${peer.faulty!.counters.outbound.packets} sent; retransmissions ${st.retransmissions} (fast ${st.fastRetransmits}, timeouts ${st.timeouts})`,
      );
      await services.close();
    });
  }

  it('IPv4: what we leave out of our SYN-ACK the kernel does without (no window scale, SACK or timestamps; MSS 1000)', async () => {
    const family = 4;
    const peer = await open({
      tap: true,
      faults: { outbound: { loss: 0.02 }, seed: 21 },
      tcp: { mss: 1000, windowScaling: false, sack: false, timestamps: false },
    });
    const services = startServices(peer.stack, { httpPort: 80, echoPort: 7, discardPort: 9 });
    const SIZE = 2 * MB;
    const result = await done(peer.node('tcp-client.mjs', [OURS[family], 7, '--send', SIZE, '--seed', 6]), 60_000);
    expect(result.error).to.equal(null);
    expect(result.receivedSha).to.equal(sha256Of(6, SIZE));
    const segments = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), 7);
    const syn = segments.find((s) => has(s, SYN) && !has(s, ACK))!;
    const synAck = segments.find((s) => has(s, SYN | ACK))!;
    // The kernel offers everything...
    expect(syn.tcp.options.sackPermitted).to.equal(true);
    expect(syn.tcp.options.timestamp).to.exist;
    expect(syn.tcp.options.windowScale).to.be.a('number');
    // ...we answer with MSS alone...
    expect(synAck.tcp.options.mss).to.equal(1000);
    expect(synAck.tcp.options.windowScale).to.equal(undefined);
    expect(synAck.tcp.options.sackPermitted).to.equal(undefined);
    expect(synAck.tcp.options.timestamp).to.equal(undefined);
    // ...and the kernel follows: no timestamps, no SACK blocks despite our losses, segments of
    // exactly our MSS at most, and never more than 64 KiB out (an unscaled window).
    const fromKernel = segments.filter((s) => s.ip.src === KERNEL[family] && !has(s, SYN));
    expect(peer.faulty!.counters.outbound.lost).to.be.greaterThan(0);
    for (const s of fromKernel) {
      expect(s.tcp.options.timestamp, `segment #${s.index}`).to.equal(undefined);
      expect(s.tcp.options.sack, `segment #${s.index}`).to.equal(undefined);
    }
    expect(Math.max(...fromKernel.map((s) => s.payloadLength))).to.equal(1000);
    expect(maxOutstanding(segments, true, family)).to.be.at.most(65_535);
    await services.close();
  });
});
