// The progress line is a pure function of the run's state; whether a bar is drawn at all
// depends only on stderr being a terminal and the file's size.

import { expect } from 'chai';
import { PROGRESS_MIN_BYTES, ProgressBar, renderProgress, wantsProgress } from '../../src/cli/progress.js';

describe('decode progress bar', function () {
  it('renders bar, percentage, position, rate, frames and ETA', function () {
    const line = renderProgress({ bytesRead: 500e6, fileBytes: 2000e6, frames: 3_240_000, elapsedMs: 2000 }, 120);
    expect(line).to.equal(
      `[${'#'.repeat(10)}${'.'.repeat(30)}]   25%  500.0 MB of 2000 MB  250.0 MB/s  3.2 M frames  ETA 0:06`,
    );
  });

  it('rounds the percentage down: 99.9% is not 100%', function () {
    expect(renderProgress({ bytesRead: 999, fileBytes: 1000, frames: 5, elapsedMs: 1000 }, 120)).to.include(' 99%');
    expect(renderProgress({ bytesRead: 1000, fileBytes: 1000, frames: 5, elapsedMs: 1000 }, 120)).to.match(
      /^\[#{40}\] {2}100%/,
    );
  });

  it('shows no ETA before any time has passed, and hours for a long one', function () {
    expect(renderProgress({ bytesRead: 0, fileBytes: 1000, frames: 0, elapsedMs: 0 }, 120)).to.include('ETA --:--');
    expect(renderProgress({ bytesRead: 1e6, fileBytes: 1e10, frames: 1, elapsedMs: 1000 }, 120)).to.match(/ETA 2h46m$/);
  });

  it('drops the bar on a narrow terminal and never exceeds the width', function () {
    const narrow = renderProgress({ bytesRead: 5e8, fileBytes: 2e9, frames: 10, elapsedMs: 1000 }, 60);
    expect(narrow.startsWith('[')).to.equal(false);
    expect(narrow.length).to.be.at.most(60);
    for (const columns of [20, 40, 79, 200]) {
      expect(
        renderProgress({ bytesRead: 7e8, fileBytes: 2e9, frames: 123_456, elapsedMs: 3500 }, columns).length,
      ).to.be.at.most(columns);
    }
  });

  it('without a known position (gzip) shows frames and elapsed time', function () {
    expect(renderProgress({ bytesRead: undefined, fileBytes: 5e6, frames: 42, elapsedMs: 65_000 }, 80)).to.equal(
      '42 frames  1:05 elapsed',
    );
  });

  it('is wanted only on a terminal, and there only for a large file unless forced', function () {
    const pipe = { isTTY: false };
    expect(wantsProgress({ isTTY: false, write: () => true }, pipe, true, 10 * PROGRESS_MIN_BYTES, true)).to.equal(
      false,
    );
    expect(wantsProgress({ write: () => true }, pipe, true, 10 * PROGRESS_MIN_BYTES, true)).to.equal(false);
    expect(wantsProgress({ isTTY: true, write: () => true }, pipe, true, PROGRESS_MIN_BYTES, false)).to.equal(false);
    expect(wantsProgress({ isTTY: true, write: () => true }, pipe, true, PROGRESS_MIN_BYTES + 1, false)).to.equal(true);
    expect(wantsProgress({ isTTY: true, write: () => true }, pipe, true, 1000, true)).to.equal(true);
  });

  it('is not drawn between segment lines going to the same terminal; with --stats it is', function () {
    const tty = { isTTY: true };
    expect(wantsProgress({ isTTY: true, write: () => true }, tty, true, 10 * PROGRESS_MIN_BYTES, true)).to.equal(false);
    expect(wantsProgress({ isTTY: true, write: () => true }, tty, false, 10 * PROGRESS_MIN_BYTES, false)).to.equal(
      true,
    );
  });

  it('ProgressBar redraws in place with \\r, throttled, and clear() erases the line', function () {
    const written: string[] = [];
    const bar = new ProgressBar({ isTTY: true, columns: 100, write: (t: string) => written.push(t) });
    bar.update(10, 100, 1);
    bar.update(20, 100, 2); // within the redraw interval: skipped
    expect(written).to.have.length(1);
    // eslint-disable-next-line no-control-regex -- the ANSI erase-line escape is what is tested
    expect(written[0]).to.match(/^\r\[#{4}\.{36}\] +10%.*\x1b\[K$/);
    bar.clear();
    expect(written[1]).to.equal('\r\x1b[K');
    bar.clear();
    expect(written).to.have.length(2);
  });
});
