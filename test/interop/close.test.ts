import { expect } from 'chai';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { decodeIp } from '../../src/wire/decode.js';
import { FIN, flow, has, RST, tcpSegments } from './capture.js';
import { done, FAMILIES, interopSuite, OURS, until, type KernelPeer } from './fixture.js';

const PORT = 5000;
const TIME_WAIT_MS = 1500;

/** The kernel's TCP sockets in TIME-WAIT in the namespace, as "local peer" address pairs. */
function kernelTimeWait(peer: KernelPeer): string[] {
  return peer.ns
    .runSync('ss', ['-tanH', 'state', 'time-wait'])
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The socket's TCP state at each of its events, in order. */
function statesAtEvents(socket: TcpSocket): string[] {
  const seen: string[] = [];
  for (const event of ['end', 'finish', 'close']) socket.on(event, () => seen.push(`${event}:${socket.tcpState}`));
  return seen;
}

function expectNoResets(peer: KernelPeer): void {
  expect(peer.stack.stats.resetsSent, 'RSTs we sent').to.equal(0);
  expect(peer.stack.stats.resetsReceived, 'RSTs we received').to.equal(0);
  const rsts = tcpSegments(peer.tap!.pcap()).filter((s) => has(s, RST));
  expect(
    rsts.map((s) => `${s.ip.src}:${s.tcp.srcPort}`),
    'RST segments in the capture',
  ).to.deep.equal([]);
}

/**
 * Between the stack and the TUN device: once armed, holds every packet from the kernel from its
 * first FIN on (copies: TUN views live only during the handler), so our FIN can be sent before
 * the stack learns of the kernel's. release() hands the FIN over alone, then the rest.
 */
class FinGate implements Device {
  readonly mtu: number;
  armed = false;
  held: Uint8Array[] = [];
  onHeld: (() => void) | null = null;
  #handler: PacketBatchHandler | null = null;

  constructor(readonly inner: Device) {
    this.mtu = inner.mtu;
  }

  send(packet: Uint8Array): void {
    this.inner.send(packet);
  }
  close(): void {
    this.inner.close();
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#handler = handler;
    this.inner.onReceive(
      handler === null
        ? null
        : (packets) => {
            const pass: Uint8Array[] = [];
            for (const p of packets) {
              let fin = false;
              try {
                fin = (decodeIp(p).tcp.flags & FIN) !== 0;
              } catch {
                /* not TCP */
              }
              if (this.armed && (fin || this.held.length > 0)) {
                this.held.push(p.slice());
                if (fin && this.held.length === 1) queueMicrotask(() => this.onHeld?.());
              } else pass.push(p);
            }
            if (pass.length > 0) handler(pass);
          },
    );
  }

  /** Delivers the held FIN on its own; returns a function that delivers what came after it. */
  release(): () => void {
    this.armed = false;
    const [fin, ...rest] = this.held;
    this.held = [];
    if (fin) this.#handler?.([fin]);
    return () => {
      if (rest.length > 0) this.#handler?.(rest);
    };
  }
}

describe('interop: closing connections with the Linux kernel', function () {
  this.timeout(60_000);
  const open = interopSuite();

  for (const family of FAMILIES) {
    const host = OURS[family];

    it(`IPv${family}: the kernel closes first: we pass CLOSE-WAIT and LAST-ACK to CLOSED, the kernel keeps TIME-WAIT, no RST`, async () => {
      const peer = await open({ tap: true, tcp: { timeWaitTime: TIME_WAIT_MS } });
      let states: string[] = [];
      let got = 0;
      const closed = new Promise<boolean>((resolve) => {
        peer.stack
          .createServer({ allowHalfOpen: true }, (socket) => {
            states = statesAtEvents(socket);
            socket.on('data', (d: Buffer) => {
              got += d.length;
            });
            // Reply and close only once the kernel's FIN is in.
            socket.on('end', () => socket.end('bye'));
            socket.on('close', resolve);
          })
          .listen(PORT);
      });
      const result = await done(peer.node('tcp-client.mjs', [host, PORT, '--send', 1000]));
      const hadError = await closed;
      expect(result.error).to.equal(null);
      expect(result.received).to.equal(3);
      expect(result.gotEnd).to.equal(true);
      expect(got).to.equal(1000);
      expect(hadError).to.equal(false);
      // 'close' comes once both directions are done (as node:net's), before the kernel's last ACK.
      expect(states).to.deep.equal(['end:CLOSE-WAIT', 'finish:LAST-ACK', 'close:LAST-ACK']);
      // The passive closer keeps nothing once that ACK is in; the kernel, which closed first, is in TIME-WAIT.
      await until(() => peer.stack.connectionCount === 0, 5_000, "the kernel's ACK of our FIN");
      expect(peer.stack.stats.stack.closed).to.equal(1);
      const tw = kernelTimeWait(peer);
      expect(
        tw.some((l) => l.includes(`:${String(result.localPort)} `)),
        tw.join('\n'),
      ).to.equal(true);
      const segments = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), PORT);
      const fins = segments.filter((s) => has(s, FIN));
      expect(fins.map((s) => s.ip.src)).to.deep.equal([family === 4 ? '198.51.100.1' : '2001:db8::1', host]);
      expectNoResets(peer);
    });

    it(`IPv${family}: we close first: FIN-WAIT to TIME-WAIT on our side, which then expires; the kernel keeps nothing, no RST`, async () => {
      const peer = await open({ tap: true, tcp: { timeWaitTime: TIME_WAIT_MS } });
      let states: string[] = [];
      const closed = new Promise<boolean>((resolve) => {
        peer.stack
          .createServer((socket) => {
            states = statesAtEvents(socket);
            // Reading (and discarding) is what lets 'end' and then 'close' come, as in node:net.
            socket.resume();
            socket.end('bye');
            socket.on('close', resolve);
          })
          .listen(PORT);
      });
      const result = await done(peer.node('tcp-client.mjs', [host, PORT, '--no-end']));
      expect(await closed).to.equal(false);
      expect(result.error).to.equal(null);
      expect(result.received).to.equal(3);
      expect(result.gotEnd).to.equal(true);
      // Our FIN goes out (FIN-WAIT-1); the kernel's FIN, sent after it got ours, acknowledges
      // ours too: straight to TIME-WAIT, where 'end' and 'close' find us.
      expect(states).to.deep.equal(['finish:FIN-WAIT-1', 'end:TIME-WAIT', 'close:TIME-WAIT']);
      expect(peer.stack.connectionCount).to.equal(1);
      expect(kernelTimeWait(peer)).to.deep.equal([]);
      const segments = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), PORT);
      expect(segments.filter((s) => has(s, FIN)).map((s) => s.ip.src)[0]).to.equal(host);
      await until(() => peer.stack.connectionCount === 0, TIME_WAIT_MS + 5_000, 'TIME-WAIT to expire');
      expect(peer.stack.stats.stack.closed).to.equal(1);
      expectNoResets(peer);
    });

    it(`IPv${family}: both close at once: the FINs cross, both sides go through CLOSING to TIME-WAIT, no RST`, async () => {
      // The gate sits under the tap, so the capture shows when the stack really got each packet.
      let gate!: FinGate;
      const peer = await open({
        tap: true,
        tcp: { timeWaitTime: TIME_WAIT_MS },
        insert: (inner) => (gate = new FinGate(inner)),
      });
      const stack = peer.stack;
      let stateBefore = '';
      let stateAfterFin = '';
      let stateAfterRest = '';
      let states: string[] = [];
      const closed = new Promise<boolean>((resolve) => {
        stack
          .createServer({ allowHalfOpen: true }, (socket) => {
            states = statesAtEvents(socket);
            socket.on('close', resolve);
            socket.resume();
            gate.armed = true;
            gate.onHeld = () => {
              // The kernel's FIN is held: now ours goes out, and the kernel gets it in FIN-WAIT-1.
              socket.end();
              setTimeout(() => {
                stateBefore = socket.tcpState;
                const rest = gate.release();
                stateAfterFin = socket.tcpState;
                rest();
                stateAfterRest = socket.tcpState;
              }, 50);
            };
            socket.write('go');
          })
          .listen(PORT);
      });
      const result = await done(peer.node('tcp-client.mjs', [host, PORT, '--end-on-data']));
      expect(await closed).to.equal(false);
      expect(result.error).to.equal(null);
      expect(result.gotEnd).to.equal(true);
      // Our FIN out, the kernel's held: FIN-WAIT-1; the kernel's FIN in: CLOSING; the kernel's
      // ACK of our FIN (sent when it got it, held behind its FIN) in: TIME-WAIT.
      expect([stateBefore, stateAfterFin, stateAfterRest]).to.deep.equal(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
      expect(states).to.deep.equal(['finish:FIN-WAIT-1', 'end:TIME-WAIT', 'close:TIME-WAIT']);
      const segments = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), PORT);
      const kernelFin = segments.find((s) => has(s, FIN) && s.ip.src !== host)!;
      const ourFin = segments.find((s) => has(s, FIN) && s.ip.src === host)!;
      // Crossed: neither FIN acknowledges the other.
      expect(kernelFin.tcp.ack).to.equal(ourFin.tcp.seq);
      expect(ourFin.tcp.ack).to.equal(kernelFin.tcp.seq);
      // Both ends closed actively, so both are in TIME-WAIT.
      expect(stack.connectionCount).to.equal(1);
      const tw = kernelTimeWait(peer);
      expect(
        tw.some((l) => l.includes(`:${String(result.localPort)} `)),
        tw.join('\n'),
      ).to.equal(true);
      expectNoResets(peer);
    });

    it(`IPv${family}: the kernel connects to a port nobody listens on and gets ECONNREFUSED from our RST`, async () => {
      const peer = await open({ tap: true });
      const before = { noListener: peer.stack.stats.dropped.noListener, resets: peer.stack.stats.resetsSent };
      const result = await done(peer.node('tcp-client.mjs', [host, 5999]));
      expect(result.connected).to.equal(false);
      expect(result.error).to.equal('ECONNREFUSED');
      expect(peer.stack.stats.dropped.noListener - before.noListener).to.equal(1);
      expect(peer.stack.stats.resetsSent - before.resets).to.equal(1);
      const rst = tcpSegments(peer.tap!.pcap()).filter((s) => has(s, RST));
      expect(rst).to.have.length(1);
      expect(rst[0]!.ip.src).to.equal(host);
      expect(rst[0]!.tcp.srcPort).to.equal(5999);
    });

    it(`IPv${family}: our resetAndDestroy() resets the connection and the kernel's socket fails with ECONNRESET`, async () => {
      const peer = await open({ tap: true });
      let serverError: unknown = 'none';
      peer.stack
        .createServer((socket) => {
          socket.once('data', () => socket.resetAndDestroy());
          socket.on('error', (e) => {
            serverError = e;
          });
        })
        .listen(PORT);
      const result = await done(peer.node('tcp-client.mjs', [host, PORT, '--send', 1000, '--no-end']));
      expect(result.connected).to.equal(true);
      expect(result.error).to.equal('ECONNRESET');
      expect(serverError).to.equal('none');
      expect(peer.stack.stats.resetsSent).to.equal(1);
      const rst = flow(tcpSegments(peer.tap!.pcap()), Number(result.localPort), PORT).filter((s) => has(s, RST));
      expect(rst.map((s) => s.ip.src)).to.deep.equal([host]);
      await until(() => peer.stack.connectionCount === 0, 5_000, 'the reset connection to leave the table');
    });
  }
});
