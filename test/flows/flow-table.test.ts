// FlowTable on scripted packets (encoded, then batch-decoded as a capture would be): states,
// history, counters, port reuse, expiry and the cap. No engine, no clock: times are given.

import { expect } from 'chai';
import { FlowTable, type FlowTableOptions } from '../../src/flows/flow-table.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { encodePacket } from '../../src/wire/encode.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { LinkType } from '../../src/wire/constants.js';
import { corpus } from '../cli/cli-run.js';
import { captureFlows } from './capture-flows.js';

const F = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 };
const A = '198.51.100.1';
const B = '203.0.113.9';

interface Pkt {
  t: number;
  from: 'a' | 'b';
  flags: number;
  seq: number;
  ack?: number;
  data?: string;
  window?: number;
  aPort?: number;
  src?: string;
  dst?: string;
}

/** Feeds the packets (in one batch) and finishes; returns the records in emission order. */
function run(packets: Pkt[], options: FlowTableOptions = {}): { records: FlowRecord[]; table: FlowTable } {
  const records: FlowRecord[] = [];
  const table = new FlowTable({ ...options, onFlow: (r) => records.push(r) });
  const frames = packets.map((p) => {
    const aPort = p.aPort ?? 40000;
    const [src, dst, srcPort, dstPort] =
      p.from === 'a' ? [p.src ?? A, p.dst ?? B, aPort, 80] : [p.src ?? B, p.dst ?? A, 80, aPort];
    return encodePacket({
      ip: { src, dst },
      tcp: { srcPort, dstPort, seq: p.seq >>> 0, ack: p.ack ?? 0, flags: p.flags, window: p.window ?? 1000 },
      payload: new TextEncoder().encode(p.data ?? ''),
    });
  });
  const size = frames.reduce((n, f) => n + f.length, 0);
  const data = new Uint8Array(size);
  const offsets = new Uint32Array(frames.length);
  const lengths = new Uint32Array(frames.length);
  let at = 0;
  frames.forEach((f, i) => {
    data.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  const decoded = decodeBatch({ data, offsets, lengths }, LinkType.RAW);
  table.addBatch(decoded, {
    data,
    offsets,
    firstIndex: 1,
    seconds: packets.map((p) => Math.floor(p.t)),
    nanoseconds: packets.map((p) => Math.round((p.t - Math.floor(p.t)) * 1e9)),
  });
  table.finish();
  return { records, table };
}

/** A whole connection: handshake, a request, a response, FIN both ways, from time t0. */
function connection(t0: number, isnA: number, isnB: number, aPort = 40000): Pkt[] {
  return [
    { t: t0, from: 'a', flags: F.SYN, seq: isnA, aPort },
    { t: t0 + 0.01, from: 'b', flags: F.SYN | F.ACK, seq: isnB, ack: isnA + 1, aPort },
    { t: t0 + 0.02, from: 'a', flags: F.ACK, seq: isnA + 1, ack: isnB + 1, aPort },
    { t: t0 + 0.021, from: 'a', flags: F.PSH | F.ACK, seq: isnA + 1, ack: isnB + 1, data: 'GET /', aPort },
    { t: t0 + 0.031, from: 'b', flags: F.PSH | F.ACK, seq: isnB + 1, ack: isnA + 6, data: 'HTTP/1.1 200', aPort },
    { t: t0 + 0.032, from: 'a', flags: F.FIN | F.ACK, seq: isnA + 6, ack: isnB + 13, aPort },
    { t: t0 + 0.042, from: 'b', flags: F.FIN | F.ACK, seq: isnB + 13, ack: isnA + 7, aPort },
    { t: t0 + 0.052, from: 'a', flags: F.ACK, seq: isnA + 7, ack: isnB + 14, aPort },
  ];
}

describe('FlowTable', () => {
  it('summarises a whole connection as Zeek would (SF, ShADdFf)', () => {
    const { records } = run(connection(100, 1000, 5000));
    expect(records).to.have.length(1);
    const r = records[0]!;
    expect([r.origAddress, r.origPort, r.respAddress, r.respPort]).to.deep.equal([A, 40000, B, 80]);
    expect(r.connState).to.equal('SF');
    expect(r.history).to.equal('ShADdFf');
    expect([r.orig.packets, r.orig.bytes, r.resp.packets, r.resp.bytes]).to.deep.equal([5, 5, 3, 12]);
    expect([r.firstFrame, r.lastFrame]).to.deep.equal([1, 8]);
    expect(r.handshakeRtt).to.be.closeTo(0.02, 1e-6);
    expect(r.duration).to.be.closeTo(0.052, 1e-6);
    expect(r.orig.missedBytes + r.resp.missedBytes).to.equal(0);
    expect(r.reason).to.equal('flushed');
  });

  it('names the receiver of a SYN-ACK the initiator when its SYN was not captured (^)', () => {
    const { records } = run(connection(100, 1000, 5000).slice(1));
    expect([records[0]!.origAddress, records[0]!.history.startsWith('^')]).to.deep.equal([A, true]);
  });

  it('counts retransmissions, out-of-order segments, zero windows and gaps', () => {
    const p = connection(100, 1000, 5000).slice(0, 3);
    p.push(
      { t: 100.1, from: 'a', flags: F.ACK, seq: 1001, ack: 5001, data: 'aaaa' },
      { t: 100.2, from: 'a', flags: F.ACK, seq: 1001, ack: 5001, data: 'aaaa' }, // retransmission
      { t: 100.3, from: 'a', flags: F.ACK, seq: 1009, ack: 5001, data: 'cccc' }, // ahead of a hole
      { t: 100.4, from: 'a', flags: F.ACK, seq: 1005, ack: 5001, data: 'bbbb' }, // fills it
      { t: 100.5, from: 'a', flags: F.ACK, seq: 1023, ack: 5001, data: 'eeee' }, // 10 bytes never seen
      { t: 100.6, from: 'b', flags: F.ACK, seq: 5001, ack: 1013, window: 0 },
    );
    const r = run(p).records[0]!;
    expect([r.orig.retransmissions, r.orig.outOfOrder, r.orig.bytes, r.orig.payloadBytes]).to.deep.equal([
      1, 1, 16, 20,
    ]);
    expect([r.orig.missedBytes, r.orig.gaps]).to.deep.equal([10, 1]);
    expect(r.resp.zeroWindows).to.equal(1);
    expect(r.history).to.equal('ShADTwaG');
    expect(r.connState).to.equal('S1');
  });

  it('tells S0, REJ, RSTO, RSTR and SH apart', () => {
    const syn: Pkt = { t: 1, from: 'a', flags: F.SYN, seq: 10 };
    expect(run([syn]).records[0]!.connState).to.equal('S0');
    expect(run([syn, { t: 2, from: 'b', flags: F.RST | F.ACK, seq: 0, ack: 11 }]).records[0]!.connState).to.equal(
      'REJ',
    );
    const open = connection(1, 10, 500).slice(0, 3);
    expect(run([...open, { t: 2, from: 'a', flags: F.RST, seq: 11 }]).records[0]!.connState).to.equal('RSTO');
    expect(run([...open, { t: 2, from: 'b', flags: F.RST, seq: 501 }]).records[0]!.connState).to.equal('RSTR');
    expect(run([syn, { t: 2, from: 'a', flags: F.FIN, seq: 11 }]).records[0]!.connState).to.equal('SH');
  });

  it("starts a new record when a closed connection's ports are reused with a new ISN", () => {
    const { records, table } = run([...connection(100, 1000, 5000), ...connection(101, 900000, 7000)]);
    expect(records.map((r) => [r.index, r.reason, r.connState])).to.deep.equal([
      [0, 'reused', 'SF'],
      [1, 'flushed', 'SF'],
    ]);
    expect(records[1]!.firstFrame).to.equal(9);
    expect(table.stats.reused).to.equal(1);
  });

  it('keeps a retransmitted SYN in the same connection', () => {
    const p = connection(100, 1000, 5000);
    const { records } = run([p[0]!, { ...p[0]!, t: 101 }, ...p.slice(1).map((x) => ({ ...x, t: x.t + 1 }))]);
    expect(records).to.have.length(1);
    expect(records[0]!.orig.packets).to.equal(6);
  });

  it('ends idle connections after the idle timeout and closed ones after the linger', () => {
    const other = (t: number): Pkt => ({ t, from: 'a', flags: F.ACK, seq: 1, aPort: 50000, src: '198.51.100.2' });
    const open = connection(100, 1000, 5000).slice(0, 4);
    const { records } = run([...open, other(150), other(200.2)], { idleTimeout: 100 });
    expect(records.map((r) => [r.origPort, r.reason])).to.deep.equal([
      [40000, 'idle'],
      [50000, 'flushed'],
    ]);
    expect(records[0]!.connState).to.equal('S1');

    const closed = run([...connection(100, 1000, 5000), other(104), other(106)], { linger: 5 }).records;
    expect(closed.map((r) => [r.origPort, r.reason])).to.deep.equal([
      [40000, 'closed'],
      [50000, 'flushed'],
    ]);
  });

  it('evicts the least recently active connection beyond maxFlows, and counts it', () => {
    const syn = (t: number, port: number): Pkt => ({ t, from: 'a', flags: F.SYN, seq: port, aPort: port });
    const { records, table } = run(
      [syn(1, 1001), syn(2, 1002), { ...syn(3, 1001), flags: F.ACK, seq: 1002 }, syn(4, 1003)],
      { maxFlows: 2 },
    );
    expect(records.map((r) => [r.origPort, r.reason])).to.deep.equal([
      [1002, 'evicted'],
      [1001, 'flushed'],
      [1003, 'flushed'],
    ]);
    expect([table.stats.evicted, table.stats.peakActive, table.stats.active]).to.deep.equal([1, 2, 0]);
  });

  it('keys IPv6 connections by both addresses and ports, either direction', () => {
    const { records } = run([
      { t: 1, from: 'a', flags: F.SYN, seq: 1, src: '2001:db8::1', dst: '2001:db8::2' },
      { t: 2, from: 'b', flags: F.SYN | F.ACK, seq: 9, ack: 2, src: '2001:db8::2', dst: '2001:db8::1' },
      { t: 3, from: 'a', flags: F.SYN, seq: 1, src: '2001:db8::1', dst: '2001:db8::3' },
    ]);
    expect(records.map((r) => [r.ipVersion, r.respAddress, r.resp.packets])).to.deep.equal([
      [6, '2001:db8::2', 1],
      [6, '2001:db8::3', 0],
    ]);
  });

  // Zeek's own baseline (testing/btest/Baseline/scripts.base.protocols.conn.conn_state-RST-behavior/out)
  // for the same three captures of the corpus.
  for (const [file, history, state] of [
    ['edge/zeek-tcp-single-rst.pcap', 'R', 'OTH'],
    ['edge/zeek-tcp-syn-then-rst.pcap', 'SR', 'RSTOS0'],
    ['edge/zeek-tcp-syn-then-ack-then-rst.pcap', 'SaR', 'RSTOS0'],
  ] as const) {
    it(`gives Zeek's history and conn_state for ${file}`, async () => {
      const { records } = await captureFlows(corpus(file));
      expect(records.map((r) => [r.history, r.connState])).to.deep.equal([[history, state]]);
    });
  }
});
