// destroy() is close(2) (RFC 9293 §3.10.4, Linux tcp_close): queued data still goes, then FIN;
// RST only for unread data, resetAndDestroy() or too many orphans; the connection finishes as an
// orphan. Each test reads the segments the closing stack put on the wire.

import { expect } from 'chai';
import type { MemoryLinkEnd } from '../../src/link/memory-link.js';
import type { SystemError } from '../../src/stack/node-errors.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { decodeIp } from '../../src/wire/decode.js';
import { SERVER_V4, stackPair, type StackPair } from './harness.js';

const FIN = 0x01;
const RST = 0x04;

interface WireLog {
  /** Flags of every segment the end sent, in order. */
  flags: number[];
  /** Payload bytes sent (first transmissions and retransmissions alike). */
  payload: number;
  count(flag: number): number;
}

/** Records the TCP segments one link end sends. */
function tap(end: MemoryLinkEnd): WireLog {
  const log: WireLog = { flags: [], payload: 0, count: (f) => log.flags.filter((x) => (x & f) !== 0).length };
  const send = end.send.bind(end);
  end.send = (packet: Uint8Array) => {
    const d = decodeIp(packet);
    log.flags.push(d.tcp.flags);
    log.payload += d.payload.length;
    send(packet);
  };
  return log;
}

/** A client socket connected to a server on p.server port 7; the server's socket comes back too. */
async function connected(
  p: StackPair,
  onServer: (s: TcpSocket) => void = () => {},
  allowHalfOpen = false,
): Promise<{ client: TcpSocket; server: TcpSocket }> {
  let server: TcpSocket | undefined;
  p.server
    .createServer({ allowHalfOpen }, (s) => {
      server = s;
      onServer(s);
    })
    .listen(7);
  const client = p.client.connect(7, SERVER_V4);
  await p.clock.runUntil(() => server !== undefined && !client.connecting, 10_000);
  return { client, server: server! };
}

/** The server side's received text and whether its 'end' came. */
function received(s: TcpSocket, into: { text: string; ended: boolean }): void {
  s.on('data', (d: Buffer) => {
    into.text += d.toString();
  });
  s.on('end', () => {
    into.ended = true;
  });
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >>> 8)) & 0xff;
  return b;
}

describe('Stack: destroy() closes like the kernel (orphans)', () => {
  it('destroy() right after write(1 MB): the peer gets every byte, then FIN, and no RST is sent', async () => {
    const p = stackPair({ delayMs: 5 });
    const wire = tap(p.links[0]);
    const got: Buffer[] = [];
    let ended = false;
    const { client } = await connected(p, (s) => {
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => {
        ended = true;
      });
    });
    const data = pattern(1 << 20);
    let closed = false;
    client.on('close', () => {
      closed = true;
    });
    client.write(data);
    // More than the 256 KiB send buffer is still in the stream when destroy() comes.
    expect(client.writableLength).to.be.greaterThan(0);
    client.destroy();
    await p.clock.runUntil(() => ended, 60_000);
    expect(closed).to.equal(true);
    expect(Buffer.concat(got).equals(data)).to.equal(true);
    expect(wire.count(RST)).to.equal(0);
    expect(wire.count(FIN)).to.be.greaterThan(0);
    expect(p.client.stats.stack.orphaned).to.equal(1);
    // The server answers with its own FIN (allowHalfOpen off): the orphan goes to TIME-WAIT,
    // where it stops counting as an orphan, then the tables empty.
    await p.clock.runUntil(() => p.client.orphanCount === 0 && p.server.connectionCount === 0, 10_000);
    await p.clock.runUntil(() => p.client.connectionCount === 0, 120_000);
    expect(p.client.stats.resetsSent + p.server.stats.resetsSent).to.equal(0);
  });

  it('end() then destroy() sends FIN, never RST', async () => {
    const p = stackPair({ delayMs: 5 });
    const wire = tap(p.links[0]);
    const got = { text: '', ended: false };
    const { client } = await connected(p, (s) => received(s, got));
    client.end('last words');
    client.destroy();
    await p.clock.runUntil(() => got.ended, 10_000);
    expect(got.text).to.equal('last words');
    expect(wire.count(RST)).to.equal(0);
    expect(wire.count(FIN)).to.equal(1);
  });

  it('destroy() with received data left unread sends RST at once (RFC 2525 §2.17) and the peer gets ECONNRESET', async () => {
    const p = stackPair({ delayMs: 5 });
    const wire = tap(p.links[0]);
    let serverError: SystemError | undefined;
    const { client, server } = await connected(p);
    server.on('error', (e: SystemError) => {
      serverError = e;
    });
    client.pause();
    // As net.Socket, the stream reads ahead up to its highWaterMark even while paused; what is
    // beyond it stays in TCP's receive buffer, unread by the application, as in the kernel.
    server.write(Buffer.alloc(4 * client.readableHighWaterMark, 0x75));
    await p.clock.runUntil(() => client._connection!.readable > 0, 1000);
    client.destroy();
    await p.clock.runUntil(() => serverError !== undefined, 1000);
    expect(serverError!.code).to.equal('ECONNRESET');
    expect(wire.count(RST)).to.equal(1);
    expect(wire.count(FIN)).to.equal(0);
    expect(p.client.stats.stack.abortOnClose).to.equal(1);
    expect(p.client.stats.stack.orphaned).to.equal(0);
    expect(p.client.connectionCount).to.equal(0);
  });

  it('resetAndDestroy() sends RST even with nothing unread, and drops what was not sent', async () => {
    const p = stackPair({ delayMs: 5 });
    const wire = tap(p.links[0]);
    let serverError: SystemError | undefined;
    const { client, server } = await connected(p);
    server.on('error', (e: SystemError) => {
      serverError = e;
    });
    client.resetAndDestroy();
    await p.clock.runUntil(() => serverError !== undefined, 1000);
    expect(serverError!.code).to.equal('ECONNRESET');
    expect(wire.count(RST)).to.equal(1);
    expect(wire.count(FIN)).to.equal(0);
  });

  it('an orphan that receives new data resets the connection (RFC 1122 §4.2.2.13, Linux tcp_rcv_state_process)', async () => {
    const p = stackPair({ delayMs: 5 });
    const wire = tap(p.links[0]);
    let serverError: SystemError | undefined;
    // allowHalfOpen: the server keeps its side open after the client's FIN, then writes.
    const { client, server } = await connected(p, () => {}, true);
    server.on('error', (e: SystemError) => {
      serverError = e;
    });
    let serverEnded = false;
    server.on('end', () => {
      serverEnded = true;
    });
    server.resume();
    client.destroy();
    await p.clock.runUntil(() => serverEnded, 1000);
    expect(p.client.orphanCount).to.equal(1);
    expect(wire.count(RST)).to.equal(0);
    server.write(Buffer.alloc(4000)); // three segments in one delivery: one reset, counted once
    await p.clock.runUntil(() => serverError !== undefined, 1000);
    expect(serverError!.code).to.equal('ECONNRESET');
    expect(wire.count(RST)).to.equal(1);
    expect(p.client.stats.stack.abortOnData).to.equal(1);
    expect(p.client.orphanCount).to.equal(0);
    expect(p.client.connectionCount).to.equal(0);
  });

  it('an orphan in FIN-WAIT-2 goes away silently after finTimeout (Linux tcp_fin_timeout)', async () => {
    const p = stackPair({ delayMs: 5 }, { finTimeout: 5000 });
    const wire = tap(p.links[0]);
    const { client, server } = await connected(p, () => {}, true);
    server.resume();
    client.destroy();
    // The server never closes its side: the client's connection waits in FIN-WAIT-2.
    await p.clock.runUntil(() => client.destroyed && client._connection!.state === 'FIN-WAIT-2', 1000);
    const start = p.clock.now();
    expect(p.client.orphanCount).to.equal(1);
    await p.clock.runUntil(() => p.client.connectionCount === 0, 10_000);
    expect(p.clock.now() - start).to.equal(5000);
    expect(p.client.stats.stack.finTimeouts).to.equal(1);
    expect(p.client.orphanCount).to.equal(0);
    expect(wire.count(RST)).to.equal(0);
    // The server's later FIN meets no connection: the client's stack answers it with RST, as
    // Linux does after the FIN-WAIT-2 socket expired.
    server.end();
    await p.clock.runUntil(() => p.client.stats.dropped.noListener === 1, 1000);
  });

  it('more orphans than maxOrphans: the next destroy() resets its connection and counts it', async () => {
    const p = stackPair({ delayMs: 5 }, { maxOrphans: 2 });
    const wire = tap(p.links[0]);
    const servers: TcpSocket[] = [];
    p.server
      .createServer({ allowHalfOpen: true }, (s) => {
        servers.push(s);
        s.resume();
        s.on('error', () => {});
      })
      .listen(7);
    const clients = [0, 1, 2].map(() => p.client.connect(7, SERVER_V4));
    await p.clock.runUntil(() => servers.length === 3 && clients.every((c) => !c.connecting), 10_000);
    for (const c of clients) c.destroy();
    await p.clock.runUntil(() => wire.count(RST) === 1 && wire.count(FIN) === 2, 1000);
    expect(p.client.orphanCount).to.equal(2);
    expect(p.client.stats.stack.orphanResets).to.equal(1);
    expect(p.client.stats.stack.orphaned).to.equal(2);
  });

  it('destroySoon() ends the socket, then destroys it once the writes are handed to TCP', async () => {
    const p = stackPair({ delayMs: 5 });
    const wire = tap(p.links[0]);
    const got = { text: '', ended: false };
    const { client } = await connected(p, (s) => received(s, got));
    client.write('soon');
    client.destroySoon();
    expect(client.writableEnded).to.equal(true);
    await p.clock.runUntil(() => got.ended && client.destroyed, 10_000);
    expect(got.text).to.equal('soon');
    expect(wire.count(RST)).to.equal(0);
  });

  it('Stack.close() does not emit an error on a socket the application already ended', async () => {
    const p = stackPair({ delayMs: 5 });
    const { client, server } = await connected(p, () => {}, true);
    server.resume();
    let error: Error | undefined;
    let closed = false;
    client.on('error', (e: Error) => {
      error = e;
    });
    client.on('close', () => {
      closed = true;
    });
    client.end();
    await p.clock.runUntil(() => client.writableFinished, 1000);
    p.client.close();
    await p.clock.runUntil(() => closed, 1000);
    expect(error).to.equal(undefined);
    // One still open for writing does get ECONNRESET (the stack went away under it).
    const q = stackPair({ delayMs: 5 });
    const other = await connected(q);
    let otherError: SystemError | undefined;
    other.client.on('error', (e: SystemError) => {
      otherError = e;
    });
    q.client.close();
    await q.clock.runUntil(() => otherError !== undefined, 1000);
    expect(otherError!.code).to.equal('ECONNRESET');
  });
});
