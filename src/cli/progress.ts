// A progress line on stderr for long runs: only when stderr is a terminal, so a pipe or a log
// file never receives carriage returns.

/** Files smaller than this finish too quickly for a bar to help. */
export const PROGRESS_MIN_BYTES = 64 << 20;
/** Redraw at most this often. */
const REDRAW_MS = 200;

export interface ProgressState {
  /** Bytes of the file consumed; undefined when unknown (a gzip file). */
  bytesRead: number | undefined;
  fileBytes: number;
  frames: number;
  elapsedMs: number;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes >= 1e9 ? 0 : 1)} MB`;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * One line of progress, at most `columns` characters:
 * `[#########.........]  45%  1.2 GB of 2.7 GB  310 MB/s  2.1 M frames  ETA 0:05`.
 * Without a known position (gzip) it shows frames and elapsed time only.
 */
export function renderProgress(s: ProgressState, columns: number): string {
  const seconds = s.elapsedMs / 1000;
  const frames = s.frames >= 1e6 ? `${(s.frames / 1e6).toFixed(1)} M frames` : `${s.frames} frames`;
  let line: string;
  if (s.bytesRead === undefined || s.fileBytes <= 0) {
    line = `${frames}  ${duration(seconds)} elapsed`;
  } else {
    const fraction = Math.min(1, Math.max(0, s.bytesRead / s.fileBytes));
    const rate = seconds > 0 ? s.bytesRead / seconds : 0;
    const eta = rate > 0 ? `ETA ${duration((s.fileBytes - s.bytesRead) / rate)}` : 'ETA --:--';
    const tail =
      `${String(Math.floor(fraction * 100)).padStart(3)}%  ${megabytes(s.bytesRead)} of ${megabytes(s.fileBytes)}` +
      `  ${megabytes(rate)}/s  ${frames}  ${eta}`;
    const barWidth = Math.min(40, columns - tail.length - 4);
    if (barWidth >= 10) {
      const filled = Math.floor(fraction * barWidth);
      line = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]  ${tail}`;
    } else line = tail;
  }
  return line.length > columns ? line.slice(0, Math.max(0, columns)) : line;
}

interface Terminal {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * Whether a run gets a bar: stderr is a terminal, the file is large (or a bar was asked for),
 * and the bar would not be drawn between lines the command is printing to that same terminal.
 */
export function wantsProgress(
  stderr: Terminal,
  stdout: { isTTY?: boolean },
  printsLines: boolean,
  fileBytes: number,
  forced: boolean,
): boolean {
  if (stderr.isTTY !== true) return false;
  if (printsLines && stdout.isTTY === true) return false;
  return forced || fileBytes > PROGRESS_MIN_BYTES;
}

export class ProgressBar {
  #lastDraw = -Infinity;
  #drawn = false;
  readonly #started = Date.now();
  readonly #stderr: Terminal;

  constructor(stderr: Terminal) {
    this.#stderr = stderr;
  }

  update(bytesRead: number | undefined, fileBytes: number, frames: number): void {
    const now = Date.now();
    if (now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    // A pseudo-terminal without a size reports 0 columns.
    const columns = (this.#stderr.columns || 80) - 1;
    this.#stderr.write(
      `\r${renderProgress({ bytesRead, fileBytes, frames, elapsedMs: now - this.#started }, columns)}\x1b[K`,
    );
    this.#drawn = true;
  }

  /** Erases the bar so the summary or an error starts on a clean line. */
  clear(): void {
    if (this.#drawn) this.#stderr.write('\r\x1b[K');
    this.#drawn = false;
  }
}
