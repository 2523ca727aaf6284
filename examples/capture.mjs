// Captures: write a pcap of a few packets to a temporary file, then read it back in record
// batches and decode each batch with one call into WebAssembly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePacket, writePcap, readCaptureBatches, decodeBatch, ChecksumState, LinkType, TcpFlags } from 'tcpwasm';

// A client sends 3 segments of 100 bytes to port 8080; the server ACKs each.
const ip = (from, to) => ({ src: `192.0.2.${from}`, dst: `192.0.2.${to}` });
const packets = [];
for (let i = 0; i < 3; i++) {
  const seq = 1 + 100 * i;
  packets.push(
    encodePacket({
      ip: ip(1, 2),
      tcp: { srcPort: 40000, dstPort: 8080, seq, ack: 1, flags: TcpFlags.ACK | TcpFlags.PSH },
      payload: new Uint8Array(100).fill(i),
    }),
  );
  packets.push(
    encodePacket({ ip: ip(2, 1), tcp: { srcPort: 8080, dstPort: 40000, seq: 1, ack: seq + 100, flags: TcpFlags.ACK } }),
  );
}
const dir = mkdtempSync(join(tmpdir(), 'tcpwasm-example-'));
const file = join(dir, 'three-segments.pcap');
writeFileSync(
  file,
  writePcap(
    packets.map((data, i) => ({ data, timestampNs: BigInt(i) * 1_000_000n })),
    { linkType: LinkType.RAW },
  ),
);

let rows = 0,
  good = 0,
  payloadBytes = 0,
  acks = 0;
for await (const batch of readCaptureBatches(file)) {
  // A RecordBatch goes to decodeBatch as it is: no object per record on the way in or out.
  const t = decodeBatch(batch, batch.linkTypes, { originalLengths: batch.originalLengths });
  for (let i = 0; i < t.length; i++) {
    rows++;
    if (t.checksumState[i] === ChecksumState.GOOD) good++;
    payloadBytes += t.payloadLength[i];
    if (t.srcPort[i] === 8080) acks = Math.max(acks, t.ack[i]);
  }
}
rmSync(dir, { recursive: true });
console.log(`${rows} rows, ${good} good checksums, ${payloadBytes} payload bytes, last ACK ${acks}`);
