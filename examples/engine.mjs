// Embedding the sans-IO engine: two Connections joined by a simulated wire, driven by one loop.
// The engine never reads a clock or sets a timer: the loop passes the time in, sends whatever
// pollTransmit returns, and sleeps until the earliest deadline (a segment due, nextTimeout).
import { Connection, IsnGenerator, createTcpCounters, resolveTcpConfig } from 'tcpwasm/engine';

const ONE_WAY_MS = 10; // the wire's delay each way
const DROP = new Set([3]); // the client's 3rd segment is lost: an RTO or RACK-TLP resends it
const config = resolveTcpConfig({ timeWaitTime: 1000 });
const isn = new IsnGenerator(new Uint8Array(16)); // a fixed key: the same run every time
const [A, B] = [Uint8Array.of(192, 0, 2, 1), Uint8Array.of(192, 0, 2, 2)];
const counters = createTcpCounters();

let now = 0;
const client = Connection.connect(
  { localPort: 40000, remotePort: 80, iss: isn.next(A, 40000, B, 80, now), config, counters },
  now,
);
let server = null; // made by the first SYN, as a listener would
const wire = []; // segments in flight: { at, to, seg }
let sentByClient = 0;

// Everything pollTransmit returns goes on the wire (a real one would encode it: tcpwasm/codec).
function transmit(from) {
  for (let seg; (seg = from.pollTransmit(now)) !== null;) {
    if (from === client && DROP.has(++sentByClient)) continue;
    wire.push({ at: now + ONE_WAY_MS, to: from === client ? 'server' : 'client', seg });
  }
}

// The application: the client sends 100 kB and closes; the server counts, answers, closes.
const message = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
let written = 0,
  received = 0,
  reply = '';
function application() {
  for (let e; (e = client.pollEvent()) !== null;) {
    if (e.type === 'established' || e.type === 'writable') {
      written += client.write(message.subarray(written));
      if (written === message.length) client.close(now);
    }
    if (e.type === 'readable') for (let d; (d = client.read()) !== null;) reply += new TextDecoder().decode(d);
  }
  for (let e; server !== null && (e = server.pollEvent()) !== null;) {
    if (e.type === 'readable') for (let d; (d = server.read()) !== null;) received += d.length;
    if (e.type === 'end') {
      server.write(new TextEncoder().encode(`got ${received} bytes`));
      server.close(now);
    }
  }
}

while (client.state !== 'CLOSED' || server?.state !== 'CLOSED') {
  application();
  transmit(client);
  if (server !== null) transmit(server);
  // Sleep until the next deadline: the first segment due on the wire or either engine's timer.
  const next = Math.min(...wire.map((w) => w.at), client.nextTimeout, server?.nextTimeout ?? Infinity);
  if (next === Infinity) break;
  now = next;
  for (const w of wire.filter((w) => w.at <= now)) {
    wire.splice(wire.indexOf(w), 1);
    if (w.to === 'client') client.handleSegment(w.seg, now);
    else if (server !== null) server.handleSegment(w.seg, now);
    else
      server = Connection.accept(
        // the SYN: a passive open (RFC 9293 §3.10.7.2)
        { localPort: 80, remotePort: 40000, iss: isn.next(B, 80, A, 40000, now), config, counters },
        w.seg,
        now,
      );
  }
  if (now >= client.nextTimeout) client.handleTimeout(now);
  if (server !== null && now >= server.nextTimeout) server.handleTimeout(now);
}

console.log(`server received ${received} bytes; client read "${reply}"`);
console.log(`states: client ${client.state}, server ${server.state}; ${now} ms of virtual time`);
console.log(`segments ${counters.segmentsOut} sent, 1 lost, ${counters.retransmissions} retransmitted`);
