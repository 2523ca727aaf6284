// Keep-alive (RFC 1122 §4.2.3.6): off by default; probes <SEQ=SND.NXT-1> after the idle time,
// every interval while unanswered, ETIMEDOUT after keepAliveProbes.

import { expect } from 'chai';
import { ACK } from '../../../src/tcp/index.js';
import { Harness, bytes } from '../harness.js';

const KA = { keepAliveIdle: 10000, keepAliveInterval: 1000, keepAliveProbes: 3 };
const PROBE = { flags: ACK, seq: 1000, ack: 5001, window: 16384 };

describe('tcp scenarios: keep-alive', () => {
  it('off by default: an idle connection has no deadline', () => {
    const h = Harness.established({ config: KA });
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });

  it('probes at idle, then every interval; ETIMEDOUT when keepAliveProbes go unanswered', () => {
    const h = Harness.established({ config: KA });
    h.conn.setKeepAlive(true);
    const fired: number[] = [];
    for (let i = 0; i < 3; i++) {
      fired.push(h.fireNext());
      h.expect(PROBE);
    }
    expect(fired).to.deep.equal([10000, 11000, 12000]);
    expect(h.fireNext()).to.equal(13000);
    expect(h.eventTypes()).to.deep.equal(['error:ETIMEDOUT', 'closed']);
    expect(h.counters.keepAliveProbes).to.equal(3);
  });

  it('an answer resets the count; the next probe comes a full idle time after it', () => {
    const h = Harness.established({ config: KA });
    h.conn.setKeepAlive(true);
    h.fireNext();
    h.expect(PROBE);
    h.now = 10050;
    h.send({ flags: ACK, seq: 5001, ack: 1001 });
    h.expectNothing();
    h.advanceTo(20049);
    h.expectNothing();
    h.advanceTo(20050);
    h.expect(PROBE);
  });

  it('setKeepAlive(true, delay) overrides the idle time; traffic postpones the probe', () => {
    const h = Harness.established({ config: KA });
    h.conn.setKeepAlive(true, 5000);
    h.now = 3000;
    h.send({ flags: ACK, seq: 5001, ack: 1001, payload: bytes('x') });
    h.advanceTo(7999);
    h.collect(); // the delayed ACK
    h.advanceTo(8000);
    h.expect({ flags: ACK, seq: 1000, ack: 5002, window: 16383 });
  });

  it('setKeepAlive(false) stops probing', () => {
    const h = Harness.established({ config: KA });
    h.conn.setKeepAlive(true);
    h.conn.setKeepAlive(false);
    expect(h.conn.nextTimeout).to.equal(Infinity);
  });
});
