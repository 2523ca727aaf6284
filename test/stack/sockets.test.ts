import { expect } from 'chai';
import type { SystemError } from '../../src/stack/node-errors.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { decodeIp } from '../../src/wire/decode.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, stackPair } from './harness.js';

function collect(socket: TcpSocket): { data: Buffer[]; text(): string; bytes(): Buffer } {
  const data: Buffer[] = [];
  socket.on('data', (d: Buffer) => data.push(d));
  return { data, text: () => Buffer.concat(data).toString(), bytes: () => Buffer.concat(data) };
}

describe('Stack: sockets and servers', () => {
  it('connects, echoes and closes over IPv4 with net.Socket members and events in order', async () => {
    const p = stackPair({ delayMs: 5 });
    const serverSide: TcpSocket[] = [];
    const server = p.server.createServer((s) => {
      serverSide.push(s);
      s.pipe(s);
    });
    let listening = false;
    server.listen(7, () => {
      listening = true;
    });
    const events: string[] = [];
    const sock = p.client.connect(7, SERVER_V4, () => events.push('connect-cb'));
    expect(sock.connecting).to.equal(true);
    expect(sock.pending).to.equal(true);
    sock.on('connect', () => events.push('connect'));
    sock.on('ready', () => events.push('ready'));
    sock.on('end', () => events.push('end'));
    sock.on('finish', () => events.push('finish'));
    sock.on('close', (hadError: boolean) => events.push(`close:${hadError}`));
    const got = collect(sock);
    // Written before the handshake completes: buffered until connected, as node:net does.
    sock.write('hello ');
    sock.end('world');
    await p.clock.runUntil(() => events.includes('close:false'), 10_000);
    expect(listening).to.equal(true);
    expect(got.text()).to.equal('hello world');
    expect(events).to.deep.equal(['connect-cb', 'connect', 'ready', 'finish', 'end', 'close:false']);
    expect(sock.bytesRead).to.equal(11);
    expect(sock.bytesWritten).to.equal(11);
    expect(sock.remoteAddress).to.equal(SERVER_V4);
    expect(sock.remotePort).to.equal(7);
    expect(sock.remoteFamily).to.equal('IPv4');
    expect(sock.localAddress).to.equal(CLIENT_V4);
    expect(sock.localPort).to.be.within(49152, 65535);
    expect(sock.address()).to.deep.equal({ address: CLIENT_V4, family: 'IPv4', port: sock.localPort });
    const s = serverSide[0]!;
    expect(s.remoteAddress).to.equal(CLIENT_V4);
    expect(s.remotePort).to.equal(sock.localPort);
    expect(s.localPort).to.equal(7);
    expect(server.address()).to.deep.equal({ address: '::', family: 'IPv6', port: 7 });
    expect(p.server.stats.stack.accepted).to.equal(1);
    // TIME-WAIT on the active closer, then the tables empty.
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 120_000);
    expect(p.client.stats.resetsSent + p.server.stats.resetsSent).to.equal(0);
  });

  it('works over IPv6 and on a server bound to one address', async () => {
    const p = stackPair();
    const server = p.server.createServer((s) => s.end(`you are ${s.remoteAddress} port ${s.remotePort}`));
    server.listen(8080, SERVER_V6);
    const sock = p.client.connect({ port: 8080, host: SERVER_V6 });
    const got = collect(sock);
    let ended = false;
    sock.on('end', () => {
      ended = true;
    });
    await p.clock.runUntil(() => ended, 10_000);
    expect(got.text()).to.equal(`you are ${CLIENT_V6} port ${sock.localPort}`);
    expect(sock.remoteFamily).to.equal('IPv6');
    expect(server.address()).to.deep.equal({ address: SERVER_V6, family: 'IPv6', port: 8080 });
    // The IPv4 address of the same stack is not bound: RST, ECONNREFUSED.
    const other = p.client.connect(8080, SERVER_V4);
    let error: SystemError | undefined;
    other.on('error', (e: SystemError) => {
      error = e;
    });
    await p.clock.runUntil(() => error !== undefined, 10_000);
    expect(error!.code).to.equal('ECONNREFUSED');
  });

  it('reports ECONNREFUSED like node:net when nothing listens', async () => {
    const p = stackPair({ delayMs: 1 });
    const sock = p.client.connect(9, SERVER_V4);
    let error: SystemError | undefined;
    let closedWithError: boolean | undefined;
    sock.on('error', (e: SystemError) => {
      error = e;
    });
    sock.on('close', (hadError: boolean) => {
      closedWithError = hadError;
    });
    await p.clock.runUntil(() => closedWithError !== undefined, 10_000);
    expect(error).to.be.instanceOf(Error);
    expect(error).to.include({ code: 'ECONNREFUSED', syscall: 'connect', address: SERVER_V4, port: 9, errno: -111 });
    expect(error!.message).to.equal(`connect ECONNREFUSED ${SERVER_V4}:9`);
    expect(closedWithError).to.equal(true);
    expect(p.server.stats.dropped.noListener).to.equal(1);
    expect(p.client.connectionCount).to.equal(0);
  });

  it('emits EADDRINUSE on a second listen on the same port, and frees the port on close', async () => {
    const p = stackPair();
    const first = p.server.createServer(() => {});
    first.listen(80);
    const second = p.server.createServer(() => {});
    let error: SystemError | undefined;
    second.on('error', (e: SystemError) => {
      error = e;
    });
    second.listen(80, SERVER_V4);
    await p.clock.runUntil(() => error !== undefined, 1000);
    expect(error).to.include({ code: 'EADDRINUSE', syscall: 'listen', errno: -98 });
    expect(error!.message).to.equal(`listen EADDRINUSE: address already in use ${SERVER_V4}:80`);
    expect(second.listening).to.equal(false);
    let closed = false;
    first.close(() => {
      closed = true;
    });
    await p.clock.runUntil(() => closed, 1000);
    let listening = false;
    p.server
      .createServer(() => {})
      .listen(80, () => {
        listening = true;
      });
    await p.clock.runUntil(() => listening, 1000);
  });

  it('reset: resetAndDestroy() sends RST and the peer gets ECONNRESET (destroy() closes with FIN: close.test.ts)', async () => {
    const p = stackPair({ delayMs: 2 });
    let serverSocket: TcpSocket | undefined;
    p.server
      .createServer((s) => {
        serverSocket = s;
      })
      .listen(7);
    const sock = p.client.connect(7, SERVER_V4);
    await p.clock.runUntil(() => serverSocket !== undefined, 1000);
    let error: SystemError | undefined;
    serverSocket!.on('error', (e: SystemError) => {
      error = e;
    });
    sock.resetAndDestroy();
    await p.clock.runUntil(() => error !== undefined, 1000);
    expect(error).to.include({ code: 'ECONNRESET', syscall: 'read' });
    expect(p.client.stats.resetsSent).to.equal(1);
    expect(p.server.stats.resetsReceived).to.equal(1);
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 1000);
  });

  it('applies backpressure: write() returns false when the send buffer is full, drain when there is room', async () => {
    const buffers = 16 * 1024;
    const p = stackPair({ delayMs: 5 }, { tcp: { sendBufferSize: buffers, receiveBufferSize: buffers } });
    let serverSocket: TcpSocket | undefined;
    p.server
      .createServer((s) => {
        serverSocket = s;
        s.pause(); // the reader does not read: its window closes, then our send buffer fills
      })
      .listen(7);
    const sock = p.client.connect(7, SERVER_V4);
    await p.clock.runUntil(() => serverSocket !== undefined, 1000);
    const chunk = new Uint8Array(4096).fill(7);
    const total = 1024 * 1024;
    let written = 0;
    let refusals = 0;
    let drains = 0;
    const pump = () => {
      while (written < total) {
        written += chunk.length;
        if (!sock.write(chunk)) {
          refusals++;
          return;
        }
      }
      sock.end();
    };
    sock.on('drain', () => {
      drains++;
      pump();
    });
    pump();
    await p.clock.runUntilIdle(30_000).catch(() => {});
    // Stuck: the engine holds a full send buffer, the peer a full receive buffer, and the
    // stream its highWaterMark; nothing more is accepted while the reader sleeps.
    expect(sock.writableNeedDrain).to.equal(true);
    // bytesWritten counts what was passed to write(), as node:net; what the engine has not taken
    // (neither delivered nor in its send buffer) is still queued in the stream.
    expect(sock.bytesWritten).to.equal(written);
    const inEngine = buffers + serverSocket!.bytesRead + serverSocket!._connection!.readable;
    expect(written - inEngine).to.be.within(0, sock.writableLength);
    expect(written).to.be.below(5 * buffers);
    const refusalsWhileStuck = refusals;
    expect(refusalsWhileStuck).to.be.greaterThan(0);
    const got = collect(serverSocket!);
    let ended = false;
    serverSocket!.on('end', () => {
      ended = true;
    });
    serverSocket!.resume();
    await p.clock.runUntil(() => ended, 60_000);
    expect(drains).to.equal(refusals);
    expect(got.bytes().length).to.equal(total);
    expect(got.bytes().every((b) => b === 7)).to.equal(true);
  });

  it("emits 'timeout' after the idle time, once, and again after new activity", async () => {
    const p = stackPair({ delayMs: 1 });
    let serverSocket: TcpSocket | undefined;
    p.server
      .createServer((s) => {
        serverSocket = s;
      })
      .listen(7);
    const sock = p.client.connect(7, SERVER_V4);
    await p.clock.runUntil(() => serverSocket !== undefined, 1000);
    const fired: number[] = [];
    const start = p.clock.now();
    sock.setTimeout(3000, () => fired.push(p.clock.now() - start));
    sock.on('timeout', () => fired.push(-1));
    await p.clock.runUntil(() => fired.length >= 2, 10_000);
    expect(fired).to.deep.equal([3000, -1]);
    expect(sock.destroyed).to.equal(false);
    sock.write('x');
    const again = p.clock.now();
    await p.clock.runUntil(() => fired.length >= 3, 10_000);
    expect(p.clock.now() - again).to.equal(3000);
    sock.setTimeout(0);
    sock.write('y');
    await p.clock.runUntilIdle(20_000).catch(() => {});
    expect(fired).to.have.length(3);
    sock.destroy();
  });

  it('keep-alive: ETIMEDOUT when the peer vanishes', async () => {
    const p = stackPair({ delayMs: 1 }, { tcp: { keepAliveInterval: 1000, keepAliveProbes: 3 } });
    let serverSocket: TcpSocket | undefined;
    p.server
      .createServer((s) => {
        serverSocket = s;
      })
      .listen(7);
    const sock = p.client.connect({ port: 7, host: SERVER_V4, keepAlive: true, keepAliveInitialDelay: 5000 });
    await p.clock.runUntil(() => serverSocket !== undefined, 1000);
    // Idle but alive: the peer answers probes, nothing fails for a long while.
    await p.clock.runUntil(() => false, 20_000).catch(() => {});
    expect(sock.destroyed).to.equal(false);
    expect(p.client.stats.keepAliveProbes).to.be.greaterThan(0);
    // The peer vanishes (its link end stops receiving): probes go unanswered.
    p.links[1].onReceive(null);
    const vanished = p.clock.now();
    let error: SystemError | undefined;
    sock.on('error', (e: SystemError) => {
      error = e;
    });
    await p.clock.runUntil(() => error !== undefined, 60_000);
    expect(error).to.include({ code: 'ETIMEDOUT', syscall: 'read' });
    // At most one idle period plus the probes.
    expect(p.clock.now() - vanished).to.be.at.most(5000 + 3 * 1000 + 10);
  });

  it('1,000 concurrent connections each echo their own bytes exactly', async function () {
    this.timeout(120_000);
    const p = stackPair({ delayMs: 2 });
    // A backlog as large as the burst, as a server expecting it would ask for (the default, 511
    // as in node:net, makes the rest retry their SYN after the initial RTO).
    p.server.createServer((s) => s.pipe(s)).listen({ port: 7, backlog: 1000 });
    const N = 1000;
    const results: Array<Buffer | null> = new Array(N).fill(null);
    let done = 0;
    for (let i = 0; i < N; i++) {
      const payload = Buffer.alloc(500 + (i % 7) * 300, `connection ${i};`);
      const sock = p.client.connect(7, i % 2 === 0 ? SERVER_V4 : SERVER_V6);
      const got = collect(sock);
      sock.end(payload);
      sock.on('close', () => {
        results[i] = got.bytes().equals(payload) ? got.bytes() : null;
        done++;
      });
    }
    expect(p.client.connectionCount).to.equal(N);
    await p.clock.runUntil(() => done === N, 60_000);
    expect(results.filter((r) => r === null)).to.have.length(0);
    expect(p.server.stats.stack.accepted).to.equal(N);
    expect(p.client.stats.resetsSent + p.server.stats.resetsSent).to.equal(0);
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 300_000);
  });

  it('a full SYN queue answers with SYN cookies: every client gets in at once, no state kept for them', async () => {
    const p = stackPair({ delayMs: 1 }, { synBacklog: 4, tcp: { initialRto: 1000 } });
    let accepted = 0;
    p.server
      .createServer(() => {
        accepted++;
      })
      .listen(7);
    // Ten SYNs reach the listener in one batch: four handshakes queue, six get cookies.
    const socks = Array.from({ length: 10 }, () => p.client.connect(7, SERVER_V4));
    let connected = 0;
    for (const s of socks) s.on('connect', () => connected++);
    const took = await p.clock.runUntil(() => connected === 10 && accepted === 10, 5000);
    expect(took).to.be.below(1000); // no SYN had to be retransmitted
    expect(p.server.stats.synQueue.cookiesSent).to.equal(6);
    expect(p.server.stats.synQueue.cookiesValidated).to.equal(6);
    expect(p.server.stats.dropped.listenOverflow).to.equal(0);
    expect(p.client.stats.retransmissions).to.equal(0);
    for (const s of socks) s.destroy();
  });

  it('without SYN cookies a full SYN queue evicts its oldest handshake for a new SYN, and retried SYNs get in', async () => {
    const p = stackPair({ delayMs: 1 }, { synBacklog: 4, synCookies: false, tcp: { initialRto: 1000 } });
    let accepted = 0;
    p.server
      .createServer(() => {
        accepted++;
      })
      .listen(7);
    // Ten SYNs in one batch: each beyond the fourth evicts the oldest, so the last four stay.
    const socks = Array.from({ length: 10 }, () => p.client.connect(7, SERVER_V4));
    let connected = 0;
    for (const s of socks) s.on('connect', () => connected++);
    await p.clock.runUntil(() => connected === 4, 100);
    expect(p.server.stats.synQueue.evicted).to.equal(6);
    expect(p.server.stats.synQueue.cookiesSent).to.equal(0);
    // The six retransmit their SYN after the initial RTO: four fit, two evict the oldest two,
    // which get in on their second retry.
    await p.clock.runUntil(() => connected === 10 && accepted === 10, 5000);
    expect(p.server.stats.synQueue.evicted).to.equal(8);
    expect(p.server.stats.dropped.listenOverflow).to.equal(0);
    for (const s of socks) s.destroy();
  });

  it('allowHalfOpen: the server keeps writing after the client ended its side', async () => {
    const p = stackPair({ delayMs: 2 });
    p.server
      .createServer({ allowHalfOpen: true }, (s) => {
        const got: Buffer[] = [];
        s.on('data', (d: Buffer) => got.push(d));
        s.on('end', () => {
          // The client's FIN arrived; our side is still open.
          s.write(`you sent ${Buffer.concat(got).toString()}`);
          s.end(' (bye)');
        });
      })
      .listen(7);
    const sock = p.client.connect({ port: 7, host: SERVER_V4, allowHalfOpen: true });
    const got = collect(sock);
    let closed = false;
    sock.on('close', () => {
      closed = true;
    });
    sock.end('question');
    await p.clock.runUntil(() => closed, 10_000);
    expect(got.text()).to.equal('you sent question (bye)');
  });

  it("allowHalfOpen false (default): the peer's FIN ends our side too, without a reset", async () => {
    const p = stackPair({ delayMs: 2 });
    let serverClosed = false;
    p.server
      .createServer((s) => {
        s.on('close', () => {
          serverClosed = true;
        });
        s.resume();
      })
      .listen(7);
    const sock = p.client.connect(7, SERVER_V4);
    let finished = false;
    sock.on('finish', () => {
      finished = true;
    });
    await p.clock.runUntil(() => !sock.connecting, 1000);
    // Half-close from the client: the server socket ends its writable side by itself.
    sock.end();
    sock.resume();
    await p.clock.runUntil(() => serverClosed && finished && sock.destroyed, 10_000);
    await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 120_000);
    expect(p.client.stats.resetsSent + p.server.stats.resetsSent).to.equal(0);
  });

  it('reports ETIMEDOUT (syscall connect) when no SYN-ACK ever comes', async () => {
    const p = stackPair({ loss: 1 }, { tcp: { synRetries: 2, initialRto: 1000 } });
    const sock = p.client.connect(7, SERVER_V4);
    let error: SystemError | undefined;
    sock.on('error', (e: SystemError) => {
      error = e;
    });
    const took = await p.clock.runUntil(() => error !== undefined, 60_000);
    expect(error).to.include({ code: 'ETIMEDOUT', syscall: 'connect', address: SERVER_V4, port: 7 });
    // SYN at 0, retries at 1 s and 3 s, given up after the third RTO (4 s later).
    expect(took).to.equal(7000);
    expect(p.client.connectionCount).to.equal(0);
  });

  it('connect() with an explicit localPort, and EADDRINUSE when that 4-tuple is taken', async () => {
    const p = stackPair();
    p.server.createServer((s) => s.resume()).listen(7);
    const first = p.client.connect({ port: 7, host: SERVER_V4, localPort: 40000 });
    await p.clock.runUntil(() => !first.connecting, 1000);
    expect(first.localPort).to.equal(40000);
    const second = p.client.connect({ port: 7, host: SERVER_V4, localPort: 40000 });
    let error: SystemError | undefined;
    second.on('error', (e: SystemError) => {
      error = e;
    });
    await p.clock.runUntil(() => error !== undefined, 1000);
    expect(error).to.include({ code: 'EADDRINUSE', syscall: 'connect' });
    first.destroy();
  });

  it('connects to its own address through loopback, IPv4 and IPv6, without touching the link', async () => {
    const p = stackPair();
    p.server.createServer((s) => s.pipe(s)).listen(7);
    const replies: string[] = [];
    for (const host of [SERVER_V4, SERVER_V6]) {
      const sock = p.server.connect(7, host);
      let text = '';
      sock.on('data', (d: Buffer) => {
        text += d.toString();
      });
      sock.on('close', () => replies.push(text));
      sock.end(`to myself over ${host}`);
    }
    const ping = p.server.ping(SERVER_V6);
    await p.clock.runUntil(() => replies.length === 2, 10_000);
    expect(replies.sort()).to.deep.equal([`to myself over ${SERVER_V6}`, `to myself over ${SERVER_V4}`].sort());
    expect((await ping).time).to.equal(0);
    expect(p.links[1].counters.sent).to.equal(0);
    expect(p.server.stats.ip.loopback).to.be.greaterThan(10);
  });

  it('advertises an MSS that fits the device MTU, so no packet exceeds it (IPv4 576, IPv6 1280)', async () => {
    for (const [mtu, host, mss] of [
      [576, SERVER_V4, 536],
      [1280, SERVER_V6, 1220],
    ] as const) {
      const p = stackPair({ mtu });
      const sizes: number[] = [];
      const synMss: number[] = [];
      const wire = p.links[0];
      const send = wire.send.bind(wire);
      wire.send = (packet: Uint8Array) => {
        sizes.push(packet.length);
        const d = decodeIp(packet);
        if (d.tcp.flags & 0x02) synMss.push(d.tcp.options.mss ?? -1);
        send(packet);
      };
      let got = 0;
      p.server
        .createServer((s) =>
          s.on('data', (d: Buffer) => {
            got += d.length;
          }),
        )
        .listen(7);
      const sock = p.client.connect(7, host);
      sock.end(new Uint8Array(100_000));
      await p.clock.runUntil(() => got === 100_000, 10_000);
      expect(synMss).to.deep.equal([mss]);
      expect(Math.max(...sizes)).to.equal(mtu);
      expect(p.links[0].counters.oversize + p.links[1].counters.oversize).to.equal(0);
    }
  });
  it('a new SYN for a 4-tuple the server holds in TIME-WAIT opens at once (RFC 6191 / RFC 1122 §4.2.2.13)', async () => {
    const p = stackPair({ delayMs: 5 });
    // The server closes first (as an HTTP server does), so the server keeps the TIME-WAIT.
    p.server
      .createServer((s) => {
        s.resume();
        s.end('bye');
      })
      .listen(7);
    const first = p.client.connect({ port: 7, host: SERVER_V4, localPort: 40000 });
    first.resume();
    await p.clock.runUntil(() => first.destroyed, 10_000);
    await p.clock.runUntil(() => p.client.connectionCount === 0, 10_000);
    expect(p.server.connectionCount).to.equal(1); // TIME-WAIT
    p.clock.advance(1000);
    const start = p.clock.now();
    const second = p.client.connect({ port: 7, host: SERVER_V4, localPort: 40000 });
    second.resume();
    await p.clock.runUntil(() => !second.connecting, 10_000);
    // One round trip, not a challenge ACK, a RST and the SYN again after its 1 s RTO.
    expect(p.clock.now() - start).to.equal(10);
    expect(p.client.stats.retransmissions).to.equal(0);
    expect(p.client.stats.resetsSent + p.server.stats.resetsSent).to.equal(0);
    second.destroy();
  });
  it('an echo server whose peer sends data and a RST in one batch reports ECONNRESET, not EPIPE', async () => {
    const p = stackPair({ delayMs: 5 });
    let error: SystemError | undefined;
    let accepted = false;
    p.server
      .createServer((s) => {
        accepted = true;
        s.on('error', (e: SystemError) => {
          error = e;
        });
        s.pipe(s); // writes back from the 'data' handler, before the RST's error is dispatched
      })
      .listen(7);
    const sock = p.client.connect(7, SERVER_V4);
    sock.on('error', () => undefined);
    await p.clock.runUntil(() => accepted, 1000);
    sock.write('data');
    await new Promise((resolve) => setImmediate(resolve)); // the data segment is on the link
    sock.resetAndDestroy(); // the RST follows it in the same delivery
    await p.clock.runUntil(() => error !== undefined, 1000);
    expect(error).to.include({ code: 'ECONNRESET', syscall: 'read' });
  });
  it('listen(port, host, backlog, callback) as node:net: the backlog is taken, the callback called', async () => {
    const p = stackPair();
    let listening = false;
    const server = p.server.createServer((s) => s.pipe(s));
    server.listen(7, SERVER_V4, 5, () => {
      listening = true;
    });
    const sock = p.client.connect(7, SERVER_V4);
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.end('x');
    await p.clock.runUntil(() => listening && Buffer.concat(got).toString() === 'x', 1000);
    expect(server.address()).to.deep.equal({ address: SERVER_V4, family: 'IPv4', port: 7 });
  });
});
