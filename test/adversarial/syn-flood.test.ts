// Adversarial: a SYN flood from 100k+ spoofed sources and martian-source SYNs, written onto the
// TUN device from inside the test's own network namespace (AF_PACKET, so the kernel neither
// routes nor filters them), against our stack with its defaults (SYN cookies on when the SYN
// queue is full). Legitimate curl requests from the namespace must keep working during and after
// the flood. Bounded: at most FLOOD_PACKETS packets and FLOOD_SECONDS seconds of flooding.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { TcpSocket } from '../../src/stack/socket.js';
import type { Stack } from '../../src/stack/stack.js';
import { hasCommand } from '../helpers/netns.js';
import { done, interopSuite, OURS, until, type KernelPeer, type KernelProgram } from '../interop/fixture.js';

const SENDER = fileURLToPath(new URL('./clients/syn-flood.py', import.meta.url));
const SOURCES = 120_000;
const FLOOD_PACKETS = 600_000;
const FLOOD_SECONDS = 8;
const REQUESTS = 50;
/** Request loops run side by side during the flood (REQUESTS / LOOPS each), all started at its start. */
const LOOPS = 10;
const PORT = 80;

/** A minimal HTTP/1.1 responder: one response per connection, then FIN. */
function serveHttp(stack: Stack): void {
  stack
    .createServer((sock: TcpSocket) => {
      let head = '';
      sock.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        if (head.includes('\r\n\r\n'))
          sock.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n');
      });
      sock.on('error', () => {});
    })
    .listen(PORT);
}

/** `count` curl requests one after another from the namespace, alternating IPv4 and IPv6. */
function curlLoop(peer: KernelPeer, count: number): KernelProgram {
  const format = '{"event":"result","code":"%{http_code}","seconds":%{time_total}}\\n';
  const script = [
    `i=0; while [ $i -lt ${count} ]; do`,
    `  if [ $((i % 2)) -eq 0 ]; then url=http://${OURS[4]}:${PORT}/; else url=http://[${OURS[6]}]:${PORT}/; fi`,
    `  curl -s -o /dev/null -m 45 -w '${format}' "$url"`,
    '  i=$((i + 1))',
    'done',
    `echo '{"event":"done"}'`,
  ].join('\n');
  return peer.program('sh', ['-c', script]);
}

function successes(...programs: KernelProgram[]): { ok: number; total: number; slowest: number } {
  const results = programs.flatMap((p) => p.lines.filter((l) => l.event === 'result'));
  return {
    ok: results.filter((l) => l.code === '200').length,
    total: results.length,
    slowest: Math.max(0, ...results.map((l) => Number(l.seconds))),
  };
}

/** Packets the kernel could not queue on the TUN device for us (its tx queue full). */
function tunDrops(peer: KernelPeer): number {
  const [info] = JSON.parse(
    execFileSync('ip', ['-n', peer.ns.name, '-s', '-j', 'link', 'show', 'dev', peer.tun.name], { encoding: 'utf8' }),
  ) as Array<{ stats64: { tx: { dropped: number } } }>;
  return info!.stats64.tx.dropped;
}

describe('adversarial: SYN flood and martians over TUN', function () {
  this.timeout(240_000);
  const open = interopSuite([
    [hasCommand('curl'), 'curl is not installed (apt-get install curl)'],
    [hasCommand('/usr/bin/python3'), 'python3 is not installed (apt-get install python3)'],
  ]);

  it(`${SOURCES.toLocaleString('en')} spoofed sources at the sender's top rate: legitimate requests during and after succeed ≥ 99%`, async () => {
    const peer = await open({ txQueueLength: 20_000 }); // TunDevice's default
    expect(peer.tun.txQueueLength).to.equal(20_000);
    const stack = peer.stack;
    serveHttp(stack);
    const warm = curlLoop(peer, 1);
    await done(warm, 30_000);
    expect(successes(warm).ok, 'before the flood').to.equal(1);

    const flood = peer.program('/usr/bin/python3', [
      SENDER,
      peer.tun.name,
      'flood',
      OURS[4],
      OURS[6],
      PORT,
      SOURCES,
      FLOOD_PACKETS,
      FLOOD_SECONDS,
      12,
    ]);
    await flood.waitFor('started', 60_000);
    const during = Array.from({ length: LOOPS }, () => curlLoop(peer, REQUESTS / LOOPS));
    const floodDone = await done(flood, 60_000 + FLOOD_SECONDS * 1000);
    const finishedDuring = successes(...during).total;
    await Promise.all(during.map((p) => done(p, 120_000)));
    const after = curlLoop(peer, REQUESTS);
    await done(after, 120_000);

    const d = successes(...during);
    const a = successes(after);
    const s = stack.stats;
    const rate = Math.round(Number(floodDone.rate));
    console.log(
      `      flood: ${Number(floodDone.sent).toLocaleString('en')} SYNs from ${Number(floodDone.sources).toLocaleString('en')} sources in ${Number(floodDone.seconds).toFixed(1)} s = ${rate.toLocaleString('en')}/s; ` +
        `read by the stack ${peer.tun.counters.packetsIn.toLocaleString('en')} in ${peer.tun.counters.batchesIn.toLocaleString('en')} wake-ups, dropped by the kernel's TUN queue ${tunDrops(peer).toLocaleString('en')}`,
    );
    console.log(
      `      stack: cookies sent ${s.synQueue.cookiesSent.toLocaleString('en')}, validated ${s.synQueue.cookiesValidated}, failed ${s.synQueue.cookiesFailed}; ` +
        `SYN queue entries made ${s.stack.passiveOpens - s.synQueue.cookiesValidated}; connections now ${stack.connectionCount}`,
    );
    console.log(
      `      legitimate: started during the flood ${d.ok}/${d.total} (${finishedDuring} finished before it ended, slowest ${d.slowest.toFixed(2)} s), after ${a.ok}/${a.total} (slowest ${a.slowest.toFixed(2)} s)`,
    );

    expect(Number(floodDone.sources)).to.be.at.least(100_000);
    expect(d.total + a.total).to.equal(2 * REQUESTS);
    expect((d.ok + a.ok) / (2 * REQUESTS)).to.be.at.least(0.99);
    // Cookies, not state: the table holds at most the SYN queue's worth of spoofed handshakes.
    expect(s.synQueue.cookiesSent).to.be.at.least(10_000);
    expect(stack.connectionCount).to.be.at.most(1024 + 2 * REQUESTS);
    expect(s.resetsSent, 'no legitimate connection reset').to.equal(0);
  });

  it('SYNs from martian sources get no reply at all and are counted by reason', async () => {
    const peer = await open();
    const stack = peer.stack;
    serveHttp(stack);
    const subnetBroadcast = OURS[4].replace(/\.\d+$/, '.255'); // the fixture's /24
    const sources: Array<[string, keyof typeof stack.stats.martians]> = [
      ['255.255.255.255', 'broadcastSource'],
      [subnetBroadcast, 'broadcastSource'],
      ['224.0.0.1', 'multicastSource'],
      ['239.1.2.3', 'multicastSource'],
      ['ff02::1', 'multicastSource'],
      ['0.0.0.0', 'unspecifiedSource'],
      ['::', 'unspecifiedSource'],
      ['127.0.0.1', 'loopbackSource'],
      ['::1', 'loopbackSource'],
      [OURS[4], 'ownSource'],
      [OURS[6], 'ownSource'],
    ];
    const out = stack.stats.ip.packetsOut;
    const sender = peer.program('/usr/bin/python3', [
      SENDER,
      peer.tun.name,
      'martians',
      OURS[4],
      OURS[6],
      PORT,
      ...sources.map(([a]) => a),
    ]);
    const result = await done(sender, 30_000);
    expect(result.sent).to.equal(sources.length);
    const total = () => Object.values(stack.stats.martians).reduce((n, v) => n + v, 0);
    await until(() => total() >= sources.length, 10_000, 'every martian SYN counted');
    await new Promise((r) => setTimeout(r, 300)); // a reply would have gone out by now
    const expected: Record<string, number> = {};
    for (const [, reason] of sources) expected[reason] = (expected[reason] ?? 0) + 1;
    expect(stack.stats.martians).to.deep.include(expected);
    expect(stack.stats.ip.packetsOut - out, 'packets sent in reply').to.equal(0);
    expect(stack.connectionCount).to.equal(0);
    expect(stack.stats.stack.passiveOpens).to.equal(0);
  });
});
