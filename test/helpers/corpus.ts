// Locates ../shared/corpus and reads its tshark truth tables.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { corpusCandidates, locateCorpus } from '../../bench/corpus.js';

function locate(): string {
  const found = locateCorpus();
  if (found === undefined) {
    throw new Error(`capture corpus not found (looked in ${corpusCandidates().join(', ')}); set TCPWASM_CORPUS`);
  }
  return found;
}

export const CORPUS_DIR = locate();

/** Every capture in the corpus that has a truth table, as paths relative to the corpus. */
export function corpusCaptures(): string[] {
  const out: string[] = [];
  for (const dir of ['', 'edge']) {
    for (const name of readdirSync(join(CORPUS_DIR, dir)).sort()) {
      if (/\.(pcap|pcapng)(\.gz)?$/.test(name)) {
        const rel = dir ? `${dir}/${name}` : name;
        if (existsSync(join(CORPUS_DIR, `${rel}.truth.tsv`)) || existsSync(join(CORPUS_DIR, `${rel}.truth.tsv.gz`)))
          out.push(rel);
      }
    }
  }
  return out;
}

export function readCorpusFile(rel: string): Buffer {
  return readFileSync(join(CORPUS_DIR, rel));
}

export type TruthRow = Record<string, string>;

/** The truth table of a capture, keyed by frame number. */
export function readTruth(rel: string): Map<number, TruthRow> {
  const plain = join(CORPUS_DIR, `${rel}.truth.tsv`);
  const text = existsSync(plain)
    ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0]!.split('\t');
  const rows = new Map<number, TruthRow>();
  for (const line of lines.slice(1)) {
    const cells = line.split('\t');
    const row: TruthRow = {};
    header.forEach((name, i) => {
      row[name] = cells[i] ?? '';
    });
    rows.set(Number(row['frame.number']), row);
  }
  return rows;
}
