// Kernel-side: opens COUNT connections to HOST:PORT, asks each for a large body
// (GET /bytes/100000000) and never reads a byte of it. Reports {"event":"ready","connected":n,
// "errors":{code:n}} once every connection is open and its request sent, then holds them until
// killed (or HOLD_MS, so it always ends by itself).
//   node slow-readers.mjs HOST PORT COUNT HOLD_MS

import net from 'node:net';

const [host, portText, countText, holdText] = process.argv.slice(2);
const count = Number(countText);
let connected = 0;
let settled = 0;
const errors = {};
const sockets = [];

function settle() {
  if (++settled === count) {
    console.log(JSON.stringify({ event: 'ready', connected, errors }));
    setTimeout(() => process.exit(0), Number(holdText)).unref();
    setInterval(() => {}, 1000); // hold until killed or HOLD_MS
  }
}

for (let i = 0; i < count; i++) {
  const s = net.connect({ host, port: Number(portText) }, () => {
    connected++;
    s.pause(); // never read: the receive window closes
    s.write('GET /bytes/100000000 HTTP/1.1\r\nHost: x\r\n\r\n', settle);
  });
  s.on('error', (e) => {
    errors[e.code] = (errors[e.code] ?? 0) + 1;
    if (s.connecting) settle();
  });
  sockets.push(s);
}
