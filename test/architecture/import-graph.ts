// The module graph of src/ as TypeScript itself reads it, and the two rules docs/architecture.md
// states: imports point down the layers (or stay inside one), and no module imports itself back
// through others. Pure functions over the graph, so the test can also prove they catch what
// they claim to catch.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Layers by rank: a module may import its own layer or one of lower rank. Layers of equal rank
 * are siblings and may not import each other (tcp and pcap know nothing of one another).
 */
export const LAYERS: Readonly<Record<string, number>> = {
  base: 0,
  wire: 1,
  tcp: 2,
  pcap: 2,
  link: 3,
  // Flow tracking and stream reassembly over decoded captures (issue 15): beside link, above
  // the codec and the engine's sequence arithmetic, below the stack and the CLI.
  flows: 3,
  stack: 4,
  // Arrow/Parquet writers for decoded segments and flow records (issue 15): above wire and flows,
  // beside the stack (neither imports the other), below the CLI that drives them.
  columnar: 4,
  serve: 5,
  cli: 6,
};

/**
 * The package's entry modules (src/*.ts): they re-export from any layer, and no layer imports
 * them (an entry is a door into the package, not a module to build on).
 */
export const ENTRIES: ReadonlySet<string> = new Set(['index.ts', 'node.ts', 'codec.ts', 'engine.ts', 'tun.ts']);

export interface ImportEdge {
  /** Module paths relative to src/, with '/' separators. */
  readonly from: string;
  readonly to: string;
  /** The specifier as written, for messages. */
  readonly specifier: string;
}

/**
 * Every module specifier in `source`: static imports and re-exports (`import type` and
 * `export type … from` included: a type-only cycle still couples the modules, and it becomes a
 * runtime one the day a value is imported along the same edge), dynamic `import()` with a literal,
 * and `require()`.
 */
export function specifiersOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The .ts files under `dir`, relative to it, '/'-separated and sorted. */
export function listModules(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
        out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The graph of relative imports among the modules under `srcDir` (package and `node:` imports
 * are not edges). A relative specifier that names no module under src/ is returned as
 * unresolved rather than skipped, so the test cannot pass by failing to see an import.
 */
export function readImportGraph(srcDir: string): { modules: string[]; edges: ImportEdge[]; unresolved: ImportEdge[] } {
  const modules = listModules(srcDir);
  const known = new Set(modules);
  const edges: ImportEdge[] = [];
  const unresolved: ImportEdge[] = [];
  for (const from of modules) {
    const source = readFileSync(join(srcDir, from), 'utf8');
    for (const specifier of specifiersOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(join(srcDir, from)), specifier.replace(/\.js$/, '.ts'));
      const to = relative(srcDir, target).split(sep).join('/');
      (known.has(to) ? edges : unresolved).push({ from, to, specifier });
    }
  }
  return { modules, edges, unresolved };
}

/** The layer a module belongs to: its top directory under src/, or null for a root module. */
export function layerOf(module: string): string | null {
  const slash = module.indexOf('/');
  return slash < 0 ? null : module.slice(0, slash);
}

/** Why `edge` breaks the layering, or null when it is allowed. */
export function layerViolation(edge: ImportEdge): string | null {
  const fromEntry = ENTRIES.has(edge.from);
  const toEntry = ENTRIES.has(edge.to);
  if (fromEntry) return null;
  const describe = `${edge.from} imports '${edge.specifier}'`;
  if (toEntry) return `${describe}: entry modules are for users of the package, not for layers`;
  const from = layerOf(edge.from);
  const to = layerOf(edge.to);
  if (from === null) return `${edge.from} sits at the root of src/ but is no entry module; put it in a layer`;
  if (to === null) return `${describe}: ${edge.to} sits at the root of src/ outside every layer`;
  const fromRank = LAYERS[from];
  const toRank = LAYERS[to];
  if (fromRank === undefined)
    return `${edge.from}: layer '${from}' has no rank (add it to LAYERS and docs/architecture.md)`;
  if (toRank === undefined) return `${describe}: layer '${to}' has no rank (add it to LAYERS and docs/architecture.md)`;
  if (from === to || toRank < fromRank) return null;
  return toRank === fromRank
    ? `${describe}: ${from} and ${to} are sibling layers and must not import each other`
    : `${describe}: ${from} (rank ${fromRank}) may not import ${to} (rank ${toRank}), imports point down`;
}

/**
 * Every import cycle, one per strongly connected component (Tarjan), each as a path that starts
 * and ends at the same module: ['a.ts', 'b.ts', 'a.ts'].
 */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    let list = next.get(from);
    if (list === undefined) next.set(from, (list = []));
    if (!list.includes(to)) list.push(to);
  }
  for (const list of next.values()) list.sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  // Recursion depth is bounded by the module count (a few hundred).
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = next.get(v)?.includes(v) === true;
    if (component.length > 1 || selfLoop) components.push(component.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => cyclePath(component, next));
}

/** A shortest cycle through the component's first module, staying inside the component. */
function cyclePath(component: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[] {
  const inside = new Set(component);
  const start = component[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of next.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== undefined && at !== start; at = cameFrom.get(at)) path.push(at);
        path.push(start);
        return path.reverse();
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component];
}
