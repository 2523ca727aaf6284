// `tcpwasm flows FILE`: one record per TCP connection (FlowTable over the capture's batches),
// printed as each connection ends: a text table, NDJSON (--json) or CSV (--csv).

import { FlowTable, type FlowTableOptions } from '../flows/flow-table.js';
import type { DirectionSummary, FlowRecord } from '../flows/record.js';
import { decodeBatch, type SegmentTable } from '../wire/batch.js';
import type { CommandStreams } from './decode.js';
import { Output } from './output.js';
import { csvLine } from './rows.js';
import { SourceFault, captureBatches } from './source.js';

export interface FlowsCommandOptions {
  json?: boolean;
  csv?: boolean;
  idleTimeout?: number;
  maxFlows?: number;
}

/**
 * Feeds every batch of a capture to a flow table, then finishes it. Resolves to the fault that
 * stopped reading early (the connections before it are still reported), or undefined.
 */
export async function feedCapture(file: string, table: FlowTable, afterBatch?: () => Promise<void>): Promise<unknown> {
  let fault: unknown;
  // The table reads each batch's columns only inside addBatch, so one SegmentTable serves them all.
  let decoded: SegmentTable | undefined;
  try {
    for await (const batch of captureBatches(file)) {
      decoded = decodeBatch(batch, batch.linkTypes, {
        originalLengths: batch.originalLengths,
        verifyChecksums: false,
        ...(decoded === undefined ? {} : { into: decoded }),
      });
      table.addBatch(decoded, batch);
      await afterBatch?.();
    }
  } catch (error) {
    if (!(error instanceof SourceFault)) throw error;
    fault = error.fault;
  }
  table.finish();
  await afterBatch?.();
  return fault;
}

const SIDES = ['orig', 'resp'] as const;
const SIDE_FIELDS: ReadonlyArray<keyof DirectionSummary> = [
  'packets',
  'payloadBytes',
  'bytes',
  'retransmissions',
  'outOfOrder',
  'zeroWindows',
  'missedBytes',
  'gaps',
];

/** CSV header: the record's fields, each direction's as orig_… and resp_…. */
export const FLOW_CSV_COLUMNS: readonly string[] = [
  'index',
  'ipVersion',
  'origAddress',
  'origPort',
  'respAddress',
  'respPort',
  'firstFrame',
  'lastFrame',
  'start',
  'end',
  'duration',
  ...SIDES.flatMap((side) => SIDE_FIELDS.map((field) => `${side}_${field}`)),
  'handshakeRtt',
  'connState',
  'history',
  'reason',
];

export function flowCsv(r: FlowRecord): string {
  return csvLine([
    r.index,
    r.ipVersion,
    r.origAddress,
    r.origPort,
    r.respAddress,
    r.respPort,
    r.firstFrame,
    r.lastFrame,
    r.start.toFixed(6),
    r.end.toFixed(6),
    r.duration.toFixed(6),
    ...SIDES.flatMap((side) => SIDE_FIELDS.map((field) => r[side][field])),
    r.handshakeRtt === null ? '' : r.handshakeRtt.toFixed(6),
    r.connState,
    r.history,
    r.reason,
  ]);
}

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export const FLOW_TEXT_HEADER =
  `${'#'.padStart(5)} ${'start'.padEnd(17)} ${'duration'.padStart(10)}  ${'initiator'.padEnd(21)}    ${'responder'.padEnd(21)} ` +
  `${'state'.padEnd(6)} ${'pkts>'.padStart(7)} ${'bytes>'.padStart(11)} ${'pkts<'.padStart(7)} ${'bytes<'.padStart(11)} ` +
  `${'retx'.padStart(5)} ${'ooo'.padStart(4)} ${'zwin'.padStart(4)} ${'rtt_ms'.padStart(8)} ${'missed'.padStart(7)}  history`;

/** One text line: byte counts are distinct sequence-space bytes; retx/ooo/zwin/missed both ways. */
export function flowText(r: FlowRecord): string {
  const o = r.orig;
  const p = r.resp;
  return (
    `${String(r.index).padStart(5)} ${r.start.toFixed(6).padEnd(17)} ${r.duration.toFixed(6).padStart(10)}  ` +
    `${endpoint(r.origAddress, r.origPort).padEnd(21)} -> ${endpoint(r.respAddress, r.respPort).padEnd(21)} ` +
    `${r.connState.padEnd(6)} ${String(o.packets).padStart(7)} ${String(o.bytes).padStart(11)} ` +
    `${String(p.packets).padStart(7)} ${String(p.bytes).padStart(11)} ` +
    `${String(o.retransmissions + p.retransmissions).padStart(5)} ${String(o.outOfOrder + p.outOfOrder).padStart(4)} ` +
    `${String(o.zeroWindows + p.zeroWindows).padStart(4)} ` +
    `${(r.handshakeRtt === null ? '-' : (r.handshakeRtt * 1000).toFixed(3)).padStart(8)} ` +
    `${String(o.missedBytes + p.missedBytes).padStart(7)}  ${r.history}`
  );
}

/** Runs the command; resolves to the exit status (0, or 2 when the file cannot be read). */
export async function runFlows(file: string, options: FlowsCommandOptions, streams: CommandStreams): Promise<number> {
  const out = new Output(streams.stdout);
  const lines: string[] = [];
  const tableOptions: FlowTableOptions = {
    onFlow: (r) => lines.push(options.json ? JSON.stringify(r) : options.csv ? flowCsv(r) : flowText(r)),
    ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
    ...(options.maxFlows === undefined ? {} : { maxFlows: options.maxFlows }),
  };
  const table = new FlowTable(tableOptions);
  if (options.csv) await out.write(`${csvLine(FLOW_CSV_COLUMNS)}\n`);
  else if (!options.json) await out.write(`${FLOW_TEXT_HEADER}\n`);
  const fault = await feedCapture(file, table, async () => {
    if (lines.length === 0) return;
    await out.write(`${lines.join('\n')}\n`);
    lines.length = 0;
  });
  await out.flush();
  return flowsStatus(file, options, table, fault, streams);
}

/** Reports early evictions and a capture fault on stderr; the exit status (2 after a fault). */
export function flowsStatus(
  file: string,
  options: FlowsCommandOptions,
  table: FlowTable,
  fault: unknown,
  streams: CommandStreams,
): number {
  const s = table.stats;
  if (s.evicted > 0)
    streams.stderr.write(
      `tcpwasm flows: ${s.evicted} connections evicted early (more than ${options.maxFlows ?? 1_000_000} at once)\n`,
    );
  if (fault !== undefined) {
    streams.stderr.write(`tcpwasm: ${file}: ${fault instanceof Error ? fault.message : String(fault)}\n`);
    return 2;
  }
  return 0;
}
