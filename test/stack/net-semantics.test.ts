// net.Socket / net.Server semantics of TcpSocket and Server beyond the basics of sockets.test.ts:
// connect() on a new socket, 'localhost', reconnect, node:net's argument errors, byte counters,
// 'end'/'close' without reading, listen() forms, ipv6Only, signal, maxConnections, pauseOnConnect,
// onread, captureRejections, and createNet(). Each mirrors what node:net does (lib/net.js).

import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { MemoryLink } from '../../src/link/memory-link.js';
import { VirtualClock } from '../../src/base/clock.js';
import { createNet } from '../../src/stack/net-module.js';
import type { SystemError } from '../../src/stack/node-errors.js';
import type { Server } from '../../src/stack/server.js';
import { TcpSocket } from '../../src/stack/socket.js';
import { Stack } from '../../src/stack/stack.js';
import { CLIENT_V4, SERVER_V4, SERVER_V6, stackPair } from './harness.js';

/** One stack with loopback addresses (127.0.0.1, ::1) on a link nobody listens to. */
function loopbackStack(): { clock: VirtualClock; stack: Stack; linkPackets: () => number } {
  const clock = new VirtualClock();
  const [device, other] = MemoryLink.pair({ clock });
  let linkPackets = 0;
  other.onReceive((packets) => {
    linkPackets += packets.length;
  });
  const stack = new Stack({ device, addresses: ['127.0.0.1/8', '::1/128'], clock });
  return { clock, stack, linkPackets: () => linkPackets };
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => server.once('listening', () => resolve(server.address()!.port)));
}

function codeOf(fn: () => unknown): { code?: string; name?: string; message?: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; name?: string; message?: string };
  }
  throw new Error('did not throw');
}

describe('Stack: net.Socket and net.Server semantics', () => {
  it('new TcpSocket({ stack }).connect(port, host, cb): connecting, pending and the peer name only once connected', async () => {
    const p = stackPair({ delayMs: 2 });
    p.server.createServer((s) => s.end()).listen(80);
    const sock = new TcpSocket({ stack: p.client });
    expect(sock.pending).to.equal(true);
    expect(sock.address()).to.deep.equal({});
    let connected = false;
    expect(
      sock.connect(80, SERVER_V4, () => {
        connected = true;
      }),
    ).to.equal(sock);
    expect(sock.connecting).to.equal(true);
    expect(sock.remoteAddress).to.equal(undefined);
    expect(sock.remotePort).to.equal(undefined);
    await p.clock.runUntil(() => connected, 1000);
    expect(sock.pending).to.equal(false);
    expect(sock.remoteAddress).to.equal(SERVER_V4);
    expect(sock.remotePort).to.equal(80);
    let closed = false;
    sock.on('close', () => {
      closed = true;
    });
    await p.clock.runUntil(() => closed, 5000);
    expect(sock.pending).to.equal(true);
  });

  it("connect() with no host and with 'localhost' reach the stack's 127.0.0.1, with a 'lookup' event", async () => {
    const { clock, stack, linkPackets } = loopbackStack();
    const accepted: string[] = [];
    const server = stack
      .createServer((s) => {
        accepted.push(s.remoteAddress!);
        s.end();
      })
      .listen(0);
    const port = await listening(server);
    const lookups: unknown[][] = [];
    const a = new TcpSocket({ stack }).connect(port);
    const b = new TcpSocket({ stack }).connect({ port, host: 'localhost' });
    for (const s of [a, b]) s.on('lookup', (...args: unknown[]) => lookups.push(args));
    await clock.runUntil(() => accepted.length === 2, 1000);
    expect(accepted).to.deep.equal(['127.0.0.1', '127.0.0.1']);
    expect(lookups).to.deep.equal([
      [null, '127.0.0.1', 4, 'localhost'],
      [null, '127.0.0.1', 4, 'localhost'],
    ]);
    expect(linkPackets()).to.equal(0);
  });

  it('reconnects after close, with byte counters per connection', async () => {
    const p = stackPair();
    p.server
      .createServer((s) => {
        s.resume();
        s.on('end', () => s.end());
      })
      .listen(80);
    const sock = new TcpSocket({ stack: p.client });
    const written: number[] = [];
    let closes = 0;
    sock.on('close', () => {
      written.push(sock.bytesWritten);
      if (++closes === 1) sock.connect(80, SERVER_V4, () => sock.end('again'));
    });
    sock.connect(80, SERVER_V4, () => sock.end('first time'));
    await p.clock.runUntil(() => closes === 2, 10_000);
    expect(written).to.deep.equal([10, 5]);
    expect(p.client.stats.stack.activeOpens).to.equal(2);
  });

  it("throws node:net's errors for bad connect() arguments", () => {
    const p = stackPair();
    const sock = () => new TcpSocket({ stack: p.client });
    const bad = codeOf(() => sock().connect(65536, SERVER_V4));
    expect(bad).to.include({ code: 'ERR_SOCKET_BAD_PORT', name: 'RangeError' });
    expect(bad.message).to.equal('Port should be >= 0 and < 65536. Received type number (65536).');
    expect(codeOf(() => sock().connect({ port: {} as never, host: SERVER_V4 }))).to.include({
      code: 'ERR_INVALID_ARG_TYPE',
      name: 'TypeError',
    });
    expect(codeOf(() => sock().connect({ port: 80, host: SERVER_V4, localAddress: 'nope' }))).to.include({
      code: 'ERR_INVALID_IP_ADDRESS',
    });
  });

  it('connect() then destroy() in the same tick sends nothing', async () => {
    const p = stackPair();
    const sent: number[] = [];
    p.links[1].onReceive((packets) => sent.push(packets.length));
    const sock = new TcpSocket({ stack: p.client }).connect(80, SERVER_V4);
    sock.destroy();
    await p.clock.runUntilIdle(1000);
    expect(sent).to.deep.equal([]);
    expect(p.client.stats.stack.activeOpens).to.equal(0);
  });

  it('bytesWritten counts bytes passed to write() (UTF-8 bytes, while connecting too); bufferSize is the queue', async () => {
    const p = stackPair({ delayMs: 5 });
    let got = '';
    p.server
      .createServer((s) => {
        s.setEncoding('utf8').on('data', (d: string) => {
          got += d;
        });
      })
      .listen(80);
    const sock = new TcpSocket({ stack: p.client, highWaterMark: 0 });
    expect(sock.bufferSize).to.equal(0);
    sock.connect(80, SERVER_V4);
    expect(sock.write("L'État, c'est ")).to.equal(false);
    expect(sock.bytesWritten).to.equal(15);
    sock.write('moi');
    expect(sock.bytesWritten).to.equal(18);
    expect(sock.bufferSize).to.equal(18);
    let finished = false;
    sock.end(() => {
      finished = true;
    });
    await p.clock.runUntil(() => finished && got.length === 17, 5000);
    expect(sock.bytesWritten).to.equal(18);
    expect(got).to.equal("L'État, c'est moi");
  });

  it("'end' and 'close' follow the peer's FIN even when the app never reads", async () => {
    const p = stackPair();
    p.server.createServer((s) => s.end()).listen(80);
    const sock = p.client.connect(80, SERVER_V4);
    const events: string[] = [];
    sock.on('end', () => events.push('end'));
    sock.on('close', () => events.push('close'));
    await p.clock.runUntil(() => events.length === 2, 5000);
    expect(events).to.deep.equal(['end', 'close']);
  });

  it('a write after the peer ended and we ended fails with EPIPE, as writeAfterFIN', async () => {
    const p = stackPair();
    p.server.createServer((s) => s.end()).listen(80);
    const sock = p.client.connect(80, SERVER_V4, () => sock.end());
    let writeError: (Error & { code?: string }) | undefined;
    let socketError: Error | undefined;
    sock.on('error', (e) => {
      socketError = e;
    });
    sock.on('end', () => {
      expect(
        sock.write('late', (e) => {
          writeError = e ?? undefined;
        }),
      ).to.equal(false);
    });
    await p.clock.runUntil(() => writeError !== undefined, 5000);
    expect(writeError!.code).to.equal('EPIPE');
    expect(writeError!.message).to.equal('This socket has been ended by the other party');
    expect(socketError).to.equal(writeError);
  });

  it('a write waiting for the handshake fails with ERR_SOCKET_CLOSED_BEFORE_CONNECTION on destroy()', async () => {
    const p = stackPair();
    const sock = new TcpSocket({ stack: p.client }).connect(80, SERVER_V4);
    let error: (Error & { code?: string }) | undefined;
    sock.write('early', (e) => {
      error = e ?? undefined;
    });
    sock.destroy();
    await p.clock.runUntil(() => error !== undefined, 1000);
    expect(error!.code).to.equal('ERR_SOCKET_CLOSED_BEFORE_CONNECTION');
  });

  it('a localPort a listener holds fails with EADDRINUSE (bind), as Linux', async () => {
    const p = stackPair();
    p.client.createServer().listen(5000);
    p.server.createServer().listen(80);
    const sock = p.client.connect({ port: 80, host: SERVER_V4, localPort: 5000 });
    let error: SystemError | undefined;
    sock.on('error', (e: SystemError) => {
      error = e;
    });
    await p.clock.runUntil(() => error !== undefined, 1000);
    expect(error).to.include({ code: 'EADDRINUSE', syscall: 'bind', address: CLIENT_V4, port: 5000 });
  });

  it('setTimeout checks its arguments as node:net', () => {
    const sock = new TcpSocket({ stack: stackPair().client });
    expect(codeOf(() => sock.setTimeout('100' as never))).to.include({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(codeOf(() => sock.setTimeout(-1))).to.include({ code: 'ERR_OUT_OF_RANGE' });
    expect(codeOf(() => sock.setTimeout(Infinity))).to.include({ code: 'ERR_OUT_OF_RANGE' });
    expect(codeOf(() => sock.setTimeout(10, 1 as never))).to.include({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('listen() takes node:net forms: listen(cb), listen(null), string ports; and its errors', async () => {
    const { clock, stack } = loopbackStack();
    const ports: number[] = [];
    stack.createServer().listen(function (this: Server) {
      ports.push(this.address()!.port);
    });
    stack.createServer().listen(null, () => ports.push(1));
    stack.createServer().listen('0', () => ports.push(2));
    await clock.runUntil(() => ports.length === 3, 100);
    expect(ports[0]).to.be.within(49152, 65535);
    expect(codeOf(() => stack.createServer().listen(65536))).to.include({
      code: 'ERR_SOCKET_BAD_PORT',
      name: 'RangeError',
    });
    expect(codeOf(() => stack.createServer().listen({ host: 'localhost' }))).to.include({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    const twice = stack.createServer().listen(0);
    expect(codeOf(() => twice.listen(0))).to.include({ code: 'ERR_SERVER_ALREADY_LISTEN' });
  });

  it("close() right after listen() means no 'listening'; close() when not listening gives ERR_SERVER_NOT_RUNNING and 'close'", async () => {
    const { clock, stack } = loopbackStack();
    const events: string[] = [];
    const server = stack.createServer().listen(0, () => events.push('listening'));
    server.on('close', () => events.push('close'));
    server.close();
    const idle = stack.createServer();
    let error: (Error & { code?: string }) | undefined;
    idle.close((e) => {
      error = e;
    });
    await clock.runUntil(() => error !== undefined && events.length > 0, 100);
    await clock.runUntilIdle(100);
    expect(events).to.deep.equal(['close']);
    expect(error!.code).to.equal('ERR_SERVER_NOT_RUNNING');
  });

  it("ipv6Only: '::' takes IPv6 only; '0.0.0.0' takes IPv4 only", async () => {
    const p = stackPair();
    p.server.createServer((s) => s.end()).listen({ port: 80, host: '::', ipv6Only: true });
    const v4 = p.server.createServer((s) => s.end()).listen({ port: 81, host: '0.0.0.0' });
    expect(v4.address()).to.deep.equal({ address: '0.0.0.0', family: 'IPv4', port: 81 });
    const results: string[] = [];
    const tryConnect = (port: number, host: string) => {
      const s = p.client.connect(port, host);
      s.on('connect', () => results.push(`${port} ${host} ok`));
      s.on('error', (e: SystemError) => results.push(`${port} ${host} ${e.code}`));
    };
    tryConnect(80, SERVER_V4);
    tryConnect(80, SERVER_V6);
    tryConnect(81, SERVER_V4);
    tryConnect(81, SERVER_V6);
    await p.clock.runUntil(() => results.length === 4, 5000);
    expect(results.sort()).to.deep.equal([
      `80 ${SERVER_V4} ECONNREFUSED`,
      `80 ${SERVER_V6} ok`,
      `81 ${SERVER_V4} ok`,
      `81 ${SERVER_V6} ECONNREFUSED`,
    ]);
  });

  it('signal: aborting closes a listening server; a pre-aborted signal destroys a socket with AbortError before any SYN', async () => {
    const { clock, stack, linkPackets } = loopbackStack();
    const controller = new AbortController();
    const server = stack.createServer().listen({ port: 0, signal: controller.signal });
    let closed = false;
    server.on('close', () => {
      closed = true;
    });
    await listening(server);
    controller.abort();
    await clock.runUntil(() => closed, 100);
    expect(server.listening).to.equal(false);
    const sock = new TcpSocket({ stack, signal: AbortSignal.abort() }).connect(80, '127.0.0.1');
    let error: Error | undefined;
    sock.on('error', (e) => {
      error = e;
    });
    await clock.runUntil(() => error !== undefined, 100);
    expect(error!.name).to.equal('AbortError');
    expect(stack.stats.stack.activeOpens).to.equal(0);
    expect(linkPackets()).to.equal(0);
    expect(codeOf(() => stack.createServer().listen({ port: 0, signal: 'x' as never }))).to.include({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it("maxConnections: connections beyond it are closed with FIN and a 'drop' event", async () => {
    const p = stackPair();
    const server = p.server.createServer(() => {});
    server.maxConnections = 1;
    const drops: Array<Record<string, unknown>> = [];
    server.on('drop', (d: Record<string, unknown>) => drops.push(d));
    server.listen(80);
    const first = p.client.connect(80, SERVER_V4);
    await p.clock.runUntil(() => server.connections === 1, 1000);
    const second = p.client.connect(80, SERVER_V4);
    let ended = false;
    second.on('end', () => {
      ended = true;
    });
    await p.clock.runUntil(() => ended, 5000);
    expect(drops).to.deep.equal([
      {
        localAddress: SERVER_V4,
        localPort: 80,
        localFamily: 'IPv4',
        remoteAddress: CLIENT_V4,
        remotePort: second.localPort,
        remoteFamily: 'IPv4',
      },
    ]);
    expect(p.server.stats.resetsSent).to.equal(0);
    expect(first.destroyed).to.equal(false);
  });

  it('closing the server resets only the connections still waiting to be accepted, not one it dropped', async () => {
    const p = stackPair();
    const server = p.server.createServer(() => {});
    server.maxConnections = 1;
    server.on('drop', () => server.close());
    server.listen(80);
    p.client.connect(80, SERVER_V4);
    await p.clock.runUntil(() => server.connections === 1, 1000);
    const second = p.client.connect(80, SERVER_V4);
    const events: string[] = [];
    second.on('end', () => events.push('end'));
    second.on('error', (e: SystemError) => events.push(e.code));
    await p.clock.runUntil(() => events.length > 0, 5000);
    await p.clock.runUntilIdle(1000).catch(() => {});
    expect(events).to.deep.equal(['end']);
    expect(p.server.stats.resetsSent).to.equal(0);
  });

  it('pauseOnConnect: nothing is read until resume()', async () => {
    const p = stackPair();
    let accepted: TcpSocket | undefined;
    let got = '';
    p.server
      .createServer({ pauseOnConnect: true }, (s) => {
        accepted = s;
        s.on('data', (d: Buffer) => {
          got += d.toString();
        });
      })
      .listen(80);
    p.client.connect(80, SERVER_V4, function (this: TcpSocket) {
      this.write('held');
    });
    await p.clock.runUntil(() => accepted !== undefined && accepted._connection!.readable === 4, 1000);
    await p.clock.runUntilIdle(100).catch(() => {});
    expect(got).to.equal('');
    expect(accepted!.bytesRead).to.equal(0);
    accepted!.resume();
    await p.clock.runUntil(() => got === 'held', 1000);
  });

  it("onread: bytes arrive in the app's buffer through the callback, not as 'data'", async () => {
    const p = stackPair();
    p.server.createServer((s) => s.end('hello world')).listen(80);
    const buffer = Buffer.alloc(4);
    const pieces: string[] = [];
    let dataEvents = 0;
    let ended = false;
    const sock = new TcpSocket({
      stack: p.client,
      onread: {
        buffer,
        callback: (n, b) => {
          expect(b).to.equal(buffer);
          pieces.push(buffer.toString('utf8', 0, n));
        },
      },
    });
    sock.connect(80, SERVER_V4);
    sock.on('data', () => dataEvents++);
    sock.on('end', () => {
      ended = true;
    });
    await p.clock.runUntil(() => ended, 5000);
    expect(pieces).to.deep.equal(['hell', 'o wo', 'rld']);
    expect(dataEvents).to.equal(0);
    expect(sock.bytesRead).to.equal(11);
  });

  it("captureRejections: a rejected async 'connection' handler destroys that socket with the error", async () => {
    const saved = EventEmitter.captureRejections;
    EventEmitter.captureRejections = true;
    try {
      const p = stackPair();
      const boom = new Error('kaboom');
      let seen: Error | undefined;
      p.server
        .createServer(async (s) => {
          s.on('error', (e) => {
            seen = e;
          });
          throw boom;
        })
        .listen(80);
      p.client.connect(80, SERVER_V4).on('error', () => {});
      await p.clock.runUntil(() => seen !== undefined, 1000);
      expect(seen).to.equal(boom);
    } finally {
      EventEmitter.captureRejections = saved;
    }
  });

  it('createNet(stack): Socket/Server work with and without new, instanceof holds, connect() round-trips', async () => {
    const { clock, stack } = loopbackStack();
    const net = createNet(stack);
    expect(new net.Socket()).to.be.instanceOf(net.Socket);
    expect(net.Socket()).to.be.instanceOf(TcpSocket);
    let accepted: unknown;
    const server = net.Server((s) => {
      accepted = s;
      s.end('hi');
    });
    expect(server).to.be.instanceOf(net.Server);
    server.listen(0);
    const port = await listening(server);
    let got = '';
    const c = net.connect(port, () => {});
    c.on('data', (d: Buffer) => {
      got += d.toString();
    });
    await clock.runUntil(() => got === 'hi', 1000);
    expect(accepted).to.be.instanceOf(net.Socket);
    expect(net.isIP('::1')).to.equal(6);
  });
});
