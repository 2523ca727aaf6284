// `flows` against tshark on every corpus capture: per connection (tshark's tcp.stream), the
// endpoints, packets and payload bytes each way (every copy counted, as tcp.len sums) must be
// equal, and frames per conversation equal `tshark -q -z conv,tcp`.
//
// Systematic differences, each pinned to the captures that show it so a new one fails:
// - A frame whose TCP header is cut short by the snap length does not decode here (status
//   TRUNCATED: no ports to key it by), so it is in no flow; tshark still counts it. Such frames
//   are counted apart on tshark's side and must be exactly CUT_HEADERS. tshark's own conv,tcp
//   does not count them either (its TCP tap runs only for whole headers): there we agree.
// - conv,tcp names a packet's IP header addresses; a flow is keyed by the transport's endpoints,
//   which differ when an IPv6 Home Address option or a type-0 routing header is present (the TCP
//   pseudo-header uses the home address / final destination, RFC 6275 §6.3, RFC 8200 §8.1), as
//   tshark's own tcp.stream fields agree. There, conversations are compared by frame counts only.

import { expect } from 'chai';
import type { FlowRecord } from '../../src/flows/record.js';
import { corpusCaptures } from '../helpers/corpus.js';
import { requireTshark } from '../helpers/tshark.js';
import { corpus } from '../cli/cli-run.js';
import { captureFlows } from './capture-flows.js';
import { tsharkView, type TsharkStream } from './tshark-flows.js';

/** Captures with TCP frames (by tshark's tcp.stream) that do not decode here (cut TCP headers), and how many. */
const CUT_HEADERS: Record<string, number> = {
  'zeek-tcp-truncated-header.pcap': 1,
  'edge/tcpdump-heapoverflow-tcp_print.pcap': 1,
  'edge/tcpdump-tcp-auth-heapoverflow.pcap': 1,
  'edge/tcpdump-tcp_header_heapoverflow.pcap': 1,
};

/** Captures where the IP header's addresses are not the transport's (Home Address option, routing header). */
const MOBILE_IPV6 = new Set([
  'edge/zeek-chksums-ip6-hoa-tcp-bad-chksum.pcap',
  'edge/zeek-chksums-ip6-hoa-tcp-good-chksum.pcap',
  'edge/zeek-chksums-ip6-route0-tcp-bad-chksum.pcap',
  'edge/zeek-chksums-ip6-route0-tcp-good-chksum.pcap',
]);

const ep = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
const tuple = (a: string, b: string): string => [a, b].sort().join(' ');

/** tshark's counts in our record's orientation (initiator first), or undefined if the endpoints differ. */
function oriented(r: FlowRecord, t: TsharkStream) {
  const o = ep(r.origAddress, r.origPort);
  const p = ep(r.respAddress, r.respPort);
  if (t.a === o && t.b === p) return { orig: t.ab, resp: t.ba };
  if (t.a === p && t.b === o) return { orig: t.ba, resp: t.ab };
  return undefined;
}

describe('flows vs tshark on the corpus', function () {
  before(function () {
    requireTshark(this);
  });

  for (const rel of corpusCaptures()) {
    it(rel, async function () {
      const file = corpus(rel);
      const { records, undecoded } = await captureFlows(file);
      const view = tsharkView(file, undecoded);
      const cut = view.streams.reduce((n, s) => n + s.ab.cut + s.ba.cut, 0);
      expect(cut, 'TCP frames tshark counts that do not decode here').to.equal(CUT_HEADERS[rel] ?? 0);
      // A stream made only of such frames has no flow here.
      const kept = view.streams.filter((s) => s.ab.frames + s.ba.frames > 0);

      expect(
        records.map((r) => r.index),
        'our flows, one per tshark tcp.stream',
      ).to.deep.equal(kept.map((_, k) => k));
      records.forEach((r, k) => {
        const t = oriented(r, kept[k]!);
        expect(
          t,
          `flow ${k}: endpoints ${ep(r.origAddress, r.origPort)} - ${ep(r.respAddress, r.respPort)}`,
        ).to.not.equal(undefined);
        expect(
          [r.orig.packets, r.orig.payloadBytes, r.resp.packets, r.resp.payloadBytes],
          `flow ${k}: packets/bytes each way`,
        ).to.deep.equal([t!.orig.frames, t!.orig.payload, t!.resp.frames, t!.resp.payload]);
        // Distinct bytes never exceed every copy's bytes.
        expect(r.orig.bytes).to.be.at.most(r.orig.payloadBytes);
        expect(r.resp.bytes).to.be.at.most(r.resp.payloadBytes);
      });

      // -z conv,tcp: frames per conversation (summed over port reuse).
      const ours = new Map<string, number>();
      for (const r of records) {
        const key = tuple(ep(r.origAddress, r.origPort), ep(r.respAddress, r.respPort));
        ours.set(key, (ours.get(key) ?? 0) + r.orig.packets + r.resp.packets);
      }
      const theirs = new Map<string, number>();
      for (const c of view.conversations) {
        const key = tuple(c.a, c.b);
        theirs.set(key, (theirs.get(key) ?? 0) + c.framesFromA + c.framesFromB);
      }
      if (MOBILE_IPV6.has(rel)) {
        expect([...ours.values()].sort(), 'frames per conversation (conv,tcp)').to.deep.equal(
          [...theirs.values()].sort(),
        );
        expect([...ours.keys()], 'the transport endpoints are not the IP header addresses').to.not.deep.equal([
          ...theirs.keys(),
        ]);
      } else {
        expect(Object.fromEntries(ours), 'frames per conversation (conv,tcp)').to.deep.equal(
          Object.fromEntries(theirs),
        );
      }
    });
  }
});
