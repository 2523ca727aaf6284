// Unpredictable identifiers: ephemeral ports by RFC 6056 Algorithm 4 (double hash) and keyed
// timestamp offsets (RFC 7323 §5.4), checked on the SYNs a stack sends.

import { expect } from 'chai';
import type { SystemError } from '../../src/stack/node-errors.js';
import { seqDiff } from '../../src/tcp/seq.js';
import { TcpFlags } from '../../src/wire/constants.js';
import type { StackOptions } from '../../src/stack/stack.js';
import { CLIENT_V4, SERVER_V4, decoded, stackPair, wireHarness } from './harness.js';

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 3 * i + 1);

/** The SYN a harness stack sends for connect(port, host) at the harness clock's time. */
async function synTo(h: ReturnType<typeof wireHarness>, port: number, host: string) {
  h.stack.connect(port, host).on('error', () => {});
  await h.clock.runUntil(() => h.sent.length > 0, 10);
  const out = h
    .take()
    .map(decoded)
    .filter((d) => d.tcp.flags === TcpFlags.SYN && d.tcp.dstPort === port && d.ip.dst === host);
  expect(out).to.have.length(1);
  return out[0]!.tcp;
}

describe('Stack: unpredictable identifiers', () => {
  it('ephemeral ports toward different destinations are not sequential (RFC 6056 Algorithm 4)', async () => {
    const h = wireHarness({ isnSecret: SECRET });
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push((await synTo(h, 1000 + i, CLIENT_V4)).srcPort);
    const steps = ports.slice(1).map((p, i) => p - ports[i]!);
    expect(steps.filter((d) => d === 1).length).to.be.below(3);
    expect(new Set(ports).size).to.equal(40);
    for (const p of ports) expect(p).to.be.within(49152, 65535);
  });

  it('toward one destination the ports cycle through the range without collision, then EADDRNOTAVAIL', async () => {
    const h = wireHarness({ isnSecret: SECRET, ephemeralPorts: [50000, 50019] });
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push((await synTo(h, 80, CLIENT_V4)).srcPort);
    expect([...ports].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20 }, (_, i) => 50000 + i));
    let error: SystemError | undefined;
    h.stack.connect(80, CLIENT_V4).on('error', (e: SystemError) => {
      error = e;
    });
    await h.clock.runUntil(() => error !== undefined, 10);
    expect(error!.code).to.equal('EADDRNOTAVAIL');
  });

  it('ports depend on the secret: the same secret gives the same choice, another secret another', async () => {
    const pick = async (secret: Uint8Array) => {
      const h = wireHarness({ isnSecret: secret });
      const ports: number[] = [];
      for (let i = 0; i < 5; i++) ports.push((await synTo(h, 2000 + i, CLIENT_V4)).srcPort);
      return ports;
    };
    expect(await pick(SECRET)).to.deep.equal(await pick(SECRET.slice()));
    expect(await pick(SECRET)).to.not.deep.equal(await pick(SECRET.map((b) => b ^ 0x80)));
  });

  it('TSval hides the clock: neither TSval - now nor TSval - ISN gives the uptime; one peer sees one clock', async () => {
    const h = wireHarness({ isnSecret: SECRET });
    h.clock.advance(5_000_000);
    const a = await synTo(h, 80, CLIENT_V4);
    h.clock.advance(1234);
    const b = await synTo(h, 81, CLIENT_V4);
    const c = await synTo(h, 80, '192.0.2.77');
    const tsA = a.options.timestamp!.value;
    const tsB = b.options.timestamp!.value;
    const tsC = c.options.timestamp!.value;
    const now = h.clock.now();
    for (const syn of [a, b, c]) {
      const ts = syn.options.timestamp!.value;
      expect(Math.abs(seqDiff(ts, syn.seq))).to.be.above(10_000_000);
      expect(Math.abs(seqDiff(ts, now))).to.be.above(10_000_000);
    }
    // The same peer address: one clock across connections (RFC 6191 TIME-WAIT reuse needs it).
    expect(seqDiff(tsB, tsA)).to.equal(1234);
    // Another peer address: another offset.
    expect(Math.abs(seqDiff(tsC, tsB))).to.be.above(10_000_000);
  });

  it('timestamps still work end to end with the offsets: a lossy, reordered transfer completes', async () => {
    const options: Partial<StackOptions> = { isnSecret: SECRET };
    const p = stackPair({ delayMs: 2, loss: 0.02, reorder: 0.05, seed: 5 }, options);
    const size = 300_000;
    let got = 0;
    p.server
      .createServer((s) =>
        s.on('data', (d: Buffer) => {
          got += d.length;
        }),
      )
      .listen(7);
    const sock = p.client.connect(7, SERVER_V4);
    sock.end(Buffer.alloc(size, 7));
    await p.clock.runUntil(() => got === size, 120_000);
    expect(got).to.equal(size);
    // No segment was refused for a timestamp the offsets broke: PAWS drops only what reordering
    // made old, fewer than the segments reordered.
    expect(p.server.stats.dropped.paws).to.be.below(5);
  });
});
