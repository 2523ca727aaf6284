// SegmentBatchBuilder on its own: times exact over the whole int64 nanosecond range the pcap
// formats can express (the corpus only has present-day ones), addresses of both IP versions, and
// batches cut at batchRows.

import { expect } from 'chai';
import { SegmentBatchBuilder } from '../../src/columnar/segments.js';
import { LinkType } from '../../src/wire/constants.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { concat, ipv4Packet, ipv6Packet, V4, V6 } from '../helpers/frames.js';
import { Random } from '../helpers/random.js';

describe('SegmentBatchBuilder', () => {
  const v4 = ipv4Packet();
  const v6 = ipv6Packet();
  const data = concat(v4, v6);
  const offsets = [0, v4.length];
  const table = decodeBatch({ data, offsets, lengths: [v4.length, v6.length] }, LinkType.RAW);

  it('writes seconds·1e9 + ns exactly, negative and far times included', () => {
    const rng = new Random(15);
    const random = () => rng.next();
    const seconds = [
      0,
      1,
      -1,
      -2_208_988_800,
      1_294_814_876,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      9_000_000_000,
      -9_000_000_000,
    ];
    for (let k = 0; k < 200; k++) seconds.push(Math.floor((random() - 0.5) * 2 * 9.2e9));
    const nanos = seconds.map((_, k) => (k % 3 === 0 ? 999_999_999 : Math.floor(random() * 1e9)));
    const builder = new SegmentBatchBuilder(seconds.length);
    let batch;
    for (let k = 0; k < seconds.length; k++) {
      batch = builder.add(
        table,
        { data, offsets, seconds: [seconds[k]!, 0], nanoseconds: [nanos[k]!, 0], linkTypes: [101, 101], firstIndex: 1 },
        0,
      );
    }
    expect(batch, 'a full batch comes back').to.not.equal(undefined);
    const times = batch!.getChild('time')!.data[0]!.values as BigInt64Array;
    expect([...times]).to.deep.equal(seconds.map((s, k) => BigInt(s) * 1_000_000_000n + BigInt(nanos[k]!)));
  });

  it('gives each row its own addresses, IPv4 and IPv6, and cuts batches at batchRows', () => {
    const builder = new SegmentBatchBuilder(3);
    const frames = { data, offsets, seconds: [1, 2], nanoseconds: [0, 0], linkTypes: [101, 101], firstIndex: 7 };
    const batches = [];
    for (let k = 0; k < 7; k++) {
      const full = builder.add(table, frames, k % 2);
      if (full) batches.push(full);
    }
    expect(builder.pending).to.equal(1);
    batches.push(builder.take());
    expect(batches.map((b) => b.numRows)).to.deep.equal([3, 3, 1]);
    const rows = batches.flatMap((b) => [...b].map((r) => [r.frame, r.ip_version, r.src, r.dst, r.src_port, r.ts_val]));
    const row4 = [7, 4, V4.src, V4.dst, 40000, 1000];
    const row6 = [8, 6, V6.src, V6.dst, 40000, 1000];
    expect(rows).to.deep.equal([row4, row6, row4, row6, row4, row6, row4]);
    expect(builder.take().numRows).to.equal(0);
  });
});
