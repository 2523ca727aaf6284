// The one `ip` runner (TunDevice configuration and Netns both use it): stdout on success, and a
// failure that quotes the command and ip's own stderr, sync and async alike. Only read-only
// commands (`ip -V`, `ip link show` of a device that does not exist): nothing is configured.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { IpCommandError, runIp, runIpSync } from '../../src/link/ip-command.js';

const MISSING = 'tcpwc-none0';
const haveIp = spawnSync('ip', ['-V'], { stdio: 'ignore' }).status === 0;

async function failure(run: () => Promise<unknown>): Promise<IpCommandError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(IpCommandError);
  return error as IpCommandError;
}

/** Runs `fn` with PATH pointing nowhere, so `ip` cannot be found. */
async function withoutPath<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env['PATH'];
  process.env['PATH'] = '/nonexistent-tcpwasm-path';
  try {
    return await fn();
  } finally {
    process.env['PATH'] = saved;
  }
}

describe('link/ip-command: the shared `ip` runner', function () {
  before(function () {
    if (!haveIp && process.env['CI'] !== 'true') this.skip();
  });

  it('returns stdout, asynchronously and synchronously', async () => {
    const asyncOut = await runIp(['-V']);
    const syncOut = runIpSync(['-V']);
    expect(asyncOut).to.match(/iproute2/);
    expect(syncOut).to.equal(asyncOut);
  });

  it("a failing command quotes itself and ip's stderr, the same way in both forms", async () => {
    const args = ['link', 'show', 'dev', MISSING];
    const async = await failure(() => runIp(args));
    let sync: unknown = null;
    try {
      runIpSync(args);
    } catch (error) {
      sync = error;
    }
    expect(sync).to.be.instanceOf(IpCommandError);
    for (const error of [async, sync as IpCommandError]) {
      expect(error.command).to.equal(`ip link show dev ${MISSING}`);
      expect(error.notFound).to.equal(false);
      expect(error.reason).to.match(
        new RegExp(`${MISSING}.*does not exist|does not exist.*${MISSING}|Cannot find device`, 'i'),
      );
      expect(error.message).to.equal(`ip link show dev ${MISSING} failed: ${error.reason}`);
    }
    expect((sync as IpCommandError).reason).to.equal(async.reason);
  });

  it('an `ip` missing from PATH says so instead of quoting an ENOENT', async () => {
    const async = await withoutPath(() => failure(() => runIp(['-V'])));
    const sync = await withoutPath(async () => {
      try {
        runIpSync(['-V']);
        return null;
      } catch (error) {
        return error as IpCommandError;
      }
    });
    for (const error of [async, sync]) {
      expect(error).to.be.instanceOf(IpCommandError);
      expect(error!.notFound).to.equal(true);
      expect(error!.message).to.equal("ip -V: iproute2's `ip` not found on PATH");
      expect((error!.cause as NodeJS.ErrnoException).code).to.equal('ENOENT');
    }
  });
});
