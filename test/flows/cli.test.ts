// `tcpwasm flows` and `tcpwasm follow` as a user runs them (the built command, a child process).

import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOW_CSV_COLUMNS } from '../../src/cli/flows.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { cli, corpus, ensureBuilt, lines } from '../cli/cli-run.js';

const FTP = corpus('zeek-ftp-ipv6.pcap');
const HTTP = corpus('zeek-http-206-sack.pcap');

describe('tcpwasm flows / follow (CLI)', function () {
  before(function () {
    ensureBuilt(this);
  });

  it('flows --json prints one record per connection', () => {
    const run = cli('flows', HTTP, '--json');
    expect(run.status, run.stderr).to.equal(0);
    const records = lines(run.stdout).map((l) => JSON.parse(l) as FlowRecord);
    expect(records.map((r) => [r.index, r.origPort, r.connState, r.resp.bytes])).to.deep.equal([
      [0, 10977, 'SF', 33067],
      [1, 10978, 'SF', 523060],
    ]);
  });

  it('flows --csv has a header and the same values', () => {
    const run = cli('flows', HTTP, '--csv');
    expect(run.status, run.stderr).to.equal(0);
    const [header, ...rows] = lines(run.stdout);
    expect(header!.split(',')).to.deep.equal(FLOW_CSV_COLUMNS);
    expect(rows).to.have.length(2);
    const cells = rows[1]!.split(',');
    expect(cells[FLOW_CSV_COLUMNS.indexOf('resp_bytes')]).to.equal('523060');
    expect(cells[FLOW_CSV_COLUMNS.indexOf('connState')]).to.equal('SF');
  });

  it('flows prints a text table with a header line', () => {
    const run = cli('flows', FTP);
    expect(run.status, run.stderr).to.equal(0);
    const out = lines(run.stdout);
    expect(out[0]).to.match(/^\s+# start\s+duration\s+initiator/);
    expect(out).to.have.length(7);
    expect(out.filter((l) => / SF /.test(l))).to.have.length(6);
    expect(out.some((l) => l.includes('[2001:470:4867:99::21]:21'))).to.equal(true);
  });

  it('follow SELECTOR writes both directions of one connection to stdout, a header before each run', () => {
    const byIndex = cli('follow', FTP, '0');
    const byTuple = cli('follow', FTP, '[2001:470:4867:99::21]:21-[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49185');
    expect(byIndex.status, byIndex.stderr).to.equal(0);
    expect(byTuple.stdout).to.equal(byIndex.stdout);
    expect(byIndex.stdout.startsWith('>>> flow 0 resp 2001:470:4867:99::21.21 > ')).to.equal(true);
    expect(byIndex.stdout).to.include('\n>>> flow 0 orig ');
    expect(byIndex.stdout).to.include('USER ');
    expect(byIndex.stdout).to.not.include('>>> flow 1 ');
  });

  it('follow --out writes tcpflow-named files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpwasm-follow-cli-'));
    try {
      const run = cli('follow', HTTP, '1', '--out', dir);
      expect(run.status, run.stderr).to.equal(0);
      expect(readdirSync(dir).sort()).to.deep.equal([
        '010.101.084.070.10978-129.174.093.161.00080',
        '129.174.093.161.00080-010.101.084.070.10978',
      ]);
      expect(
        readFileSync(join(dir, '129.174.093.161.00080-010.101.084.070.10978')).subarray(0, 15).toString(),
      ).to.equal('HTTP/1.1 206 Pa');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follow --gap-fill skip leaves gaps out; zero fills them', () => {
    const file = corpus('zeek-tcp-reassembly.pcap');
    const zero = cli('follow', file, '0');
    const skip = cli('follow', file, '0', '--gap-fill', 'skip');
    const flows = JSON.parse(cli('flows', file, '--json').stdout) as FlowRecord;
    expect(flows.orig.missedBytes).to.be.greaterThan(0);
    expect(Buffer.byteLength(zero.stdout, 'latin1') - Buffer.byteLength(skip.stdout, 'latin1')).to.equal(
      flows.orig.missedBytes + flows.resp.missedBytes,
    );
  });

  for (const [args, message] of [
    [['flows'], 'flows expects exactly one FILE'],
    [['flows', FTP, '--json', '--csv'], '--json and --csv cannot be combined'],
    [['flows', FTP, '--max-flows', '0'], '--max-flows expects a whole number'],
    [['follow', FTP, 'nonsense'], 'selector "nonsense"'],
    [['follow', FTP, '1.2.3.400:1-1.2.3.4:2'], 'is not an IP address'],
    [['follow', FTP, '0', '--gap-fill', 'maybe'], '--gap-fill expects zero or skip'],
  ] as const) {
    it(`usage error: ${args.slice(2).join(' ') || args.join(' ')}`, () => {
      const run = cli(...args);
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include(message);
      expect(run.stdout).to.equal('');
    });
  }

  it('a file that cannot be read exits 2', () => {
    const run = cli('flows', corpus('no-such-file.pcap'));
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('no-such-file.pcap');
  });
});
