// The work the browser test does twice: once in headless Chromium through the esbuild bundles of
// tcpwasm/codec and tcpwasm/engine, once in Node through the sources. Everything here takes the
// API as a parameter (it must not import the library, or the page bundle would carry its own
// copy) and returns plain JSON, so the two runs compare with one deep equality.

import type * as CodecApi from '../../src/codec.js';
import type * as EngineApi from '../../src/engine.js';
import { Random } from '../helpers/random.js';

export type Codec = typeof CodecApi;
export type Engine = typeof EngineApi;

/** A capture file's name and bytes (the page fetches them, Node reads them). */
export interface Capture {
  name: string;
  bytes: Uint8Array;
}

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/** JSON-safe copy: typed arrays become number arrays, bigints strings, undefined fields vanish. */
export function plain(value: unknown): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    const out: Record<string, Plain> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'function') out[key] = plain(v);
    }
    return out;
  }
  return String(value);
}

/** decodeFrame's result, or the DecodeError code it threw. */
function decodeOrError(codec: Codec, data: Uint8Array, linkType: number, originalLength?: number): Plain {
  try {
    return plain(codec.decodeFrame(data, linkType, originalLength));
  } catch (error) {
    if (error instanceof codec.DecodeError) return { error: error.code };
    throw error;
  }
}

/** Every column of a SegmentTable plus each row's error code and addresses. */
function table(t: CodecApi.SegmentTable): Plain {
  const rows: Plain[] = [];
  for (let i = 0; i < t.length; i++) {
    const error = t.error(i);
    rows.push(
      error === undefined ? { src: t.srcAddress(i), dst: t.dstAddress(i), payload: plain(t.payload(i)) } : { error },
    );
  }
  return { columns: plain(t), rows };
}

const V4_ADDRESSES = ['198.51.100.1', '198.51.100.2', '203.0.113.7'];
const V6_ADDRESSES = ['2001:db8::1', '2001:db8::2', '2001:db8:0:1::ff'];

function packetInit(random: Random, i: number): CodecApi.PacketInit {
  const v6 = i % 2 === 1;
  const addresses = v6 ? V6_ADDRESSES : V4_ADDRESSES;
  const options: NonNullable<CodecApi.TcpHeaderInit['options']> = {};
  if (random.chance(0.5)) options.mss = 536 + random.below(9000);
  if (random.chance(0.4)) options.windowScale = random.below(15);
  if (random.chance(0.4)) options.sackPermitted = true;
  if (random.chance(0.6)) options.timestamp = { value: random.u32(), echo: random.u32() };
  if (random.chance(0.3)) {
    const left = random.u32();
    options.sack = [[left, (left + 1 + random.below(60000)) >>> 0]];
  }
  return {
    ip: {
      src: addresses[random.below(addresses.length)]!,
      dst: addresses[random.below(addresses.length)]!,
      ttl: 1 + random.below(255),
      ...(v6 ? { flowLabel: random.below(1 << 20) } : { id: random.below(65536) }),
    },
    tcp: {
      srcPort: 1 + random.below(65535),
      dstPort: 1 + random.below(65535),
      seq: random.u32(),
      ack: random.u32(),
      flags: random.below(0x100),
      window: random.below(65536),
      options,
    },
    payload: random.bytes(random.below(1461)),
  };
}

/**
 * checksum (fixed and seeded-random inputs, odd offsets), encodePacket, decodeFrame of what was
 * encoded and of every capture record (garbage and truncations included), decodeBatch of both.
 */
export function codecWorkload(codec: Codec, captures: readonly Capture[], seed: number): Plain {
  const random = new Random(seed);
  // RFC 1071 §3's example words, all-ones, empty, odd lengths; then seeded ones of up to 9000
  // bytes viewed at odd offsets so the SIMD path's unaligned heads and tails are exercised.
  const inputs: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0xff),
    Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7),
    new Uint8Array(1500).fill(0xff),
    new TextEncoder().encode('tcpwasm in a browser'),
  ];
  for (let i = 0; i < 40; i++) {
    const offset = random.below(8);
    inputs.push(random.bytes(offset + random.below(9001)).subarray(offset));
  }
  const checksums = inputs.map((bytes) => {
    const half = bytes.length >> 1;
    const head = codec.onesComplementSum(bytes.subarray(0, half));
    const tail = codec.onesComplementSum(bytes.subarray(half));
    return {
      length: bytes.length,
      checksum: codec.internetChecksum(bytes),
      sum: codec.onesComplementSum(bytes),
      combined: codec.combineSums(head, tail, half),
      seeded: codec.internetChecksum(bytes, 0x1234),
    };
  });
  const pseudo = [
    codec.pseudoHeaderSum('198.51.100.1', '203.0.113.9', 6, 1480),
    codec.pseudoHeaderSum('2001:db8::1', '2001:db8::2', 6, 65535),
  ];
  const updated = [codec.updateChecksum(0xb1e6, 0x5555, 0x3285), codec.updateChecksum(0, 0, 0xffff)];

  const packets: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) packets.push(codec.encodePacket(packetInit(random, i)).slice());
  // Flipped bits (bad checksums, odd headers) and cuts inside the headers (errors) of the
  // encoded packets: verdicts and error codes must match too.
  const damaged = packets.slice(0, 10).map((p, i) => {
    const copy = p.slice(0, i % 2 === 0 ? p.length : random.below(40));
    if (copy.length > 0) {
      const at = random.below(copy.length);
      copy[at] = copy[at]! ^ (1 << random.below(8));
    }
    return copy;
  });
  const raw = [...packets, ...damaged];
  const decoded = raw.map((p) => decodeOrError(codec, p, codec.LinkType.RAW));
  const batch = table(codec.decodeBatch(raw, codec.LinkType.RAW));

  const files = captures.map(({ name, bytes }) => {
    const records: Plain[] = [];
    for (const r of codec.parseCapture(bytes)) {
      records.push({
        index: r.index,
        linkType: r.linkType,
        time: `${r.timestampNs}`,
        decoded: decodeOrError(codec, r.data, r.linkType, r.originalLength),
      });
    }
    const batches: Plain[] = [];
    for (const b of codec.parseCaptureBatches(bytes, 64)) {
      batches.push(table(codec.decodeBatch(b, b.linkTypes, { originalLengths: b.originalLengths })));
    }
    return { name, records, batches };
  });

  return { checksums, pseudo, updated, packets: plain(packets), decoded, batch, files };
}

/** Outcome of one engine transfer (see engineTransfer). */
export interface TransferResult {
  /** Bytes each side received, and whether they equal what the other side wrote. */
  receivedByServer: number;
  receivedByClient: number;
  serverGotClientBytes: boolean;
  clientGotServerBytes: boolean;
  states: string[];
  errors: string[];
  /** Virtual milliseconds the transfer took. */
  virtualMs: number;
  dropped: number;
  counters: Plain;
}

/**
 * Two Connections move `size` seeded bytes each way over an in-page queue (1 ms each way, a
 * seeded `loss` of segments) in virtual time, then close. Deterministic: the same seed gives
 * the same segments, counters and end time in any JavaScript engine.
 */
export function engineTransfer(engine: Engine, size: number, loss: number, seed: number): TransferResult {
  const random = new Random(seed);
  const data = [random.bytes(size), random.bytes(size)] as const;
  const config = engine.resolveTcpConfig({ timeWaitTime: 1000 });
  const counters = engine.createTcpCounters();
  const queue: Array<{ at: number; to: 0 | 1; seg: EngineApi.TcpSegment }> = [];
  let now = 0;
  let dropped = 0;
  const conns: EngineApi.Connection[] = [
    engine.Connection.connect({ localPort: 40000, remotePort: 80, iss: 0x01000000, config, counters }, now),
  ];
  const written = [0, 0];
  const receivedBytes = [0, 0];
  const intact = [true, true];
  const closed = [false, false];
  const closeCalled = [false, false];
  const errors: string[] = [];

  const pump = (): void => {
    conns.forEach((conn, i) => {
      const out = data[i]!;
      if (written[i]! < out.length) written[i]! += conn.write(out.subarray(written[i], written[i]! + 65536));
      if (written[i] === out.length && !closeCalled[i]) {
        closeCalled[i] = true;
        conn.close(now);
      }
      // Each byte read must be the next one the other side wrote.
      const expected = data[i === 0 ? 1 : 0];
      for (let chunk = conn.read(); chunk !== null; chunk = conn.read()) {
        const at = receivedBytes[i]!;
        if (at + chunk.length > size || chunk.some((byte, k) => byte !== expected[at + k])) intact[i] = false;
        receivedBytes[i] = at + chunk.length;
      }
      for (let e = conn.pollEvent(); e !== null; e = conn.pollEvent()) {
        if (e.type === 'closed') closed[i] = true;
        else if (e.type === 'error') errors.push(e.code);
      }
      for (let seg = conn.pollTransmit(now); seg !== null; seg = conn.pollTransmit(now)) {
        if (random.chance(loss)) {
          dropped++;
          continue;
        }
        // The receiver may keep views: hand over a private copy, as a real link would.
        queue.push({ at: now + 1, to: i === 0 ? 1 : 0, seg: { ...seg, payload: seg.payload.slice() } });
      }
    });
  };

  for (let steps = 0; !(conns.length === 2 && closed[0] && closed[1]); steps++) {
    if (steps > 1_000_000) throw new Error('engine transfer made no progress');
    pump();
    const next = Math.min(queue.length > 0 ? queue[0]!.at : Infinity, ...conns.map((c) => c.nextTimeout));
    if (next === Infinity) break;
    now = Math.max(now, next);
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { to, seg } = queue.shift()!;
      if (to === 1 && conns.length === 1) {
        if (seg.flags !== engine.TcpFlags.SYN) continue; // only a SYN creates the passive end
        conns.push(
          engine.Connection.accept({ localPort: 80, remotePort: 40000, iss: 0x7f000000, config, counters }, seg, now),
        );
      } else if (conns[to]) {
        conns[to]!.handleSegment(seg, now);
      }
      pump();
    }
    for (const c of conns) if (c.nextTimeout <= now) c.handleTimeout(now);
  }

  return {
    receivedByServer: receivedBytes[1]!,
    receivedByClient: receivedBytes[0]!,
    serverGotClientBytes: intact[1]! && receivedBytes[1] === size,
    clientGotServerBytes: intact[0]! && receivedBytes[0] === size,
    states: conns.map((c) => c.state),
    errors,
    virtualMs: now,
    dropped,
    counters: plain(counters),
  };
}
