// Figures README quotes, so tests that measure them can keep README true.

import { readFileSync } from 'node:fs';

const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The number README prints just before `label` (e.g. "88,198" before " TCP segments"). */
export function readmeFigure(label: string): number {
  const at = text.indexOf(label);
  if (at < 0) throw new Error(`README does not mention ${JSON.stringify(label)}`);
  const m = /([\d,]+)\s*$/.exec(text.slice(Math.max(0, at - 20), at));
  if (!m) throw new Error(`no figure before ${JSON.stringify(label)} in README`);
  return Number(m[1]!.replace(/,/g, ''));
}
