// The stack's TCP buffer memory budget (like Linux tcp_mem) and its connection limit: clients
// that never read stay under the budget, legitimate connections keep working, connections over
// the hard limit are aborted largest first, and every refusal is counted.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { TcpSocket } from '../../src/stack/socket.js';
import { ReceiveBuffer } from '../../src/tcp/receive-buffer.js';
import { SendBuffer } from '../../src/tcp/send-buffer.js';
import { SERVER_V4, stackPair, tcpPacket, wireHarness, CLIENT_V4 } from './harness.js';
import { TcpFlags } from '../../src/wire/constants.js';

const KiB = 1024;

/** Writes `total` bytes of a pattern in 16 KiB chunks, waiting for 'drain' as a server app should. */
function stream(socket: TcpSocket, total: number): void {
  let sent = 0;
  const more = (): void => {
    while (sent < total) {
      const n = Math.min(16 * KiB, total - sent);
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) & 0xff;
      sent += n;
      if (!socket.write(chunk)) {
        socket.once('drain', more);
        return;
      }
    }
    socket.end();
  };
  more();
}

describe('Stack: memory budget for TCP buffers', () => {
  it('rings charge their storage to the account and stop growing under pressure', () => {
    const account = { used: 0, pressure: 8 * KiB };
    const send = new SendBuffer(64 * KiB);
    send.chargeTo(account);
    expect(send.write(new Uint8Array(10 * KiB))).to.equal(10 * KiB);
    expect(account.used).to.equal(16 * KiB); // doubled from 4 KiB to cover 10 KiB
    // Above pressure: room only in the storage it has.
    expect(send.free).to.equal(6 * KiB);
    expect(send.write(new Uint8Array(10 * KiB))).to.equal(6 * KiB);
    expect(account.used).to.equal(16 * KiB);
    // A second ring gets its guaranteed 4 KiB, no more; its window says so.
    const receive = new ReceiveBuffer(64 * KiB);
    receive.chargeTo(account);
    expect(receive.window).to.equal(4 * KiB);
    expect(receive.insert(0, new Uint8Array(8 * KiB))).to.equal(4 * KiB);
    expect(account.used).to.equal(20 * KiB);
    // Emptied rings give their storage back to the account.
    send.consume(16 * KiB);
    expect(account.used).to.equal(4 * KiB);
    receive.read();
    expect(account.used).to.equal(0);
    // Below pressure again: the whole capacity.
    expect(send.free).to.equal(64 * KiB);
    receive.chargeTo(null);
    expect(receive.window).to.equal(64 * KiB);
  });

  it('200 clients that never read stay under the budget, and a reading client still gets its data exact', async function () {
    this.timeout(60_000);
    const limit = 4 * 1024 * KiB;
    const p = stackPair({ delayMs: 1 }, { memory: { limit, pressure: 3 * 1024 * KiB } });
    p.server
      .createServer((socket) => {
        socket.on('error', () => {});
        stream(socket, 1024 * KiB);
      })
      .listen(80);
    const idle: TcpSocket[] = [];
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      const s = p.client.connect(80, SERVER_V4);
      s.on('error', () => {});
      s.pause(); // never reads: its receive window closes, the server's send buffer fills
      idle.push(s);
    }
    for (let t = 0; t < 100; t++) {
      p.clock.advance(20);
      await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, p.server.bufferBytes);
    }
    // Without a budget these would hold 200 x 256 KiB = 50 MiB of send buffers.
    expect(p.server.stats.stack.passiveOpens).to.equal(200);
    expect(peak).to.be.at.most(limit);
    expect(p.server.bufferBytes).to.be.greaterThan(3 * 1024 * KiB);
    expect(p.server.stats.memory.pressureEntered).to.be.at.least(1);
    // A client that reads gets its megabyte, byte for byte, through the 4 KiB rings it is allowed.
    const reader = p.client.connect(80, SERVER_V4);
    const hash = createHash('sha256');
    let received = 0;
    let ended = false;
    reader.on('data', (d: Buffer) => {
      hash.update(d);
      received += d.length;
    });
    reader.on('end', () => {
      ended = true;
    });
    await p.clock.runUntil(() => ended, 600_000);
    const expected = createHash('sha256');
    const all = Buffer.alloc(1024 * KiB);
    for (let i = 0; i < all.length; i++) all[i] = i & 0xff;
    expected.update(all);
    expect(received).to.equal(1024 * KiB);
    expect(hash.digest('hex')).to.equal(expected.digest('hex'));
    expect(p.server.bufferBytes).to.be.at.most(limit);
    for (const s of idle) s.destroy();
  });

  it('under pressure receive buffers stop growing: uploads to a server that does not read stay under the budget', async () => {
    const p = stackPair({ delayMs: 1 }, { memory: { limit: 512 * KiB, pressure: 256 * KiB } });
    const held: TcpSocket[] = [];
    p.server
      .createServer((socket) => {
        socket.pause(); // never reads what it is sent
        held.push(socket);
      })
      .listen(9);
    for (let i = 0; i < 20; i++) {
      const s = p.client.connect(9, SERVER_V4);
      s.on('error', () => {});
      stream(s, 1024 * KiB);
    }
    let peak = 0;
    for (let t = 0; t < 100; t++) {
      p.clock.advance(20);
      await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, p.server.bufferBytes);
    }
    expect(held).to.have.length(20);
    // 20 x 256 KiB of receive buffers without a budget; with it, at most the limit.
    expect(peak).to.be.at.most(512 * KiB);
    expect(p.server.stats.memory.pressureEntered).to.be.at.least(1);
    // The right edge already advertised never moves left (RFC 9293 §3.8.6.2.2): what arrives
    // beyond the storage a ring may keep is dropped and sent again, as Linux prunes under pressure.
    expect(p.client.stats.retransmissions).to.be.greaterThan(0);
    expect(p.server.stats.memory.aborts).to.equal(0);
    expect(p.server.connectionCount).to.equal(20);
  });

  it('above the hard limit aborts the connections holding the most until it fits, and counts them', async () => {
    // Pressure at 16 KiB: every ring keeps its guaranteed 4 KiB, so 40 stuck connections hold
    // 160 KiB of send buffers, over the 64 KiB limit.
    const p = stackPair({ delayMs: 1 }, { memory: { limit: 64 * KiB, pressure: 16 * KiB } });
    const serverErrors: string[] = [];
    p.server
      .createServer((socket) => {
        socket.on('error', (e: NodeJS.ErrnoException) => {
          serverErrors.push(e.code!);
        });
        stream(socket, 256 * KiB);
      })
      .listen(80);
    let resets = 0;
    for (let i = 0; i < 40; i++) {
      const s = p.client.connect(80, SERVER_V4);
      s.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNRESET') resets++;
      });
      s.pause();
    }
    for (let t = 0; t < 50; t++) {
      p.clock.advance(20);
      await new Promise((resolve) => setImmediate(resolve));
      expect(p.server.bufferBytes).to.be.at.most(64 * KiB + 8 * KiB);
    }
    const aborts = p.server.stats.memory.aborts;
    expect(aborts).to.be.greaterThan(0).and.below(40);
    expect(p.server.bufferBytes).to.be.at.most(64 * KiB);
    expect(resets).to.equal(aborts);
    // The aborted sockets on our side learn it too.
    expect(serverErrors).to.deep.equal(new Array(aborts).fill('ECONNRESET'));
  });

  it('maxConnections: SYNs over the limit get no answer, connect() over it fails with EMFILE, both counted', async () => {
    const h = wireHarness({ maxConnections: 3 });
    h.stack.createServer(() => {}).listen(80);
    for (let port = 40000; port < 40004; port++) {
      h.inject(
        tcpPacket({
          ip: { src: CLIENT_V4, dst: SERVER_V4 },
          tcp: { srcPort: port, dstPort: 80, seq: 1, flags: TcpFlags.SYN },
        }),
      );
    }
    expect(h.take()).to.have.length(3); // three SYN-ACKs, the fourth SYN dropped
    expect(h.stack.connectionCount).to.equal(3);
    expect(h.stack.stats.stack.overConnectionLimit).to.equal(1);
    const socket = h.stack.connect(80, CLIENT_V4);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.on('error', resolve));
    expect(error.code).to.equal('EMFILE');
    expect(h.stack.stats.stack.overConnectionLimit).to.equal(2);
    expect(() => wireHarness({ maxConnections: 0 })).to.throw(RangeError);
  });
});
