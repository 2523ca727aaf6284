// Two userspace TCP stacks over an in-memory link: an echo server, then node:http on the same
// sockets (TcpSocket is a stream.Duplex like net.Socket).
import http from 'node:http';
import { MemoryLink, Stack } from 'tcpwasm';

// Two stacks joined by a link that drops 1% of packets (seeded: the same drops every run).
const [a, b] = MemoryLink.pair({ mtu: 1500, loss: 0.01, delayMs: 5, seed: 42 });
const server = new Stack({ device: b, addresses: ['192.0.2.2/24', '2001:db8::2/64'] });
const client = new Stack({ device: a, addresses: ['192.0.2.1/24', '2001:db8::1/64'] });

server.createServer((sock) => sock.pipe(sock)).listen(7); // an echo server
const sock = client.connect(7, '192.0.2.2'); // like net.connect
sock.on('data', (d) => console.log(`echo: ${d}`));
sock.end('hello over a userspace TCP stack');

// node:http on the same sockets, over IPv6 this time.
const web = http.createServer((req, res) => res.end(`hi from ${req.socket.remoteAddress}`));
server.createServer((socket) => web.emit('connection', socket)).listen(80);
sock.on('close', () => {
  http.get({ createConnection: () => client.connect(80, '2001:db8::2') }, (res) => {
    res.on('data', (d) => console.log(`HTTP ${res.statusCode}: ${d}`));
    res.on('end', () => {
      client.close();
      server.close();
    });
  });
});
