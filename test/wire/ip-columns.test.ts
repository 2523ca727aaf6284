// The batch decoder's IP columns (ipChecksumState, fragment): what a receiver needs to drop a
// corrupted IPv4 header and to send fragments to reassembly, filled for every row whose IP
// header was read, TCP or not. Checked against an independent TypeScript reading of the bytes.

import { expect } from 'chai';
import { decodeBatch, FragmentBit } from '../../src/wire/batch.js';
import { internetChecksum } from '../../src/wire/checksum.js';
import { ChecksumState, LinkType, TcpFlags } from '../../src/wire/constants.js';
import { encodePacket } from '../../src/wire/encode.js';
import { ReceivedBatch } from '../../src/wire/received-batch.js';
import { Random } from '../helpers/random.js';

const v4 = (init: { id?: number; moreFragments?: boolean; fragmentOffset?: number; dontFragment?: boolean } = {}) =>
  encodePacket({
    ip: { src: '198.51.100.1', dst: '198.51.100.2', ...init },
    tcp: { srcPort: 1, dstPort: 2, flags: TcpFlags.ACK },
    payload: new Uint8Array(40),
  });
const v6 = () =>
  encodePacket({
    ip: { src: '2001:db8::1', dst: '2001:db8::2' },
    tcp: { srcPort: 1, dstPort: 2, flags: TcpFlags.ACK },
  });

/** Sets the IPv4 header checksum right (after a change to the header). */
function fixV4(p: Uint8Array): Uint8Array {
  p[10] = 0;
  p[11] = 0;
  const sum = internetChecksum(p.subarray(0, (p[0]! & 15) * 4));
  p[10] = sum >> 8;
  p[11] = sum & 0xff;
  return p;
}

/** An IPv6 packet whose first extension header is a Fragment header with this offset/M word. */
function v6Fragment(word: number, next = 6): Uint8Array {
  const whole = v6();
  const out = new Uint8Array(whole.length + 8);
  out.set(whole.subarray(0, 40));
  out[6] = 44;
  const payload = out.length - 40;
  out[4] = payload >> 8;
  out[5] = payload & 0xff;
  out[40] = next;
  out[42] = word >> 8;
  out[43] = word & 0xff;
  out[47] = 9;
  out.set(whole.subarray(40), 48);
  return out;
}

/** What the columns should say of a raw IP packet, read here independently of the decoder. */
function expected(p: Uint8Array): { ipChecksumState: number; fragment: number } {
  const version = p.length > 0 ? p[0]! >> 4 : 0;
  if (version === 4) {
    const ihl = (p[0]! & 15) * 4;
    if (p.length < 20 || ihl < 20 || ihl > p.length)
      return { ipChecksumState: ChecksumState.UNVERIFIABLE, fragment: 0 };
    const word = (p[6]! << 8) | p[7]!;
    const more = (word & 0x2000) !== 0;
    const later = (word & 0x1fff) !== 0;
    const fragment =
      more || later ? FragmentBit.FRAGMENT | (more ? FragmentBit.MORE : 0) | (later ? FragmentBit.LATER : 0) : 0;
    return {
      ipChecksumState: internetChecksum(p.subarray(0, ihl)) === 0 ? ChecksumState.GOOD : ChecksumState.BAD,
      fragment,
    };
  }
  let fragment = 0;
  if (version === 6 && p.length >= 48 && p[6] === 44) {
    const word = (p[42]! << 8) | p[43]!;
    fragment = FragmentBit.FRAGMENT | (word & 1 ? FragmentBit.MORE : 0) | (word & 0xfff8 ? FragmentBit.LATER : 0);
  }
  return { ipChecksumState: ChecksumState.UNVERIFIABLE, fragment };
}

describe('batch IP columns: IPv4 header checksum and fragment bits', () => {
  it('report a good and a corrupted IPv4 header checksum, for TCP and for other protocols', () => {
    const good = v4();
    const badTtl = good.slice();
    badTtl[8] = 3; // TTL changed without fixing the header checksum
    const udp = good.slice();
    udp[9] = 17;
    fixV4(udp);
    const badUdp = udp.slice();
    badUdp[15]! ^= 0x40;
    const t = decodeBatch([good, badTtl, udp, badUdp, v6(), good.subarray(0, 12)], LinkType.RAW);
    expect(Array.from(t.status.subarray(0, 5))).to.deep.equal([0, 0, 4, 4, 0]); // NOT_TCP is 4
    expect(Array.from(t.ipChecksumState)).to.deep.equal([
      ChecksumState.GOOD,
      ChecksumState.BAD,
      ChecksumState.GOOD,
      ChecksumState.BAD,
      ChecksumState.UNVERIFIABLE,
      ChecksumState.UNVERIFIABLE,
    ]);
  });

  it('mark IPv4 and IPv6 fragments, first or later, whatever their status', () => {
    const first = fixV4(v4({ moreFragments: true, dontFragment: false }));
    const middle = fixV4(v4({ moreFragments: true, fragmentOffset: 1480, dontFragment: false }));
    const last = fixV4(v4({ fragmentOffset: 2960, dontFragment: false }));
    const df = v4({ dontFragment: true });
    const t = decodeBatch(
      [first, middle, last, df, v6Fragment(1), v6Fragment(1232), v6Fragment(0), v6()],
      LinkType.RAW,
    );
    expect(Array.from(t.fragment)).to.deep.equal([
      FragmentBit.FRAGMENT | FragmentBit.MORE,
      FragmentBit.FRAGMENT | FragmentBit.MORE | FragmentBit.LATER,
      FragmentBit.FRAGMENT | FragmentBit.LATER,
      0,
      FragmentBit.FRAGMENT | FragmentBit.MORE,
      FragmentBit.FRAGMENT | FragmentBit.LATER,
      FragmentBit.FRAGMENT, // atomic: a Fragment header with offset 0 and M 0 (RFC 8200 §4.5)
      0,
    ]);
    expect(t.error(1)).to.equal('FRAGMENT');
    expect(t.ipChecksumState[1]).to.equal(ChecksumState.GOOD);
  });

  it('agree with an independent reading of the bytes on random, corrupted and truncated packets', () => {
    const r = new Random(1313);
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      let p: Uint8Array;
      switch (r.below(4)) {
        case 0:
          p = fixV4(
            v4({
              id: r.below(65536),
              moreFragments: r.below(2) === 1,
              fragmentOffset: 8 * r.below(4),
              dontFragment: false,
            }),
          );
          break;
        case 1:
          p = v6Fragment(r.below(65536) & 0xfff9, r.below(2) ? 6 : 58);
          break;
        case 2:
          p = v6();
          break;
        default:
          p = v4({ id: r.below(65536) });
          break;
      }
      if (r.below(3) === 0) p[r.below(Math.min(p.length, 48))]! ^= 1 << r.below(8);
      if (r.below(5) === 0) p = p.subarray(0, r.below(p.length));
      packets.push(p);
    }
    const t = decodeBatch(packets, LinkType.RAW);
    const batch = new ReceivedBatch();
    batch.decode(packets, 0, packets.length);
    let compared = 0;
    let fragments = 0;
    let bad = 0;
    packets.forEach((p, i) => {
      const want = expected(p);
      // Packets whose version nibble or IPv6 header the corruption broke are not read as IP.
      if (t.error(i) === 'BAD_IP_HEADER' || (p[0]! >> 4 === 6 && p.length < 40)) return;
      compared++;
      if (want.fragment !== 0) fragments++;
      if (want.ipChecksumState === ChecksumState.BAD) bad++;
      expect({ ipChecksumState: t.ipChecksumState[i], fragment: t.fragment[i] }, `packet ${i}`).to.deep.equal(want);
      expect([batch.ipChecksumState(i), batch.fragment(i)], `ReceivedBatch row ${i}`).to.deep.equal([
        want.ipChecksumState,
        want.fragment,
      ]);
    });
    // The mix really exercised every case.
    expect(compared).to.be.greaterThan(300);
    expect(fragments).to.be.greaterThan(50);
    expect(bad).to.be.greaterThan(10);
  });
});
