// docs/architecture.md's rules, checked on the real src/: imports point down the layers, and no
// module reaches itself through others. The first block proves the checker sees what it must
// (type-only and dynamic imports, upward edges, cycles), so an empty list below means something.

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import {
  ENTRIES,
  LAYERS,
  findCycles,
  layerOf,
  layerViolation,
  readImportGraph,
  specifiersOf,
  type ImportEdge,
} from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const edge = (from: string, to: string): ImportEdge => ({ from, to, specifier: to });

describe('architecture: the checker', () => {
  it("reads type-only imports, re-exports, dynamic import() and require() with TypeScript's parser", () => {
    const source = [
      "import type { A } from './a.js';",
      "import { type B } from './b.js';",
      "export type { C } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "type F = typeof import('./f.js');",
      "const g = require('./g.js');",
      "import './h.js';",
      '// import { X } from "./commented.js";',
      'const text = "import { Y } from \'./in-a-string.js\'";',
    ].join('\n');
    expect(specifiersOf(source)).to.have.members([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      './e.js',
      './f.js',
      './g.js',
      './h.js',
    ]);
  });

  it('allows imports downward and within a layer, and names an upward or sideways one', () => {
    expect(layerViolation(edge('stack/stack.ts', 'link/device.ts'))).to.equal(null);
    expect(layerViolation(edge('link/memory-link.ts', 'base/clock.ts'))).to.equal(null);
    expect(layerViolation(edge('stack/socket.ts', 'stack/endpoint.ts'))).to.equal(null);
    expect(layerViolation(edge('index.ts', 'cli/main.ts'))).to.equal(null);
    expect(layerViolation(edge('link/memory-link.ts', 'stack/clock.ts'))).to.match(
      /link \(rank 3\) may not import stack \(rank 4\)/,
    );
    expect(layerViolation(edge('tcp/connection.ts', 'pcap/parser.ts'))).to.match(/sibling layers/);
    expect(layerViolation(edge('wire/batch.ts', 'errors.ts'))).to.match(/root of src\//);
    expect(layerViolation(edge('pcap/read.ts', 'node.ts'))).to.match(/entry modules/);
    expect(layerViolation(edge('newlayer/x.ts', 'base/clock.ts'))).to.match(/no rank/);
  });

  it('finds every cycle, type-only or not, and reports its path', () => {
    const cycles = findCycles([
      edge('stack/stack.ts', 'stack/server.ts'),
      edge('stack/server.ts', 'stack/socket.ts'),
      edge('stack/socket.ts', 'stack/stack.ts'),
      edge('stack/socket.ts', 'stack/endpoint.ts'),
      edge('tcp/a.ts', 'tcp/b.ts'),
      edge('tcp/b.ts', 'tcp/a.ts'),
      edge('wire/self.ts', 'wire/self.ts'),
      edge('base/x.ts', 'base/y.ts'),
    ]);
    expect(cycles).to.deep.equal([
      ['stack/server.ts', 'stack/socket.ts', 'stack/stack.ts', 'stack/server.ts'],
      ['tcp/a.ts', 'tcp/b.ts', 'tcp/a.ts'],
      ['wire/self.ts', 'wire/self.ts'],
    ]);
  });
});

describe('architecture: src/', () => {
  const graph = readImportGraph(SRC);

  it('sees the whole tree (every layer has modules, every relative import resolves)', () => {
    const layers = new Set(graph.modules.map(layerOf));
    for (const layer of ['base', 'wire', 'tcp', 'pcap', 'link', 'stack', 'serve', 'cli'])
      expect(layers).to.include(layer);
    expect(graph.edges.length).to.be.greaterThan(300);
    expect(graph.unresolved.map((e) => `${e.from} -> ${e.specifier}`)).to.deep.equal([]);
  });

  it('has every module in a ranked layer or among the entry modules', () => {
    const stray = graph.modules.filter((m) => {
      const layer = layerOf(m);
      return layer === null ? !ENTRIES.has(m) : LAYERS[layer] === undefined;
    });
    expect(stray).to.deep.equal([]);
  });

  it('imports only downward: base → wire → tcp/pcap → link → stack → serve → cli', () => {
    const violations = graph.edges.map(layerViolation).filter((v): v is string => v !== null);
    expect(violations).to.deep.equal([]);
  });

  it('base imports nothing from the project', () => {
    const out = graph.edges.filter((e) => layerOf(e.from) === 'base' && layerOf(e.to) !== 'base');
    expect(out.map((e) => `${e.from} -> ${e.to}`)).to.deep.equal([]);
  });

  it('has no import cycles (import type included)', () => {
    expect(findCycles(graph.edges).map((path) => path.join(' -> '))).to.deep.equal([]);
  });

  it('TcpSocket and Server reach the stack only through the SocketHost interface', () => {
    const sockets = (m: string): boolean =>
      m.startsWith('stack/socket') || m === 'stack/server.ts' || m === 'stack/process-hold.ts';
    const reach = graph.edges.filter((e) => e.to === 'stack/stack.ts' && sockets(e.from));
    expect(reach.map((e) => `${e.from} -> ${e.to}`)).to.deep.equal([]);
    const uses = (from: string, to: string): boolean => graph.edges.some((e) => e.from === from && e.to === to);
    expect(uses('stack/socket.ts', 'stack/socket-host.ts')).to.equal(true);
    expect(uses('stack/server.ts', 'stack/socket-host.ts')).to.equal(true);
  });
});
