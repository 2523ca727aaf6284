// The example the README shows (two stacks talking, then node:http on top), run as written but
// in virtual time, through the package root's exports.

import { expect } from 'chai';
import http from 'node:http';
import { MemoryLink, Stack, VirtualClock, type TcpSocket } from '../../src/index.js';

describe('package root: two stacks talking, node:http on top', () => {
  it('echoes over a lossy link and serves an HTTP request', async () => {
    const clock = new VirtualClock();
    const [a, b] = MemoryLink.pair({
      mtu: 1500,
      loss: 0.01,
      reorder: 0.01,
      duplicate: 0.005,
      corrupt: 0.001,
      delayMs: 5,
      rateBps: 0,
      seed: 42,
      clock,
    });
    const server = new Stack({ device: b, addresses: ['192.0.2.2/24', '2001:db8::2/64'], clock });
    const client = new Stack({ device: a, addresses: ['192.0.2.1/24', '2001:db8::1/64'], clock });
    server.createServer((sock: TcpSocket) => sock.pipe(sock)).listen(7);
    const sock = client.connect(7, '192.0.2.2');
    let echoed = '';
    sock.on('data', (d: Buffer) => {
      echoed += d.toString();
    });
    sock.end('hello over a userspace TCP stack');

    const web = http.createServer((req, res) => res.end(`hi from ${req.socket.remoteAddress}`));
    server.createServer((socket: TcpSocket) => web.emit('connection', socket)).listen(80);
    let body = '';
    http.get({ createConnection: () => client.connect(80, '2001:db8::2') } as http.RequestOptions, (res) => {
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
    });

    await clock.runUntil(() => echoed.length === 32 && body.length > 0, 60_000);
    expect(echoed).to.equal('hello over a userspace TCP stack');
    expect(body).to.equal('hi from 2001:db8::1');
    web.close();
  });
});
