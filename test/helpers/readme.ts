// Figures README and docs/ quote, so tests that measure them can keep the text true.

import { readdirSync, readFileSync } from 'node:fs';

const docs = new URL('../../docs/', import.meta.url);
const text = [
  readFileSync(new URL('../../README.md', import.meta.url), 'utf8'),
  ...readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(new URL(f, docs), 'utf8')),
].join('\n');

/** The number README or a docs/ page prints just before `label` (e.g. "88,198" before " TCP segments"). */
export function readmeFigure(label: string): number {
  const at = text.indexOf(label);
  if (at < 0) throw new Error(`neither README nor docs/ mention ${JSON.stringify(label)}`);
  const m = /([\d,]+)\s*$/.exec(text.slice(Math.max(0, at - 20), at));
  if (!m) throw new Error(`no figure before ${JSON.stringify(label)} in README or docs/`);
  return Number(m[1]!.replace(/,/g, ''));
}
