// Flow control: zero window and persist probes, silly-window avoidance on both sides
// (RFC 9293 §3.8.6.2), window updates on read, Nagle's algorithm (RFC 9293 §3.7.4).

import { expect } from 'chai';
import { ACK, PSH } from '../../../src/tcp/index.js';
import { Harness, bytes, pattern } from '../harness.js';

const PROBE = { flags: ACK, seq: 1000, ack: 5001, window: 16384 }; // <SEQ=SND.UNA-1>, no data

describe('tcp scenarios: flow control', () => {
  describe('zero window and persist', () => {
    it('a zero window holds data; probes back off 200, 400, 800...; an opening window resumes sending', () => {
      const h = Harness.established({}, { window: 0 });
      h.conn.write(bytes('abc'));
      h.expectNothing();
      expect(h.conn.nextTimeout).to.equal(200);
      const fired: number[] = [];
      for (let i = 0; i < 3; i++) {
        fired.push(h.fireNext());
        h.expect(PROBE);
      }
      expect(fired).to.deep.equal([200, 600, 1400]);
      expect(h.counters.windowProbes).to.equal(3);
      // The peer answers, still closed: probing goes on (RFC 1122: as long as it answers).
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 0 });
      h.expectNothing();
      expect(h.conn.nextTimeout).to.equal(3000);
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 4000 });
      h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') });
      expect(h.conn.nextTimeout).to.equal(h.now + 200); // the retransmission timer, not persist
    });

    it('a window that closes on an ACK of everything sent starts the persist timer', () => {
      const h = Harness.established();
      h.conn.write(bytes('abc'));
      h.collect();
      h.conn.write(bytes('def'));
      h.now = 10;
      h.send({ flags: ACK, seq: 5001, ack: 1004, window: 0 });
      h.expectNothing();
      expect(h.conn.nextTimeout).to.equal(10 + 200);
      h.fireNext();
      h.expect({ flags: ACK, seq: 1003, ack: 5001, window: 16384 });
    });

    it('a window closed under data in flight: retransmissions act as probes and do not time out while the peer answers', () => {
      const h = Harness.established({ config: { maxRetries: 2 } });
      h.conn.write(bytes('abc'));
      h.collect();
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 0 }); // shrinks the window under 'abc'
      for (let i = 0; i < 6; i++) {
        h.fireNext();
        h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: bytes('abc') });
        h.send({ flags: ACK, seq: 5001, ack: 1001, window: 0 });
      }
      expect(h.conn.state).to.equal('ESTABLISHED');
      h.send({ flags: ACK, seq: 5001, ack: 1004, window: 16384 });
      expect(h.conn.bufferedSend).to.equal(0);
      // The same retransmissions with no answer do give up.
      const silent = Harness.established({ config: { maxRetries: 2, maxRto: 1000, initialRto: 1000 } });
      silent.conn.write(bytes('abc'));
      silent.collect();
      silent.send({ flags: ACK, seq: 5001, ack: 1001, window: 0 });
      for (let i = 0; i < 8 && silent.conn.state !== 'CLOSED'; i++) {
        silent.fireNext();
        silent.collect();
      }
      expect(silent.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
    });

    it('unanswered probes give up with ETIMEDOUT after maxRetries', () => {
      const h = Harness.established({ config: { maxRetries: 2 } }, { window: 0 });
      h.conn.write(bytes('abc'));
      h.expectNothing(); // polling after the write is what arms the persist timer
      h.fireNext();
      h.collect();
      h.fireNext();
      h.collect();
      h.fireNext();
      expect(h.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
    });

    it('our zero window: the peer probe is answered with window 0, reads reopen it with an update', () => {
      const h = Harness.established({ config: { receiveBufferSize: 4000 } });
      h.send({ flags: ACK, seq: 5001, ack: 1001, payload: pattern(1460) });
      h.send({ flags: ACK, seq: 6461, ack: 1001, payload: pattern(1460) });
      h.collect();
      h.send({ flags: ACK, seq: 7921, ack: 1001, payload: pattern(1080) });
      h.expect({ flags: ACK, seq: 1001, ack: 9001, window: 0 });
      h.send({ flags: ACK, seq: 9000, ack: 1001 }); // a probe at RCV.NXT - 1
      h.expect({ flags: ACK, seq: 1001, ack: 9001, window: 0 });
      // Receiver SWS avoidance: 1000 bytes free is less than min(buffer/2, MSS) = 1460.
      h.conn.read(1000);
      h.expectNothing();
      h.now += 500; // the persist timer spaces probes; replies to them are limited to one per 500 ms
      h.send({ flags: ACK, seq: 9000, ack: 1001 });
      h.expect({ flags: ACK, seq: 1001, ack: 9001, window: 0 });
      // 2000 free: ≥ half the buffer → an unsolicited window update.
      h.conn.read(1000);
      h.expect({ flags: ACK, seq: 1001, ack: 9001, window: 2000 });
    });
  });

  describe('sender silly-window avoidance', () => {
    it('a window-limited segment below half the largest window seen waits; persist then forces it', () => {
      const h = Harness.established();
      h.conn.setNoDelay(true);
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 100 });
      h.conn.write(pattern(1000));
      h.expectNothing(); // 100 < 16384 / 2
      expect(h.conn.nextTimeout).to.equal(200);
      h.fireNext();
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 100 });
    });

    it('a window-limited segment of at least half the largest window goes at once', () => {
      const h = Harness.established({}, { window: 1000 });
      h.conn.setNoDelay(true);
      h.send({ flags: ACK, seq: 5001, ack: 1001, window: 600 });
      h.conn.write(pattern(1000));
      h.expect({ flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 600 });
    });
  });

  describe('Nagle', () => {
    it('a small segment waits while data is unacknowledged; the ACK releases the coalesced rest', () => {
      const h = Harness.established();
      h.conn.write(bytes('a'));
      h.expect({ flags: ACK | PSH, seq: 1001, ack: 5001, window: 16384, payload: bytes('a') });
      h.conn.write(bytes('b'));
      h.conn.write(bytes('c'));
      h.expectNothing();
      h.send({ flags: ACK, seq: 5001, ack: 1002 });
      h.expect({ flags: ACK | PSH, seq: 1002, ack: 5001, window: 16384, payload: bytes('bc') });
    });

    it('Minshall (Linux tcp_nagle_check): a small tail after full segments goes at once, nothing small being unacknowledged', () => {
      const h = Harness.established({}, { mss: 1000 });
      h.conn.write(pattern(2500));
      h.expect(
        { flags: ACK, seq: 1001, ack: 5001, window: 16384, payload: 1000 },
        { flags: ACK, seq: 2001, ack: 5001, window: 16384, payload: 1000 },
        { flags: ACK | PSH, seq: 3001, ack: 5001, window: 16384, payload: 500 },
      );
    });

    it('Minshall: the next small segment waits for the ACK of the earlier small one, not of the full ones', () => {
      const h = Harness.established({}, { mss: 1000 });
      h.conn.write(pattern(2500));
      h.collect(); // 1000, 1000, 500: the small one ends at 3501
      h.conn.write(bytes('x'));
      h.expectNothing();
      h.send({ flags: ACK, seq: 5001, ack: 3001 }); // the full segments only
      h.expectNothing();
      h.send({ flags: ACK, seq: 5001, ack: 3501 }); // the small one: 'x' is released
      h.expect({ flags: ACK | PSH, seq: 3501, ack: 5001, window: 16384, payload: bytes('x') });
    });

    it('Minshall: a small segment goes while only full-sized ones are in flight', () => {
      const h = Harness.established({}, { mss: 1000 });
      h.conn.write(pattern(2000));
      h.collect(); // two full segments, unacknowledged
      h.conn.write(bytes('y'));
      h.expect({ flags: ACK | PSH, seq: 3001, ack: 5001, window: 16384, payload: bytes('y') });
    });

    it('full-sized segments are not held', () => {
      const h = Harness.established({}, { mss: 1000 });
      h.conn.write(bytes('a'));
      h.collect();
      h.conn.write(pattern(2500));
      h.expect(
        { flags: ACK, seq: 1002, ack: 5001, window: 16384, payload: 1000 },
        { flags: ACK, seq: 2002, ack: 5001, window: 16384, payload: 1000 },
      );
    });

    it('setNoDelay(true) sends small segments at once', () => {
      const h = Harness.established();
      h.conn.setNoDelay(true);
      h.conn.write(bytes('a'));
      h.collect();
      h.conn.write(bytes('b'));
      h.expect({ flags: ACK | PSH, seq: 1002, ack: 5001, window: 16384, payload: bytes('b') });
    });

    it('close() flushes a held small segment with the FIN', () => {
      const h = Harness.established();
      h.conn.write(bytes('a'));
      h.collect();
      h.conn.write(bytes('b'));
      h.conn.close(h.now);
      h.expect({ flags: ACK | PSH | 0x01, seq: 1002, ack: 5001, window: 16384, payload: bytes('b') });
    });
  });
});
