import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./real-time.ts', import.meta.url));

describe('Stack on real time', function () {
  this.timeout(60_000);

  it('moves data on the default RealClock, and the process exits without waiting out TIME-WAIT (60 s)', async () => {
    const started = Date.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, ['--import', 'tsx', script], (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      });
      // A hang (a timer holding the process for TIME-WAIT) fails instead of waiting 60 s.
      setTimeout(() => child.kill(), 40_000).unref();
    });
    const result = JSON.parse(out.trim()) as {
      echoed: number;
      exact: boolean;
      clientState: number;
      resets: number;
      incomplete?: boolean;
    };
    expect(result.incomplete, 'the process exited before the transfer ended').to.equal(undefined);
    expect(result.echoed).to.equal(100_000);
    expect(result.exact).to.equal(true);
    expect(result.resets).to.equal(0);
    // The active closer still holds its connection in TIME-WAIT when the socket closes...
    expect(result.clientState).to.equal(1);
    // ...yet the process ended long before that 60 s state could expire.
    expect(Date.now() - started).to.be.below(40_000);
  });
});
