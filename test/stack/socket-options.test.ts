// createServer({ noDelay, keepAlive, keepAliveInitialDelay }) and the same on connect(), as
// node:net: applied to every accepted / connected socket (TLS and HTTP/2 wrap the socket, so these
// options are how noDelay reaches TCP under them).

import { expect } from 'chai';
import type { MemoryLinkEnd } from '../../src/link/memory-link.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import type { VirtualClock } from '../../src/base/clock.js';
import { decodeIp } from '../../src/wire/decode.js';
import { SERVER_V4, stackPair } from './harness.js';

/** Clock times at which `end` sent a segment with payload. */
function dataTimes(end: MemoryLinkEnd, clock: VirtualClock): number[] {
  const times: number[] = [];
  const send = end.send.bind(end);
  end.send = (packet: Uint8Array) => {
    if (decodeIp(packet).payload.length > 0) times.push(clock.now());
    send(packet);
  };
  return times;
}

/** Writes 'a', then 'b' one tick later (while 'a' is unacknowledged): when did each leave? */
async function twoSmallWrites(noDelayServer: boolean, noDelayClient: boolean, fromServer: boolean): Promise<number[]> {
  const p = stackPair({ delayMs: 5 });
  let accepted: TcpSocket | undefined;
  p.server
    .createServer({ noDelay: noDelayServer }, (s) => {
      accepted = s;
      s.resume();
    })
    .listen(7);
  const client = p.client.connect({ port: 7, host: SERVER_V4, noDelay: noDelayClient });
  client.resume();
  await p.clock.runUntil(() => accepted !== undefined && !client.connecting, 1000);
  const writer = fromServer ? accepted! : client;
  const times = dataTimes(p.links[fromServer ? 1 : 0], p.clock);
  const start = p.clock.now();
  writer.write('a');
  await p.clock.runUntil(() => times.length === 1, 1000);
  writer.write('b');
  await p.clock.runUntil(() => times.length === 2, 1000);
  return times.map((t) => t - start);
}

describe('Stack: socket options from createServer() and connect()', () => {
  it('createServer({ noDelay: true }): a small write goes at once although the previous small one is unacknowledged', async () => {
    expect(await twoSmallWrites(true, false, true)).to.deep.equal([0, 0]);
    // Without it, Nagle (Minshall) holds 'b' until 'a' is acknowledged: a 10 ms round trip plus
    // the client's 40 ms delayed ACK.
    expect(await twoSmallWrites(false, false, true)).to.deep.equal([0, 50]);
  });

  it('connect({ noDelay: true }) does the same on the connecting side', async () => {
    expect(await twoSmallWrites(false, true, false)).to.deep.equal([0, 0]);
    // Here 'a' is acknowledged at once: the server's first read announces its full scaled window
    // (its SYN-ACK could say at most 64 KiB), and that window update carries the ACK.
    expect(await twoSmallWrites(false, false, false)).to.deep.equal([0, 10]);
  });

  it('createServer({ keepAlive, keepAliveInitialDelay }): accepted sockets probe after that idle time', async () => {
    for (const keepAlive of [true, false]) {
      const p = stackPair({ delayMs: 1 }, { tcp: { keepAliveInterval: 1000 } });
      let accepted = false;
      p.server
        .createServer({ keepAlive, keepAliveInitialDelay: 3000 }, () => {
          accepted = true;
        })
        .listen(7);
      const client = p.client.connect(7, SERVER_V4);
      await p.clock.runUntil(() => accepted && !client.connecting, 1000);
      await p.clock.runUntil(() => false, 2900).catch(() => {});
      expect(p.server.stats.keepAliveProbes).to.equal(0);
      await p.clock.runUntil(() => false, 200).catch(() => {});
      expect(p.server.stats.keepAliveProbes).to.equal(keepAlive ? 1 : 0);
      expect(p.client.stats.keepAliveProbes).to.equal(0);
    }
  });
});
