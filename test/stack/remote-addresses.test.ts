import { expect } from 'chai';
import { parseAddress } from '../../src/base/address.js';
import { RemoteAddresses } from '../../src/stack/remote-addresses.js';

describe('RemoteAddresses: peer addresses shared by the connection table', () => {
  it('one record per peer: the same bytes and text for every connection with it, read where they lie', () => {
    const cache = new RemoteAddresses();
    const packet = new Uint8Array(20);
    packet.set([198, 51, 100, 7], 12);
    const a = cache.get(packet, 12, 4);
    expect([...a.bytes]).to.deep.equal([198, 51, 100, 7]);
    expect(a.text).to.equal('198.51.100.7');
    // A copy, not a view of the packet: the packet's buffer is reused for the next one.
    expect(a.bytes.buffer).to.not.equal(packet.buffer);
    packet.fill(0);
    expect([...a.bytes]).to.deep.equal([198, 51, 100, 7]);
    const again = cache.get(parseAddress('198.51.100.7').bytes, 0, 4);
    expect(again).to.equal(a);
    const other = cache.get(parseAddress('198.51.100.8').bytes, 0, 4);
    expect(other).to.not.equal(a);
    expect(other.text).to.equal('198.51.100.8');
    const v6 = cache.get(parseAddress('2001:db8::7').bytes, 0, 6);
    expect(v6.bytes.length).to.equal(16);
    expect(v6.text).to.equal('2001:db8::7');
    expect(cache.size).to.equal(3);
  });

  it('stays bounded under a scan from many sources, and records handed out stay valid', () => {
    const cache = new RemoteAddresses();
    const first = cache.get(parseAddress('203.0.113.1').bytes, 0, 4);
    const bytes = new Uint8Array(4);
    for (let i = 0; i < 20_000; i++) {
      bytes.set([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]);
      cache.get(bytes, 0, 4);
      expect(cache.size).to.be.at.most(4096);
    }
    expect(first.text).to.equal('203.0.113.1');
    expect([...first.bytes]).to.deep.equal([203, 0, 113, 1]);
    // After the cache started over, the address gets an equal record again.
    const later = cache.get(parseAddress('203.0.113.1').bytes, 0, 4);
    expect(later.text).to.equal(first.text);
    expect(later.key).to.equal(first.key);
  });
});
