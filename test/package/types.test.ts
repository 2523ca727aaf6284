// A TypeScript consumer of the installed package compiles with the strictest settings a user
// may have — strict, exactOptionalPropertyTypes, and skipLibCheck off so our .d.ts files are
// checked too — as an ES module (NodeNext) and as CommonJS (node16 resolution, require()).

import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { install, tsc } from './installed.js';

const STRICT = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
  target: 'ES2022',
  types: ['node'],
};

// Touches every entry point and a value or type from each, so each .d.ts tree is loaded.
const USES = `
const bytes = new Uint8Array([0x45, 0, 0, 20]);
const sum: number = internetChecksum(bytes);
const flags: string = formatTcpFlags(TcpFlags.SYN | TcpFlags.ACK);
const link = MemoryLink.pair();
const stack: Stack = new Stack({ device: link[0], addresses: ['198.51.100.2/24'] });
const seq: number = seqAdd(1, 2);
const segment: TcpSegment | undefined = undefined;
const decoded: DecodedPacket | undefined = undefined;
const tun: typeof TunDevice = TunDevice2;
const ns: typeof Netns = Netns;
const serve: typeof startServices = startServices2;
const conn: typeof Connection = Connection;
const s: typeof Stack = Stack2;
void [sum, flags, stack, seq, segment, decoded, tun, ns, serve, conn, s, decodeIp];
`;

const IMPORTS = `
import { MemoryLink, Stack, TunDevice, startServices, type DecodedPacket } from 'tcpwasm';
import { internetChecksum, formatTcpFlags, TcpFlags, decodeIp } from 'tcpwasm/codec';
import { Connection, seqAdd, type TcpSegment } from 'tcpwasm/engine';
import { Stack as Stack2 } from 'tcpwasm/stack';
import { TunDevice as TunDevice2, Netns } from 'tcpwasm/tun';
import { startServices as startServices2 } from 'tcpwasm/serve';
`;

function project(name: string, type: 'module' | 'commonjs', options: Readonly<Record<string, unknown>>): string {
  const dir = join(install().project, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...STRICT, ...options }, include: ['*.ts'] }),
  );
  writeFileSync(join(dir, 'main.ts'), IMPORTS + USES);
  return dir;
}

const CONSUMERS = {
  esm: ['types-esm', 'module', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
  cjs: ['types-cjs', 'commonjs', { module: 'Node16', moduleResolution: 'Node16' }],
  node10: ['types-node10', 'commonjs', { module: 'CommonJS', moduleResolution: 'node10', esModuleInterop: true }],
} as const;

describe('package: types for a strict consumer', function () {
  this.timeout(180_000);
  // The three compilations run at once (each is a separate tsc process).
  let results: Record<keyof typeof CONSUMERS, { output: string; status: number }>;

  before(async function () {
    const keys = Object.keys(CONSUMERS) as Array<keyof typeof CONSUMERS>;
    const runs = await Promise.all(
      keys.map((k) => {
        const [name, type, options] = CONSUMERS[k];
        return tsc(project(name, type, options));
      }),
    );
    results = Object.fromEntries(keys.map((k, i) => [k, runs[i]!])) as typeof results;
  });

  it('an ES module consumer (module NodeNext) compiles against the packed .d.ts', function () {
    expect(results.esm.output).to.equal('');
    expect(results.esm.status).to.equal(0);
  });

  it('a CommonJS consumer (module node16: imports become require()) compiles against the packed .d.ts', function () {
    expect(results.cjs.output).to.equal('');
    expect(results.cjs.status).to.equal(0);
  });

  it('a CommonJS consumer with the old node10 resolution (no "exports"; esModuleInterop as tsc --init sets it) finds the subpaths too', function () {
    expect(results.node10.output).to.equal('');
    expect(results.node10.status).to.equal(0);
  });
});
