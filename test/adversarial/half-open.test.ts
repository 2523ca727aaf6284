// Adversarial: peers that vanish without their RST arriving (issue 12: after a lossy soak, 30
// server connections sat in ESTABLISHED with no timer, forever). The services' connections are
// reaped anyway: idle HTTP keep-alive connections by keepAliveTimeout and the FIN's
// retransmission limit, echo and discard connections by TCP keep-alive (on by default in serve).
// In virtual time over a MemoryLink whose server end drops every RST, then everything.

import { expect } from 'chai';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { MemoryLink } from '../../src/link/memory-link.js';
import { startServices } from '../../src/serve/services.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';

const RST = 0x04;

/** The server's side of the link: drops every RST it receives, and after cut() every packet. */
class LossyEnd implements Device {
  readonly mtu: number;
  dropped = 0;
  #cut = false;
  constructor(readonly inner: Device) {
    this.mtu = inner.mtu;
  }
  cut(): void {
    this.#cut = true;
  }
  send(packet: Uint8Array): void {
    if (this.#cut) this.dropped++;
    else this.inner.send(packet);
  }
  onReceive(handler: PacketBatchHandler | null): void {
    this.inner.onReceive(
      handler === null
        ? null
        : (packets) => {
            const kept = packets.filter((p) => {
              const tcp = p[0]! >> 4 === 4 ? (p[0]! & 0x0f) * 4 : 40;
              const lost = this.#cut || (p[p[0]! >> 4 === 4 ? 9 : 6] === 6 && (p[tcp + 13]! & RST) !== 0);
              if (lost) this.dropped++;
              return !lost;
            });
            if (kept.length > 0) handler(kept);
          },
    );
  }
  close(): void {
    this.inner.close();
  }
}

describe('adversarial: half-open peers', () => {
  it('reaps HTTP keep-alive, echo and discard connections whose peers vanished with their RSTs lost', async function () {
    this.timeout(120_000);
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({ clock, delayMs: 1 });
    const lossy = new LossyEnd(b);
    const server = new Stack({ device: lossy, addresses: ['198.51.100.2/24'], clock });
    const client = new Stack({ device: a, addresses: ['198.51.100.1/24'], clock });
    const services = startServices(server);
    const sockets: TcpSocket[] = [];
    for (let i = 0; i < 30; i++) {
      for (const port of [80, 7, 9]) {
        const s = client.connect(port, '198.51.100.2');
        s.on('error', () => {});
        s.on('data', () => {});
        // HTTP: one keep-alive request, answered, then idle; echo: one line echoed; discard: idle.
        s.write(port === 80 ? 'GET /bytes/100 HTTP/1.1\r\nHost: x\r\n\r\n' : 'hello\n');
        sockets.push(s);
      }
    }
    await clock.runUntil(
      () =>
        services.counters.http.requests === 30 &&
        services.counters.echo.bytes === 30 * 6 &&
        services.counters.discard.bytes === 30 * 6,
      60_000,
    );
    expect(server.connectionCount).to.equal(90);
    // The clients reset everything; each RST is lost on the link. Then the clients are gone.
    for (const s of sockets) s.resetAndDestroy();
    await clock.runUntil(() => client.connectionCount === 0, 10_000);
    clock.advance(10); // the RSTs cross the link
    expect(lossy.dropped).to.be.at.least(90);
    expect(server.connectionCount).to.equal(90);
    lossy.cut();
    const start = clock.now();
    await clock.runUntil(() => server.connectionCount === 0, 3_600_000);
    const reapedAfter = clock.now() - start;
    console.log(`      90 half-open connections reaped after ${(reapedAfter / 1000).toFixed(0)} virtual s`);
    // Echo and discard: keep-alive, 60 s idle then 9 probes 75 s apart (Linux's numbers), 735 s.
    // HTTP: keepAliveTimeout ends the connection after 5-6 s; its FIN is retransmitted 15 times
    // with backoff (Linux's tcp_retries2 = 15: 924.6 s) before the connection times out.
    expect(reapedAfter)
      .to.be.at.least(60_000 + 9 * 75_000)
      .and.below(1_000_000);
    // Idle ones were found by keep-alive: 9 unanswered probes each before ETIMEDOUT.
    expect(server.stats.keepAliveProbes)
      .to.be.at.least(9)
      .and.equal(9 * Math.floor(server.stats.keepAliveProbes / 9));
    expect(services.counters.socketErrors).to.be.at.least(30);
    expect(server.stats.resetsReceived).to.equal(0);
    client.close();
    server.close();
  });
});
