// The installed package's entry points: each loads with import and with require(), both expose
// the same names, the root keeps the common ones, and the codec and a Stack echo work through
// require() exactly as through import.

import { expect } from 'chai';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { install, node, repo } from './installed.js';

const ENTRIES = [
  'tcpwasm',
  'tcpwasm/codec',
  'tcpwasm/engine',
  'tcpwasm/stack',
  'tcpwasm/tun',
  'tcpwasm/serve',
  'tcpwasm/flows',
];

type Listing = Record<string, { import: string[]; require: string[] }>;

// The same program as ESM and as CommonJS (only how it gets the modules differs): codec calls on
// fixed bytes, then a client and a server Stack echoing over a MemoryLink in virtual time.
const BODY = `
const packet = encodePacket({
  ip: { src: '198.51.100.1', dst: '203.0.113.2', ttl: 64 },
  tcp: { srcPort: 40000, dstPort: 7, seq: 1000, ack: 0, flags: TcpFlags.SYN, window: 64240,
    options: { mss: 1460, sackPermitted: true, windowScale: 7 } },
  payload: new TextEncoder().encode('hello'),
});
const decoded = decodeIp(packet);
const result = {
  sum: internetChecksum(new Uint8Array([0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06])),
  packet: Array.from(packet),
  decoded: JSON.parse(JSON.stringify(decoded, (k, v) => (v instanceof Uint8Array ? Array.from(v) : v))),
};
const clock = new VirtualClock();
const [a, b] = MemoryLink.pair({ clock });
const server = new Stack({ device: b, addresses: ['203.0.113.2/24'], clock });
const client = new Stack({ device: a, addresses: ['198.51.100.1/24', '203.0.113.1/24'], clock });
server.createServer((sock) => sock.pipe(sock)).listen(7);
const sock = client.connect(7, '203.0.113.2');
let echoed = '';
sock.on('data', (d) => { echoed += d.toString(); });
sock.end('echo through ' + FORMAT);
clock.runUntil(() => echoed.length === ('echo through ' + FORMAT).length, 10_000).then(() => {
  result.echoed = echoed;
  console.log(JSON.stringify(result));
  server.close(); client.close();
});
`;

const ESM = `import { encodePacket, decodeIp, internetChecksum, TcpFlags } from 'tcpwasm/codec';
import { MemoryLink, Stack, VirtualClock } from 'tcpwasm';
const FORMAT = 'import';
${BODY}`;

const CJS = `'use strict';
const { encodePacket, decodeIp, internetChecksum, TcpFlags } = require('tcpwasm/codec');
const { MemoryLink, Stack, VirtualClock } = require('tcpwasm');
const FORMAT = 'require';
${BODY}`;

function run(file: string): Record<string, unknown> {
  const result = node([file]);
  expect(result.stderr).to.equal('');
  expect(result.status).to.equal(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('package: entry points of the installed tarball', function () {
  this.timeout(120_000);
  let listing: Listing;

  before(function () {
    const { project } = install();
    copyFileSync(join(repo, 'test/package/list-exports.mjs'), join(project, 'list-exports.mjs'));
    const result = node(['list-exports.mjs', '--json']);
    expect(result.stderr).to.equal('');
    listing = JSON.parse(result.stdout) as Listing;
  });

  it('every entry point loads with import and with require(), with the same names', function () {
    expect(Object.keys(listing)).to.deep.equal(ENTRIES);
    for (const entry of ENTRIES) {
      const { import: esm, require: cjs } = listing[entry]!;
      expect(esm.length, entry).to.be.greaterThan(0);
      expect(cjs, entry).to.deep.equal(esm);
    }
  });

  it('require() loads the CommonJS build and import the ES modules (not one through the other)', function () {
    const script = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
console.log(JSON.stringify(${JSON.stringify(ENTRIES)}.map((e) => [require.resolve(e), import.meta.resolve(e)])));`;
    const result = node(['--input-type=module', '-e', script]);
    expect(result.stderr).to.equal('');
    const resolved = JSON.parse(result.stdout) as Array<[string, string]>;
    const { pkg } = install();
    resolved.forEach(([cjs, esm], i) => {
      const base = ENTRIES[i] === 'tcpwasm' ? 'index' : ENTRIES[i]!.slice('tcpwasm/'.length);
      const file = base === 'stack' || base === 'serve' || base === 'flows' ? `${base}/index.js` : `${base}.js`;
      expect(cjs).to.equal(join(pkg, 'dist/cjs', file));
      expect(esm).to.equal(pathToFileURL(join(pkg, 'dist', file)).href);
    });
  });

  it('the root keeps the common names and leaves the rest to their entry points', function () {
    const root = listing['tcpwasm']!.import;
    for (const name of [
      'init',
      'decodeFrame',
      'decodeIp',
      'encodePacket',
      'internetChecksum',
      'decodeBatch',
      'parseCapture',
      'readCapture',
      'Stack',
      'VirtualClock',
      'createNet',
      'MemoryLink',
      'TunDevice',
      'startServices',
    ]) {
      expect(root, name).to.include(name);
    }
    // Engine internals, sequence arithmetic, namespace helpers and the HTTP app are not common.
    // (The flag constants are the codec's too, so the root has them through the codec.)
    const codecNames = new Set(listing['tcpwasm/codec']!.import);
    const engineOnly = listing['tcpwasm/engine']!.import.filter((name) => !codecNames.has(name));
    for (const name of [
      ...engineOnly,
      'Netns',
      'NetnsError',
      'netnsExists',
      'deleteOrphanNamespaces',
      'createHttpHandler',
      'PatternSource',
      'patternByte',
      'MAX_BYTES',
    ]) {
      expect(root, name).to.not.include(name);
    }
    // Everything in the root comes from an entry point of its own (the codec's, the stack's, …)
    // or is one of the few link and service names kept there.
    const elsewhere = new Set(ENTRIES.slice(1).flatMap((e) => listing[e]!.import));
    const rootOnly = root.filter((name) => !elsewhere.has(name)).sort();
    expect(rootOnly).to.deep.equal([
      'FaultyDevice',
      'MemoryLink',
      'MemoryLinkEnd',
      'PcapTap',
      'readCapture',
      'readCaptureBatches',
    ]);
  });

  it('a name in the root is the same object as in its own entry point (one copy per module format)', function () {
    const file = join(install().project, 'identity.mjs');
    writeFileSync(
      file,
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const entries = ${JSON.stringify(ENTRIES.slice(1))};
const out = { import: [], require: [] };
const root = await import('tcpwasm');
const rootCjs = require('tcpwasm');
for (const entry of entries) {
  const esm = await import(entry), cjs = require(entry);
  for (const name of Object.keys(esm)) {
    if (name in root && root[name] !== esm[name]) out.import.push(entry + ' ' + name);
    if (name in rootCjs && rootCjs[name] !== cjs[name]) out.require.push(entry + ' ' + name);
  }
}
console.log(JSON.stringify(out));
`,
    );
    expect(run(file)).to.deep.equal({ import: [], require: [] });
  });

  it('decode, checksum, encode and a Stack echo over MemoryLink give the same results through require()', function () {
    const { project } = install();
    writeFileSync(join(project, 'probe.mjs'), ESM);
    writeFileSync(join(project, 'probe.cjs'), CJS);
    const esm = run(join(project, 'probe.mjs'));
    const cjs = run(join(project, 'probe.cjs'));
    expect(esm['echoed']).to.equal('echo through import');
    expect(cjs['echoed']).to.equal('echo through require');
    expect((esm['packet'] as number[]).length).to.equal(20 + 32 + 5);
    delete esm['echoed'];
    delete cjs['echoed'];
    expect(cjs).to.deep.equal(esm);
  });
});
