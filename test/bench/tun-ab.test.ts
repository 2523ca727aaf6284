// The TUN bench's HTTP row trusts ApacheBench's report only after parseAbReport (bench/tun-ab.ts)
// has checked it: these reports are ab 2.3's own output (a run of `ab -k -q -n 5 -c 1` against a
// node:http server on 127.0.0.1), then the same with one line changed as a bad run prints it.

import { expect } from 'chai';
import { parseAbReport } from '../../bench/tun-ab.js';

const GOOD = `This is ApacheBench, Version 2.3 <$Revision$>

Server Software:
Server Hostname:        127.0.0.1
Server Port:            18771

Document Path:          /bytes/1000
Document Length:        1000 bytes

Concurrency Level:      1
Time taken for tests:   0.022 seconds
Complete requests:      5
Failed requests:        0
Keep-Alive requests:    5
Total transferred:      5625 bytes
HTML transferred:       5000 bytes
Requests per second:    231.39 [#/sec] (mean)
Time per request:       4.322 [ms] (mean)
Transfer rate:          254.21 [Kbytes/sec] received
`;

describe('bench/tun-ab.ts: parseAbReport', () => {
  it('reads requests, body bytes and time from a complete keep-alive run', () => {
    const r = parseAbReport(GOOD, 5, 1000);
    expect(r).to.deep.equal({ requests: 5, bodyBytes: 5000, seconds: 0.022, requestsPerSec: 5 / 0.022 });
  });

  const bad: [string, string, RegExp][] = [
    [
      'failed requests',
      GOOD.replace(
        /Failed requests: +0/,
        'Failed requests:        2\n   (Connect: 0, Receive: 0, Length: 2, Exceptions: 0)',
      ),
      /2 failed/,
    ],
    [
      'fewer complete requests',
      GOOD.replace(/Complete requests: +5/, 'Complete requests:      4'),
      /4 of 5 requests complete/,
    ],
    [
      'connections not kept alive',
      GOOD.replace(/Keep-Alive requests: +5/, 'Keep-Alive requests:    0'),
      /0 of 5 on kept-alive/,
    ],
    ['non-2xx answers', GOOD.replace('Keep-Alive', 'Non-2xx responses:      5\nKeep-Alive'), /5 non-2xx/],
    [
      'short bodies',
      GOOD.replace(/HTML transferred: +5000/, 'HTML transferred:       4000'),
      /4000 body bytes, 5000 expected/,
    ],
    ['no report at all', 'apr_socket_recv: Connection reset by peer (104)\n', /undefined of 5 requests complete/],
  ];
  for (const [what, output, message] of bad) {
    it(`rejects a run with ${what}`, () => {
      expect(() => parseAbReport(output, 5, 1000)).to.throw(message);
    });
  }
});
