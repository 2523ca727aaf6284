// Kernel-side echo server for "our stack as the client": listens with node:net on each
// HOST:PORT given, echoes every connection and half-closes after the client's FIN. Reports
// {"event":"listening"} once all listen, and {"event":"connection",...}/{"event":"closed",...}
// per connection (bytes echoed, error code). Runs until SIGTERM.
//   node tcp-server.mjs PORT HOST [HOST...]

import net from 'node:net';
import { report } from './data.mjs';

const [portText, ...hosts] = process.argv.slice(2);
const port = Number(portText);
let listening = 0;
for (const host of hosts) {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const who = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
    report({ event: 'connection', ...who });
    let bytes = 0;
    let error = null;
    socket.on('data', (d) => {
      bytes += d.length;
    });
    socket.on('error', (e) => {
      error = e.code ?? e.message;
    });
    socket.on('close', (hadError) => report({ event: 'closed', ...who, bytes, hadError, error }));
    // pipe ends our side after the client's FIN, once everything has been written back.
    socket.pipe(socket);
  });
  server.listen(port, host, () => {
    if (++listening === hosts.length) report({ event: 'listening', port, hosts });
  });
  server.on('error', (e) => {
    report({ event: 'error', host, error: e.code ?? e.message });
    process.exit(1);
  });
}
process.on('SIGTERM', () => process.exit(0));
