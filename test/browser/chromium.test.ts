// tcpwasm/codec and tcpwasm/engine in headless Chromium: esbuild bundles (no shims) loaded by a
// local page; checksum, encode, decode and batch decode results must equal Node's for the same
// inputs, and two engines must complete a 1 MB transfer each way over an in-page link. Under
// CI=true a missing chromium fails the test; elsewhere it skips.

import { expect } from 'chai';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import * as nodeCodec from '../../src/codec.js';
import * as nodeEngine from '../../src/engine.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { referenceChecksum } from '../helpers/reference.js';
import { assertDistBuilt, bundleLibrary, ROOT } from './bundle.js';
import { Chromium, findChromium } from './chromium.js';
import type { PageRequest } from './page.js';
import { codecWorkload, engineTransfer, plain, type TransferResult } from './workload.js';

/** Captures without gzip (parseCapture needs zlib for those, which browsers lack synchronously). */
const CAPTURES = [
  'gopacket-test_loopback.pcap',
  'zeek-ftp-ipv6.pcap',
  'zeek-tcp-truncated-header.pcap',
  'edge/tcpdump-accecn_handshake.pcap',
  'edge/tcpdump-dns_tcp.pcap',
  'edge/tcpdump-heapoverflow-tcp_print.pcap',
  'edge/tcpdump-print-flags.pcap',
  'edge/tcpdump-tcp-handshake-nano.pcap',
];
const SEED = 0x13b;
const TRANSFER_BYTES = 1 << 20;
const LOSS = 0.01;

interface Served {
  body: Uint8Array | string;
  type: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript',
  html: 'text/html; charset=utf-8',
  wasm: 'application/wasm',
};

function typeOf(path: string): string {
  return TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

function page(codecUrl: string, request: PageRequest): string {
  return `<!doctype html><meta charset="utf-8"><title>tcpwasm</title>
<script type="module">
import * as codec from '${codecUrl}';
import * as engine from '/app/engine.js';
import { run } from '/app/page.js';
window.testResult = run(codec, engine, ${JSON.stringify(request)});
</script>`;
}

/** Files the page may load, by URL path. */
async function site(request: PageRequest): Promise<Map<string, Served>> {
  const files = new Map<string, Served>();
  const codec = (await bundleLibrary('codec', { minify: true })).code;
  files.set('/app/codec.js', { body: codec, type: TYPES.js! });
  files.set('/app/engine.js', { body: (await bundleLibrary('engine', { minify: true })).code, type: TYPES.js! });
  // The page script imports the .wasm files through esbuild's file loader, as an app would.
  const outdir = join(ROOT, '.browser-bundle', 'app');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'test/browser/page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    outdir,
    loader: { '.wasm': 'file' },
    assetNames: '[name]-[hash]',
    logLevel: 'silent',
  });
  for (const f of result.outputFiles) {
    const path = `/app/${relative(outdir, f.path)}`;
    files.set(path, { body: f.contents, type: typeOf(path) });
  }
  files.set('/app/index.html', { body: page('/app/codec.js', request), type: TYPES.html! });
  // The default init() fetches new URL('../../build/tcpwasm.wasm', import.meta.url): serve the
  // codec bundle two levels below the root and the package's build/ directory at the root.
  files.set('/lib/esm/codec.js', { body: codec, type: TYPES.js! });
  files.set('/default.html', {
    body: page('/lib/esm/codec.js', { ...request, load: 'default', transferBytes: 0 }),
    type: TYPES.html!,
  });
  files.set('/app/scalar.html', {
    body: page('/app/codec.js', { ...request, simd: false, transferBytes: 0 }),
    type: TYPES.html!,
  });
  for (const name of ['tcpwasm.wasm', 'tcpwasm-nosimd.wasm']) {
    files.set(`/build/${name}`, { body: readFileSync(join(ROOT, 'build', name)), type: TYPES.wasm! });
  }
  for (const name of CAPTURES)
    files.set(`/corpus/${name}`, { body: readFileSync(join(CORPUS_DIR, name)), type: 'application/octet-stream' });
  return files;
}

function serve(files: Map<string, Served>, requested: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requested.push(path);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageResult {
  leaked: string[];
  codec: unknown;
  transfer: TransferResult | null;
  ms: number;
}

/** Opens `url` in a new tab and returns what the page's run() resolved to. */
async function runPage(browser: Chromium, url: string): Promise<PageResult> {
  const session = await browser.newPage();
  const problems: string[] = [];
  const off = browser.onEvent((event) => {
    if (event.sessionId !== session) return;
    if (event.method === 'Runtime.exceptionThrown') {
      const details = event.params.exceptionDetails as { text?: string; exception?: { description?: string } };
      problems.push(details.exception?.description ?? details.text ?? 'exception');
    } else if (event.method === 'Runtime.consoleAPICalled' && event.params.type === 'error') {
      problems.push(JSON.stringify(event.params.args));
    }
  });
  try {
    await browser.send('Page.enable', {}, session);
    await browser.send('Runtime.enable', {}, session);
    const loaded = browser.waitFor(
      (e) => e.sessionId === session && e.method === 'Page.loadEventFired',
      20000,
      'the page to load',
    );
    await browser.send('Page.navigate', { url }, session);
    await loaded;
    const { result, exceptionDetails } = (await browser.send(
      'Runtime.evaluate',
      {
        expression: 'window.testResult',
        awaitPromise: true,
        returnByValue: true,
      },
      session,
    )) as { result: { value?: unknown }; exceptionDetails?: { exception?: { description?: string } } };
    if (exceptionDetails) throw new Error(`page failed: ${exceptionDetails.exception?.description ?? 'exception'}`);
    if (typeof result.value !== 'string')
      throw new Error(`page produced no result; page errors: ${problems.join('; ') || 'none'}`);
    return JSON.parse(result.value) as PageResult;
  } finally {
    off();
  }
}

describe('browser/chromium: the codec and engine bundles in headless Chromium', function () {
  this.timeout(60000);
  let browser: Chromium | undefined;
  let server: Server | undefined;
  const requested: string[] = [];
  let origin = '';
  const request: PageRequest = {
    load: 'file-loader',
    captures: CAPTURES,
    seed: SEED,
    transferBytes: TRANSFER_BYTES,
    loss: LOSS,
    simd: true,
  };

  before(async function () {
    const binary = findChromium();
    if (!binary) {
      const reason = 'chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)';
      if (process.env.CI === 'true') throw new Error(reason);
      console.log(`      (skipping: ${reason})`);
      this.skip();
    }
    assertDistBuilt();
    server = await serve(await site(request), requested);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = Chromium.launch(binary);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  // The same work in Node, through the sources: what the page must reproduce exactly.
  const captures = () =>
    CAPTURES.map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(CORPUS_DIR, name))) }));

  it("computes checksums, encodings and decodings equal to Node's, and two engines move 1 MB each way", async () => {
    const result = await runPage(browser!, `${origin}/app/index.html`);
    expect(result.leaked, 'Node globals present in the page').to.deep.equal([]);

    const expected = JSON.parse(JSON.stringify(codecWorkload(nodeCodec, captures(), SEED))) as {
      checksums: Array<{ checksum: number }>;
      decoded: Array<Record<string, unknown>>;
      files: Array<{ records: unknown[] }>;
    };
    // The workload is not vacuous: RFC 1071's example sums as the reference does, some of the
    // damaged packets fail to decode, and every capture yields records.
    expect(expected.checksums[2]!.checksum).to.equal(
      referenceChecksum(Uint8Array.of(0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0xf7)),
    );
    expect(expected.decoded.filter((d) => 'error' in d).length).to.be.greaterThan(0);
    expect(expected.decoded.filter((d) => 'tcp' in d).length).to.be.greaterThan(40);
    for (const file of expected.files) expect(file.records.length).to.be.greaterThan(0);
    expect(result.codec).to.deep.equal(expected);

    // The page loaded the SIMD build through the bundler's URL, not the scalar one.
    expect(requested.filter((p) => /^\/app\/tcpwasm-[\w]+\.wasm$/.test(p))).to.have.length(1);
    expect(requested.filter((p) => p.includes('nosimd'))).to.deep.equal([]);

    const transfer = result.transfer!;
    expect(transfer.receivedByServer).to.equal(TRANSFER_BYTES);
    expect(transfer.receivedByClient).to.equal(TRANSFER_BYTES);
    expect(transfer.serverGotClientBytes && transfer.clientGotServerBytes).to.equal(true);
    expect(transfer.states).to.deep.equal(['CLOSED', 'CLOSED']);
    expect(transfer.errors).to.deep.equal([]);
    expect(transfer.dropped, 'the seeded loss dropped segments').to.be.greaterThan(0);
    // Virtual time makes the run deterministic: Node's engine makes the very same run.
    expect(plain(transfer)).to.deep.equal(plain(engineTransfer(nodeEngine, TRANSFER_BYTES, LOSS, SEED)));
  });

  it('finds the .wasm beside the bundle with a plain init() (new URL(…, import.meta.url))', async () => {
    requested.length = 0;
    const result = await runPage(browser!, `${origin}/default.html`);
    expect(requested).to.include('/build/tcpwasm.wasm');
    expect(requested).not.to.include('/build/tcpwasm-nosimd.wasm');
    expect(result.codec).to.deep.equal(JSON.parse(JSON.stringify(codecWorkload(nodeCodec, captures(), SEED))));
  });

  it('loads the scalar build where WebAssembly has no SIMD, with the same results', async () => {
    requested.length = 0;
    const result = await runPage(browser!, `${origin}/app/scalar.html`);
    expect(requested.filter((p) => /^\/app\/tcpwasm-nosimd-[\w]+\.wasm$/.test(p))).to.have.length(1);
    expect(
      requested.filter((p) => /^\/app\/tcpwasm-\w+\.wasm$/.test(p)),
      'the SIMD build',
    ).to.deep.equal([]);
    expect(result.codec).to.deep.equal(JSON.parse(JSON.stringify(codecWorkload(nodeCodec, captures(), SEED))));
  });
});
