// A kernel-side TCP client for the TUN tests, run inside the test's namespace with
// `ip netns exec NS node tcp-client.mjs MODE HOST PORT [BYTES]`. Prints one JSON line.
//   echo N:     sends N pseudo-random bytes, reads N back; {bytes, equal}
//   upload N:   sends N pseudo-random bytes, then FIN; {bytes, sha256} of what it sent
//   download:   reads until FIN; {bytes, sha256} of what it got
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const [mode, host, portText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const total = Number(bytesText ?? 0);
const socket = connect({ host, port });
socket.setTimeout(30_000, () => {
  console.error(`timeout in ${mode}`);
  process.exit(2);
});
socket.on('error', (error) => {
  // An expected outcome for some tests (ECONNREFUSED, ECONNRESET): reported, not a crash.
  console.log(JSON.stringify({ error: error.code ?? error.message }));
  process.exit(0);
});

const hash = createHash('sha256');
let got = 0;
if (mode === 'echo') {
  const data = randomBytes(total);
  const back = Buffer.alloc(total);
  socket.on('data', (d) => {
    d.copy(back, got);
    got += d.length;
    if (got >= total) {
      console.log(JSON.stringify({ bytes: got, equal: back.equals(data) }));
      socket.end();
    }
  });
  socket.write(data);
} else if (mode === 'upload') {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const chunk = randomBytes(Math.min(256 * 1024, total - sent));
      hash.update(chunk);
      sent += chunk.length;
      if (!socket.write(chunk)) return socket.once('drain', pump);
    }
    socket.end();
  };
  socket.on('connect', pump);
  socket.resume();
  socket.on('close', () => console.log(JSON.stringify({ bytes: sent, sha256: hash.digest('hex') })));
} else if (mode === 'download') {
  socket.on('data', (d) => {
    got += d.length;
    hash.update(d);
  });
  socket.on('end', () => {
    console.log(JSON.stringify({ bytes: got, sha256: hash.digest('hex') }));
    socket.end();
  });
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
