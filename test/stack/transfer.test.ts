import { expect } from 'chai';
import type { TcpSocket } from '../../src/stack/socket.js';
import { SERVER_V4, SERVER_V6, stackPair } from './harness.js';
import { receiveAll, sendAll, sha256Of, type Received } from './transfer-helpers.js';

const MB = 1024 * 1024;
const SIZE = 10 * MB;

interface Outcome {
  virtualMs: number;
  clientGot: Received;
  serverGot: Received;
  closeErrors: boolean[];
  closeStates: string[];
}

describe('Stack: two stacks over a lossy MemoryLink, 10 MB each way', function () {
  this.timeout(300_000);

  const cases: Array<{ loss: number; boundMs: number }> = [
    // Bounds about twice the virtual time measured with these seeds (10 ms RTT, 256 KiB buffers).
    { loss: 0, boundMs: 30_000 },
    { loss: 0.01, boundMs: 60_000 },
    { loss: 0.05, boundMs: 200_000 },
    { loss: 0.1, boundMs: 400_000 },
  ];
  for (const family of [4, 6] as const) {
    for (const { loss, boundMs } of cases) {
      it(`IPv${family}, ${loss * 100}% loss with reordering, duplication and corruption: exact bytes, clean close`, async () => {
        const faults = {
          loss,
          reorder: 0.02,
          duplicate: 0.01,
          corrupt: 0.005,
          delayMs: 5,
          seed: 1000 + family * 100 + loss * 1000,
        };
        const p = stackPair(faults);
        const outcome: Partial<Outcome> = { closeErrors: [], closeStates: [] };
        let closed = 0;
        const watch = (s: TcpSocket) =>
          s.on('close', (hadError: boolean) => {
            closed++;
            outcome.closeErrors!.push(hadError);
            outcome.closeStates!.push(s.tcpState);
          });
        // Half-open allowed: each side ends after its own 10 MB, whichever finishes first (with
        // node:net's default, the first FIN would end the other side's writing too).
        p.server
          .createServer({ allowHalfOpen: true }, (s) => {
            watch(s);
            outcome.serverGot = receiveAll(s);
            sendAll(s, 2, SIZE);
          })
          .listen(5001);
        const client = p.client.connect({
          port: 5001,
          host: family === 4 ? SERVER_V4 : SERVER_V6,
          allowHalfOpen: true,
        });
        watch(client);
        outcome.clientGot = receiveAll(client);
        client.on('connect', () => sendAll(client, 1, SIZE));
        const errors: Error[] = [];
        client.on('error', (e) => errors.push(e));

        outcome.virtualMs = await p.clock.runUntil(() => closed === 2, boundMs);
        expect(errors).to.deep.equal([]);
        expect(outcome.serverGot!.bytes).to.equal(SIZE);
        expect(outcome.clientGot!.bytes).to.equal(SIZE);
        expect(outcome.serverGot!.digest()).to.equal(sha256Of(1, SIZE));
        expect(outcome.clientGot!.digest()).to.equal(sha256Of(2, SIZE));
        expect(outcome.closeErrors).to.deep.equal([false, false]);
        // Each side has sent its FIN; what is left is the ordinary end of a close.
        for (const state of outcome.closeStates!)
          expect(['TIME-WAIT', 'CLOSED', 'LAST-ACK', 'FIN-WAIT-2', 'CLOSING', 'FIN-WAIT-1']).to.include(state);
        // Then TIME-WAIT runs out and both tables empty: every connection reached CLOSED.
        await p.clock.runUntil(() => p.client.connectionCount === 0 && p.server.connectionCount === 0, 300_000);
        for (const stack of [p.client, p.server]) {
          expect(stack.stats.resetsSent, 'RST sent').to.equal(0);
          expect(stack.stats.resetsReceived, 'RST received').to.equal(0);
          expect(stack.stats.stack.closed).to.equal(1);
        }
        // Every corrupted packet that arrived was caught (TCP checksum, IPv4 header checksum or
        // a malformed header) — none reached a connection.
        const [a, b] = p.links;
        const corrupted = a.counters.corrupted + b.counters.corrupted;
        const caught = [p.client, p.server].reduce(
          (n, s) =>
            n +
            s.stats.dropped.badChecksum +
            s.stats.dropped.malformed +
            s.stats.ip.badHeaderChecksum +
            s.stats.ip.malformed +
            s.stats.ip.fragments +
            s.stats.ip.notOurs +
            s.stats.ip.unknownProtocol,
          0,
        );
        expect(corrupted).to.be.greaterThan(0);
        if (family === 4) expect(caught).to.equal(corrupted);
        else expect(caught).to.be.at.most(corrupted).and.greaterThan(0);
        if (loss > 0) expect(p.client.stats.retransmissions + p.server.stats.retransmissions).to.be.greaterThan(0);
        console.log(
          `      IPv${family} loss ${loss}: ${Math.round(outcome.virtualMs!)} virtual ms, retransmissions ${p.client.stats.retransmissions + p.server.stats.retransmissions}, corrupted ${corrupted}, caught ${caught}`,
        );
      });
    }
  }
});
