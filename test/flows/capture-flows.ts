// The flow records of a capture file, computed in-process the way `tcpwasm flows` does.

import { FlowTable, type FlowTableOptions } from '../../src/flows/flow-table.js';
import type { FlowRecord } from '../../src/flows/record.js';
import { readCaptureBatches } from '../../src/pcap/read.js';
import { decodeBatch } from '../../src/wire/batch.js';

export interface CaptureFlows {
  /** Every record, sorted by index. */
  records: FlowRecord[];
  /** Frame numbers that did not decode as TCP (in no flow). */
  undecoded: Set<number>;
}

/** The flows of the capture at `path`; a capture fault ends the input, as in the command. */
export async function captureFlows(path: string, options: FlowTableOptions = {}): Promise<CaptureFlows> {
  const records: FlowRecord[] = [];
  const undecoded = new Set<number>();
  const table = new FlowTable({
    ...options,
    onFlow: (r) => {
      records.push(r);
      options.onFlow?.(r);
    },
  });
  try {
    for await (const batch of readCaptureBatches(path)) {
      const decoded = decodeBatch(batch, batch.linkTypes, {
        originalLengths: batch.originalLengths,
        verifyChecksums: false,
      });
      for (let i = 0; i < decoded.length; i++) if (decoded.status[i] !== 0) undecoded.add(batch.firstIndex + i);
      table.addBatch(decoded, batch);
    }
  } catch {
    // A damaged tail: the flows before it still count (tshark also reads up to the damage).
  }
  table.finish();
  return { records: records.sort((a, b) => a.index - b.index), undecoded };
}
