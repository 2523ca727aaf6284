// tcpwasm/codec and tcpwasm/engine bundle for browsers with esbuild as they are: no `node:`
// module, no `process`/`Buffer`/`require`, nothing that reads files, and the engine without the
// stack, links or services.

import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { assertDistBuilt, bundleLibrary, nodeReferences, type Entry } from './bundle.js';

/** Every bundled input must match one of these (paths relative to the repository). */
const ALLOWED: Record<Entry, RegExp> = {
  codec:
    /^(dist\/(codec|errors)\.js|dist\/base\/[\w-]+\.js|dist\/wire\/[\w-]+\.js|dist\/pcap\/[\w-]+\.js|node_modules\/@assemblyscript\/loader\/index\.js)$/,
  engine: /^(dist\/engine\.js|dist\/base\/[\w-]+\.js|dist\/tcp\/[\w-]+\.js|dist\/wire\/[\w-]+\.js)$/,
};

describe('browser/bundle: esbuild bundles of tcpwasm/codec and tcpwasm/engine', function () {
  this.timeout(60000);
  before(assertDistBuilt);

  for (const entry of ['codec', 'engine'] as const) {
    it(`bundles ${entry} for platform=browser with no Node.js reference`, async () => {
      const bundle = await bundleLibrary(entry);
      expect(nodeReferences(bundle.code), 'Node-only references in the bundle').to.deep.equal([]);
      const imports = Object.values(bundle.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
      expect(imports.filter((path) => path.startsWith('node:'))).to.deep.equal([]);
      // The Node host (fs, zlib, Buffer, env) is swapped for the browser one by package.json.
      expect(bundle.inputs).to.include('dist/wire/host-browser.js');
      expect(bundle.inputs).not.to.include('dist/wire/host.js');
      expect(bundle.inputs).not.to.include('dist/node.js');
      expect(
        bundle.inputs.filter((path) => !ALLOWED[entry].test(path)),
        "inputs outside the entry's layers",
      ).to.deep.equal([]);
    });
  }

  it('the engine bundle carries no codec (the engine needs no WebAssembly)', async () => {
    const { inputs, code } = await bundleLibrary('engine');
    // From wire/ only what loads no WebAssembly: the Node-free host, the flag constants, the
    // segment type and its pure converters.
    expect(inputs.filter((path) => path.startsWith('dist/wire/'))).to.have.members([
      'dist/wire/host-browser.js',
      'dist/wire/constants.js',
      'dist/wire/segment.js',
      'dist/wire/segment-convert.js',
    ]);
    expect(code).not.to.match(/WebAssembly/);
  });

  it('the checks see Node references where they exist: the same entries bundled for Node', async () => {
    // Without the browser field's swap the Node host is bundled, and the checks must say so.
    const bundle = await bundleLibrary('codec', { platform: 'node' });
    expect(bundle.inputs).to.include('dist/wire/host.js');
    expect(nodeReferences(bundle.code)).to.include.members([
      'a node: module name',
      'process',
      'Buffer',
      'getBuiltinModule',
      'readFileSync',
    ]);
  });

  it('reports the minified and gzipped sizes', async function () {
    const sizes: string[] = [];
    for (const entry of ['codec', 'engine'] as const) {
      const { code } = await bundleLibrary(entry, { minify: true });
      const gzipped = gzipSync(code, { level: 9 }).length;
      expect(gzipped).to.be.greaterThan(0).and.below(code.length);
      sizes.push(
        `${entry} ${(code.length / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped`,
      );
    }
    console.log(`      ${sizes.join('; ')}`);
  });
});
