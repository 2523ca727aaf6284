// The project's own capture of Linux TCP traffic (test/fixtures/kernel-sample.pcap, recorded by
// test/fixtures/record-kernel-sample.sh) against tshark run live, plus what it must contain.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TcpFlags, decodeFrame, parseCapture } from '../../src/index.js';
import { compareWithTruth } from '../helpers/compare.js';
import { requireTshark, tsharkTruth } from '../helpers/tshark.js';

const SAMPLE = fileURLToPath(new URL('../fixtures/kernel-sample.pcap', import.meta.url));

describe('kernel sample capture', function () {
  const records = [...parseCapture(readFileSync(SAMPLE))];
  const packets = records.map((r) => decodeFrame(r.data, r.linkType, r.originalLength));

  it('holds IPv4 and IPv6 handshakes with options, data, FIN and RST, all checksums correct', function () {
    expect(packets.length).to.be.greaterThan(20);
    expect(packets.every((p) => p.checksumStatus === 'good')).to.equal(true);
    expect(new Set(packets.map((p) => p.ip.version))).to.deep.equal(new Set([4, 6]));
    const syns = packets.filter((p) => p.tcp.flags & TcpFlags.SYN);
    expect(syns.length).to.be.at.least(4);
    for (const syn of syns.filter((p) => !(p.tcp.flags & TcpFlags.RST))) {
      expect(syn.tcp.options.mss).to.be.a('number');
      expect(syn.tcp.options.sackPermitted).to.equal(true);
      expect(syn.tcp.options.windowScale).to.be.a('number');
    }
    expect(packets.some((p) => p.tcp.flags & TcpFlags.FIN)).to.equal(true);
    expect(packets.some((p) => p.tcp.flags & TcpFlags.RST)).to.equal(true);
    expect(packets.some((p) => p.payloadLength > 0)).to.equal(true);
    // Nanosecond timestamps from tcpdump --time-stamp-precision=nano.
    expect(records.some((r) => r.timestampNs % 1000n !== 0n)).to.equal(true);
  });

  it('agrees with tshark on every column of every frame', function () {
    requireTshark(this);
    const truth = tsharkTruth(SAMPLE);
    expect(truth.size).to.equal(records.length);
    const diffs = records.flatMap((r, i) =>
      compareWithTruth(r, truth.get(r.index)!, packets[i]!).map((d) => `frame ${r.index}: ${d}`),
    );
    expect(diffs).to.deep.equal([]);
  });
});
