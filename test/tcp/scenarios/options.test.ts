// TCP options: MSS (RFC 9293 §3.7.1), window scale and timestamps (RFC 7323), SACK (RFC 2018).

import { expect } from 'chai';
import { ACK, PSH, SYN } from '../../../src/tcp/index.js';
import { Harness, bytes, pattern } from '../harness.js';

describe('tcp scenarios: options', () => {
  describe('MSS', () => {
    it('we advertise ConnectionInit.mss (the path MSS)', () => {
      const h = Harness.connect({ mss: 1220 });
      h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1220 });
    });

    it('segments honour the peer MSS and never exceed our own', () => {
      const small = Harness.established({}, { mss: 700 });
      expect(small.conn.mssSend).to.equal(700);
      const big = Harness.established({ mss: 1000 }, { mss: 9000 });
      expect(big.conn.mssSend).to.equal(1000);
      big.conn.setNoDelay(true);
      big.conn.write(pattern(1500));
      big.expect(
        { flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 },
        { flags: ACK | PSH, seq: 2001, ack: 5001, window: 16384, payload: 500 },
      );
    });

    it('no MSS option means 536 (1220 when the stack says IPv6); an absurdly small one is floored at 64', () => {
      expect(Harness.established({}, { mss: undefined }).conn.mssSend).to.equal(536);
      expect(Harness.established({ defaultPeerMss: 1220 }, { mss: undefined }).conn.mssSend).to.equal(1220);
      expect(Harness.established({}, { mss: 1 }).conn.mssSend).to.equal(64);
    });
  });

  describe('window scale', () => {
    const WS = { windowScaling: true, receiveBufferSize: 262144 };

    it('both SYNs carry it: our window is scaled by our shift, the peer window by its shift', () => {
      const h = Harness.connect({ config: WS });
      h.expect({ flags: SYN, seq: 1000, window: 65535, mss: 1460, windowScale: 3 });
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, window: 1000, mss: 1460, windowScale: 2 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 262144 >> 3 });
      // Peer window field 200 means 800 bytes.
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 200 });
      h.conn.setNoDelay(true);
      h.conn.write(pattern(1400));
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 32768, payload: 800 });
    });

    it('the peer SYN,ACK without it: neither side scales, our window is capped at 65535', () => {
      const h = Harness.connect({ config: WS });
      h.collect();
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, window: 1000, mss: 1460 });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 65535 });
    });

    it('disabled locally: a SYN offering it gets no window scale back', () => {
      const h = Harness.accept(
        { windowScale: 7, mss: 1460, window: 100 },
        { config: { windowScaling: false, receiveBufferSize: 262144 } },
      );
      h.expect({ flags: SYN | ACK, seq: 1000, ack: 5001, window: 65535, mss: 1460 });
      // The peer's window field is taken as is (60 bytes, not 60 << 7).
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 60 });
      h.conn.setNoDelay(true);
      h.conn.write(pattern(100));
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 65535, payload: 60 });
    });

    it('the right edge never moves left, even when the scale rounds the window down', () => {
      const h = Harness.connect({ config: WS });
      h.collect();
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, window: 1000, mss: 1460, windowScale: 0 });
      h.collect();
      // 3 bytes arrive: 262141 free, 262141 >> 3 = 32767 (rounded down), but the edge we
      // advertised (5001 + 262144) must stay: 262141 bytes remain offered → field 32767.
      h.send({ flags: ACK | PSH, seq: 5001, ack: 1001, payload: bytes('abc') });
      h.advance(40);
      h.expect({ flags: ACK, seq: 1001, ack: 5004, window: 32767 });
      // A segment up to the old edge is still accepted in full.
      h.send({ flags: ACK, seq: 262144 + 5001 - 5, ack: 1001, payload: pattern(5) });
      h.expect({ flags: ACK, seq: 1001, ack: 5004, window: 32767 });
      expect(h.counters.dropped.outOfWindow).to.equal(0);
    });
  });

  describe('timestamps (RFC 7323)', () => {
    const TS = { timestamps: true };

    function tsEstablished(): Harness {
      const h = Harness.connect({ config: TS });
      h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1460, tsVal: 1000, tsEcr: 0 });
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460, tsVal: 5555, tsEcr: 1000 });
      return h;
    }

    it('TSval is our ms clock plus the per-connection offset; TSecr echoes TS.Recent', () => {
      const h = tsEstablished();
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, tsVal: 1000, tsEcr: 5555 });
      expect(h.conn.mssSend).to.equal(1448);
      h.now = 250;
      h.conn.write(bytes('x'));
      h.expect({
        flags: ACK | PSH,
        seq: 1001,
        ack: 5001,
        window: 16384,
        tsVal: 1250,
        tsEcr: 5555,
        payload: bytes('x'),
      });
    });

    it('TS.Recent is taken only from segments with SEQ <= Last.ACK.sent', () => {
      const h = tsEstablished();
      h.collect();
      h.send({ flags: ACK, seq: 5001, ack: 1001, tsVal: 6000, tsEcr: 1000, payload: bytes('ab') });
      // Out of order: SEQ 5101 > Last.ACK.sent (5001), so its TSval (7000) is not echoed.
      h.send({ flags: ACK, seq: 5101, ack: 1001, tsVal: 7000, tsEcr: 1000, payload: bytes('zz') });
      h.expect({ flags: ACK, seq: 1001, ack: 5003, window: 16384 - 2, tsVal: 1000, tsEcr: 6000 });
    });

    it('PAWS: a segment whose TSval is older than TS.Recent is dropped and ACKed', () => {
      const h = tsEstablished();
      h.collect();
      h.send({ flags: ACK, seq: 5001, ack: 1001, tsVal: 6000, tsEcr: 1000, payload: bytes('ab') });
      h.advance(40);
      h.collect();
      h.send({ flags: ACK, seq: 5003, ack: 1001, tsVal: 5999, tsEcr: 1000, payload: bytes('old') });
      h.expect({ flags: ACK, seq: 1001, ack: 5003, window: 16382, tsVal: 1040, tsEcr: 6000 });
      expect(h.conn.readable).to.equal(2);
      expect(h.counters.dropped.paws).to.equal(1);
      // A RST is not subject to PAWS.
      h.send({ flags: 0x04, seq: 5003, tsVal: 1, tsEcr: 0 });
      expect(h.conn.state).to.equal('CLOSED');
    });

    it('RTTM: the echoed timestamp measures RTT even across a retransmitted SYN (Karn would not)', () => {
      const h = Harness.connect({ config: TS });
      h.collect();
      h.fireNext(); // 1000: SYN again, TSval 2000
      h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1460, tsVal: 2000, tsEcr: 0 });
      h.now = 1100;
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460, tsVal: 1, tsEcr: 2000 });
      h.collect();
      h.conn.write(bytes('x'));
      h.collect();
      // RTT 100: SRTT 100, RTTVAR 50, RTO = 100 + 4 * 50 = 300 (not the 3 s of RFC 6298 §5.7).
      expect(h.conn.nextTimeout).to.equal(1400);
    });
  });

  describe('SACK (RFC 2018)', () => {
    it('SACK-permitted on both SYNs: out-of-order data is reported, most recent block first', () => {
      const h = Harness.connect({ config: { sack: true } });
      h.expect({ flags: SYN, seq: 1000, window: 16384, mss: 1460, sackPermitted: true });
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460, sackPermitted: true });
      h.collect();
      h.send({ flags: ACK, seq: 5101, ack: 1001, payload: pattern(100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, sack: [5101, 5201] });
      h.send({ flags: ACK, seq: 5301, ack: 1001, payload: pattern(100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, sack: [5301, 5401, 5101, 5201] });
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5201, window: 16184, sack: [5301, 5401] });
    });

    it('without the peer SACK-permitted no blocks are sent', () => {
      const h = Harness.connect({ config: { sack: true } });
      h.collect();
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1460 });
      h.collect();
      h.send({ flags: ACK, seq: 5101, ack: 1001, payload: pattern(100) });
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384 });
    });

    it('a data segment carrying SACK blocks gives up payload room for them', () => {
      const h = Harness.connect({ config: { sack: true } });
      h.collect();
      h.send({ flags: SYN | ACK, seq: 5000, ack: 1001, mss: 1000, sackPermitted: true });
      h.collect();
      h.send({ flags: ACK, seq: 5101, ack: 1001, payload: pattern(100) });
      h.collect();
      h.conn.setNoDelay(true);
      h.conn.write(pattern(1000));
      // one block: 2 + 8 bytes plus 2 of padding come out of the 1000-byte MSS
      h.expect(
        { flags: ACK, seq: 1001, ack: 5001, window: 16384, sack: [5101, 5201], payload: 988 },
        { flags: ACK | PSH, seq: 1989, ack: 5001, window: 16384, sack: [5101, 5201], payload: 12 },
      );
    });
  });
});
