// init() and loadCodec() take the .wasm from wherever a bundler put it: a URL to fetch, a fetch
// Response, the bytes, or a compiled module (docs/browser.md). Each source must give a working
// codec of the requested build, and a failed fetch must say why and leave init() retryable.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodePacket } from '../../src/codec.js';
import { encodePacketWith } from '../../src/wire/encode.js';
import { loadCodec, type Codec, type WasmSource } from '../../src/wire/module.js';

const BUILD = new URL('../../build/', import.meta.url);
const simdBytes = readFileSync(new URL('tcpwasm.wasm', BUILD));
const scalarBytes = readFileSync(new URL('tcpwasm-nosimd.wasm', BUILD));

const PACKET = {
  ip: { src: '198.51.100.1', dst: '198.51.100.2' },
  tcp: {
    srcPort: 40000,
    dstPort: 80,
    seq: 1,
    flags: 0x18,
    window: 1000,
    options: { timestamp: { value: 5, echo: 6 } },
  },
  payload: new TextEncoder().encode('bytes from a bundler'),
};

/** The codec encodes as the shared one does, and is the build it claims to be. */
function expectWorking(c: Codec, simd: boolean): void {
  expect(c.exports.simdEnabled()).to.equal(simd ? 1 : 0);
  expect(encodePacketWith(c, PACKET)).to.deep.equal(encodePacket(PACKET));
}

describe('wire/module: .wasm sources for init() and loadCodec()', function () {
  let server: Server;
  let origin = '';
  const requested: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      if (req.url === '/simd.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(simdBytes);
      else if (req.url === '/octets.wasm')
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(scalarBytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise((resolve) => server.close(resolve)));

  const cases: Array<[string, () => WasmSource, boolean]> = [
    ['bytes (Uint8Array)', () => new Uint8Array(simdBytes), true],
    [
      'an ArrayBuffer',
      () => scalarBytes.buffer.slice(scalarBytes.byteOffset, scalarBytes.byteOffset + scalarBytes.length),
      false,
    ],
    ['a compiled WebAssembly.Module', () => new WebAssembly.Module(scalarBytes), false],
    ['a Response (streamed)', () => new Response(simdBytes, { headers: { 'content-type': 'application/wasm' } }), true],
    ['a URL string', () => `${origin}/simd.wasm`, true],
    ['a URL object served without application/wasm', () => new URL('/octets.wasm', origin), false],
  ];
  for (const [name, source, simd] of cases) {
    it(`loads from ${name}`, async () => {
      expectWorking(await loadCodec(simd ? 'simd' : 'scalar', source()), simd);
    });
  }

  it('a URL that fails says which URL and why', async () => {
    let error: unknown;
    await loadCodec('simd', `${origin}/missing.wasm`).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing\.wasm: HTTP 404/);
  });

  it('init() uses the source for the build the runtime prefers, and is retryable after a failure', async function () {
    // In a child: init() fills the process-wide codec once. (Asynchronously: this process serves
    // the child's fetches.)
    const moduleJs = fileURLToPath(new URL('../../dist/wire/module.js', import.meta.url));
    const script = `
      import { init, codec } from ${JSON.stringify(moduleJs)};
      const [bad, simd, scalar] = process.argv.slice(1);
      const first = await init({ simd: bad, scalar: bad }).then(() => 'loaded', (e) => String(e));
      await init({ simd, scalar });
      console.log(JSON.stringify({ first, variant: codec().variant, simd: codec().exports.simdEnabled() }));`;
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ first: string; variant: string; simd: number }>((resolve, reject) => {
        const args = [
          '--input-type=module',
          '-e',
          script,
          `${origin}/missing.wasm`,
          `${origin}/simd.wasm`,
          `${origin}/octets.wasm`,
        ];
        execFile(process.execPath, args, { env, encoding: 'utf8', timeout: 30000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${error.message}\n${stderr}`));
          else resolve(JSON.parse(stdout) as { first: string; variant: string; simd: number });
        });
      });
    requested.length = 0;
    const preferred = await run({ ...process.env, TCPWASM_SIMD: undefined });
    expect(preferred.first).to.match(/HTTP 404/);
    expect(preferred).to.deep.include({ variant: 'simd', simd: 1 });
    const scalar = await run({ ...process.env, TCPWASM_SIMD: '0' });
    expect(scalar).to.deep.include({ variant: 'scalar', simd: 0 });
    // Only the chosen build is fetched (after the failing URL each time).
    expect(requested).to.deep.equal(['/missing.wasm', '/simd.wasm', '/missing.wasm', '/octets.wasm']);
  });
});
