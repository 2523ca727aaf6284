// --stats: counts over a run, gathered per chunk (in a worker or not) and merged in file order.

import { STATUS_NAMES } from '../wire/layout.js';
import { ChecksumState, OptionBit, TcpFlags } from '../wire/constants.js';

export const FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ae'] as const;
const FLAG_BITS = [
  TcpFlags.FIN,
  TcpFlags.SYN,
  TcpFlags.RST,
  TcpFlags.PSH,
  TcpFlags.ACK,
  TcpFlags.URG,
  TcpFlags.ECE,
  TcpFlags.CWR,
  TcpFlags.AE,
];
export const OPTION_NAMES = ['mss', 'wscale', 'sackOK', 'timestamp', 'sack', 'other'] as const;
const OPTION_BITS = [
  OptionBit.MSS,
  OptionBit.WINDOW_SCALE,
  OptionBit.SACK_PERMITTED,
  OptionBit.TIMESTAMP,
  OptionBit.SACK,
  OptionBit.OTHER,
];

/** Distinct flows kept exactly up to this many; beyond it the count is a lower bound. */
export const FLOW_LIMIT = 1 << 20;

/** What one chunk contributes; plain data so it crosses postMessage. */
export interface ChunkStats {
  frames: number;
  frameBytes: number;
  segments: number;
  payloadBytes: number;
  withOptions: number;
  flags: number[];
  options: number[];
  /** Indexed by ChecksumState. */
  checksums: number[];
  /** Frames that did not decode, indexed by decoder status. */
  errors: number[];
  /** Flow keys met in the chunk, each once. */
  flows: number[];
}

export function emptyChunkStats(): ChunkStats {
  return {
    frames: 0,
    frameBytes: 0,
    segments: 0,
    payloadBytes: 0,
    withOptions: 0,
    flags: FLAG_BITS.map(() => 0),
    options: OPTION_BITS.map(() => 0),
    checksums: [0, 0, 0, 0],
    errors: STATUS_NAMES.map(() => 0),
    flows: [],
  };
}

/**
 * Adds histograms of a chunk's counted rows to its per-name counts: `flags[v]` rows had the
 * flags byte v, `masks[v]` the option mask v, `states[v]` the checksum state v.
 */
export function expandCounts(s: ChunkStats, flags: Uint32Array, masks: Uint32Array, states: Uint32Array): void {
  for (let v = 0; v < flags.length; v++) {
    const n = flags[v]!;
    if (n === 0) continue;
    for (let k = 0; k < FLAG_BITS.length; k++) if (v & FLAG_BITS[k]!) s.flags[k]! += n;
  }
  for (let v = 1; v < masks.length; v++) {
    const n = masks[v]!;
    if (n === 0) continue;
    for (let k = 0; k < OPTION_BITS.length; k++) if (v & OPTION_BITS[k]!) s.options[k]! += n;
  }
  for (let v = 0; v < states.length; v++) s.checksums[v]! += states[v]!;
}

/** The whole run's figures, merged from chunk stats in order. */
export class RunStats {
  readonly totals = emptyChunkStats();
  readonly #flowKeys = new Set<number>();
  #flowsCapped = false;

  add(chunk: ChunkStats): void {
    const t = this.totals;
    t.frames += chunk.frames;
    t.frameBytes += chunk.frameBytes;
    t.segments += chunk.segments;
    t.payloadBytes += chunk.payloadBytes;
    t.withOptions += chunk.withOptions;
    for (const [name, from] of [
      ['flags', chunk.flags],
      ['options', chunk.options],
      ['checksums', chunk.checksums],
      ['errors', chunk.errors],
    ] as const) {
      const into = t[name];
      for (let k = 0; k < from.length; k++) into[k]! += from[k]!;
    }
    for (const key of chunk.flows) {
      if (this.#flowKeys.size >= FLOW_LIMIT && !this.#flowKeys.has(key)) {
        this.#flowsCapped = true;
        continue;
      }
      this.#flowKeys.add(key);
    }
  }

  report(file: string, elapsedMs: number, filter: string | undefined): StatsReport {
    const t = this.totals;
    const seconds = Math.max(elapsedMs, 1e-3) / 1000;
    const errors: Record<string, number> = {};
    STATUS_NAMES.forEach((name, k) => {
      if (t.errors[k]) errors[name] = t.errors[k]!;
    });
    return {
      file,
      filter: filter ?? null,
      frames: t.frames,
      frameBytes: t.frameBytes,
      segments: t.segments,
      payloadBytes: t.payloadBytes,
      flows: this.#flowKeys.size,
      flowsExact: !this.#flowsCapped,
      flags: Object.fromEntries(FLAG_NAMES.map((n, k) => [n, t.flags[k]!])),
      options: { any: t.withOptions, ...Object.fromEntries(OPTION_NAMES.map((n, k) => [n, t.options[k]!])) },
      checksums: {
        good: t.checksums[ChecksumState.GOOD]!,
        bad: t.checksums[ChecksumState.BAD]!,
        unverifiable: t.checksums[ChecksumState.UNVERIFIABLE]!,
      },
      errors,
      elapsedSeconds: Number(seconds.toFixed(6)),
      segmentsPerSecond: Math.round(t.segments / seconds),
      framesPerSecond: Math.round(t.frames / seconds),
      megabytesPerSecond: Number((t.frameBytes / 1e6 / seconds).toFixed(3)),
    };
  }
}

export interface StatsReport {
  file: string;
  filter: string | null;
  frames: number;
  /** Captured bytes of every frame read. */
  frameBytes: number;
  /** TCP segments that decoded (and matched the filter). */
  segments: number;
  payloadBytes: number;
  /** Distinct connections (address and port pairs, either direction) among the segments. */
  flows: number;
  flowsExact: boolean;
  flags: Record<string, number>;
  options: Record<string, number>;
  checksums: { good: number; bad: number; unverifiable: number };
  /** Frames that did not decode, by error code (NOT_TCP, NOT_IP, FRAGMENT included). */
  errors: Record<string, number>;
  elapsedSeconds: number;
  segmentsPerSecond: number;
  framesPerSecond: number;
  /** Captured frame bytes per second, decimal MB. */
  megabytesPerSecond: number;
}

function counts(record: Record<string, number>): string {
  const parts = Object.entries(record).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The human-readable summary, one `label: value` line per figure. */
export function formatStats(r: StatsReport): string {
  const rows: Array<[string, string]> = [
    ['file', r.file],
    ...(r.filter === null ? [] : [['filter', r.filter] as [string, string]]),
    ['frames', `${r.frames} (${r.frameBytes} bytes)`],
    ['segments', `${r.segments} (${r.payloadBytes} payload bytes)`],
    ['flows', `${r.flowsExact ? '' : 'at least '}${r.flows}`],
    ['flags', counts(r.flags)],
    ['options', counts(r.options)],
    ['checksums', counts(r.checksums)],
    ['not decoded', counts(r.errors)],
    ['elapsed', `${r.elapsedSeconds.toFixed(3)} s`],
    [
      'throughput',
      `${r.segmentsPerSecond} segments/s, ${r.framesPerSecond} frames/s, ${r.megabytesPerSecond.toFixed(1)} MB/s`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n');
}
