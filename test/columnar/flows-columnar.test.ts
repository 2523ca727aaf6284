// `tcpwasm flows FILE --format arrow|parquet`: one row per connection; DuckDB over the Parquet
// and apache-arrow over the Arrow file agree with `flows --json`, row by row, for the corpus.

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord } from '../../src/flows/record.js';
import { cli, corpus, ensureBuilt } from '../cli/cli-run.js';
import { corpusCaptures } from '../helpers/corpus.js';
import { Duck, sqlPath } from './duckdb.js';
import { flowsColumnar, flowsText } from './in-process.js';
import { readArrowFile } from './summary.js';

/** What each row is compared on: every column, times in whole microseconds. */
function expectedRow(r: FlowRecord): Record<string, number | string | null> {
  const row: Record<string, number | string | null> = {
    index: r.index,
    ip_version: r.ipVersion,
    orig_address: r.origAddress,
    orig_port: r.origPort,
    resp_address: r.respAddress,
    resp_port: r.respPort,
    first_frame: r.firstFrame,
    last_frame: r.lastFrame,
    start_us: Math.round(r.start * 1e6),
    end_us: Math.round(r.end * 1e6),
    duration: r.duration,
  };
  for (const side of ['orig', 'resp'] as const) {
    const d = r[side];
    Object.assign(row, {
      [`${side}_packets`]: d.packets,
      [`${side}_payload_bytes`]: d.payloadBytes,
      [`${side}_bytes`]: d.bytes,
      [`${side}_retransmissions`]: d.retransmissions,
      [`${side}_out_of_order`]: d.outOfOrder,
      [`${side}_zero_windows`]: d.zeroWindows,
      [`${side}_missed_bytes`]: d.missedBytes,
      [`${side}_gaps`]: d.gaps,
    });
  }
  Object.assign(row, { handshake_rtt: r.handshakeRtt, conn_state: r.connState, history: r.history, reason: r.reason });
  return row;
}

const SELECT = `SELECT * EXCLUDE (start_time, end_time), epoch_us(start_time) AS start_us, epoch_us(end_time) AS end_us`;

function records(ndjson: string): FlowRecord[] {
  return ndjson
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as FlowRecord)
    .sort((a, b) => a.index - b.index);
}

describe('flows --format arrow|parquet', function () {
  this.timeout(300_000);
  let dir: string;
  let duck: Duck;

  before(async function () {
    ensureBuilt(this);
    dir = mkdtempSync(join(tmpdir(), 'tcpwasm-columnar-flows-'));
    duck = await Duck.open();
  });

  after(() => {
    duck?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const rel of corpusCaptures()) {
    it(`${rel}: every flow row equals the --json record`, async () => {
      const json = await flowsText(corpus(rel), { json: true });
      const want = records(json.stdout).map(expectedRow);
      const base = join(dir, rel.replace(/\//g, '_'));
      const parquet = await flowsColumnar(corpus(rel), { format: 'parquet', out: `${base}.parquet` });
      const arrow = await flowsColumnar(corpus(rel), { format: 'arrow', out: `${base}.arrow` });
      expect(parquet.status, parquet.stderr).to.equal(json.status);
      expect(arrow.status, arrow.stderr).to.equal(json.status);

      const fromParquet = await duck.rows(
        `${SELECT} FROM read_parquet(${sqlPath(`${base}.parquet`)}) ORDER BY "index"`,
      );
      expect(fromParquet).to.deep.equal(want);
      // The sums a user would ask for first, in SQL.
      const sums = await duck.one(`SELECT count(*) AS n, coalesce(sum(orig_packets + resp_packets), 0) AS packets,
        coalesce(sum(orig_bytes + resp_bytes), 0) AS bytes, count(handshake_rtt) AS rtts FROM read_parquet(${sqlPath(`${base}.parquet`)})`);
      expect(sums).to.deep.equal({
        n: want.length,
        packets: want.reduce((a, r) => a + (r.orig_packets as number) + (r.resp_packets as number), 0),
        bytes: want.reduce((a, r) => a + (r.orig_bytes as number) + (r.resp_bytes as number), 0),
        rtts: want.filter((r) => r.handshake_rtt !== null).length,
      });

      const table = readArrowFile(`${base}.arrow`);
      const us = (name: string) =>
        table
          .getChild(name)!
          .data.flatMap((d) => [...(d.values as BigInt64Array)])
          .map(Number);
      const [starts, ends] = [us('start_time'), us('end_time')];
      const fromArrow = [...table]
        .map((row, i): Record<string, number | string | null> => {
          const o = row.toJSON() as Record<string, unknown>;
          const out: Record<string, number | string | null> = {};
          for (const [k, v] of Object.entries(o)) {
            if (k !== 'start_time' && k !== 'end_time')
              out[k] = typeof v === 'bigint' ? Number(v) : (v as number | string | null);
          }
          return { ...out, start_us: starts[i]!, end_us: ends[i]! };
        })
        .sort((a, b) => (a.index as number) - (b.index as number));
      expect(fromArrow).to.deep.equal(want);
    });
  }

  it('the command line: several row groups with --batch-rows, usage errors exit 1', async () => {
    const rel = 'zeek-echo-connections.pcap.gz';
    const n = records((await flowsText(corpus(rel), { json: true })).stdout).length;
    expect(n).to.be.greaterThan(300);
    const parquet = join(dir, 'flow-groups.parquet');
    const run = cli('flows', corpus(rel), '--format', 'parquet', '--batch-rows', '64', '--out', parquet);
    expect(run.status, run.stderr).to.equal(0);
    const groups = await duck.rows(`SELECT row_group_id, any_value(row_group_num_rows) AS n
      FROM parquet_metadata(${sqlPath(parquet)}) GROUP BY row_group_id ORDER BY row_group_id`);
    expect(groups.map((g) => g.n)).to.deep.equal(
      Array.from({ length: Math.ceil(n / 64) }, (_, k) => Math.min(64, n - 64 * k)),
    );
    for (const args of [
      ['--format', 'csv'],
      ['--format', 'arrow', '--csv'],
      ['--out', join(dir, 'y')],
    ]) {
      const bad = cli('flows', corpus(rel), ...args);
      expect(bad.status, args.join(' ')).to.equal(1);
      expect(bad.stderr, args.join(' ')).to.match(/^tcpwasm flows: --/);
    }
  });
});
