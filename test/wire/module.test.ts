// Loading the codec: init() is idempotent, the variant follows the runtime and TCPWASM_SIMD,
// and the public constants match the layout the WebAssembly module exports.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LinkType, OptionBit, decodeIp, encodePacket, init } from '../../src/index.js';
import { codec, loadCodec, loadCodecSync } from '../../src/wire/module.js';

const moduleJs = fileURLToPath(new URL('../../dist/wire/module.js', import.meta.url));

describe('codec module', function () {
  it('init() resolves every time and leaves one shared codec', async function () {
    await Promise.all([init(), init()]);
    const first = codec();
    await init();
    expect(codec()).to.equal(first);
    expect(
      decodeIp(encodePacket({ ip: { src: '192.0.2.1', dst: '192.0.2.2' }, tcp: { srcPort: 1, dstPort: 2 } }))
        .checksumStatus,
    ).to.equal('good');
  });

  it('loads each build asynchronously and synchronously as independent instances', async function () {
    const a = await loadCodec('scalar');
    const b = loadCodecSync('scalar');
    expect(a.exports.memory).to.not.equal(b.exports.memory);
    expect(a.exports.simdEnabled()).to.equal(0);
    expect((await loadCodec('debug')).exports.simdEnabled()).to.equal(1);
  });

  it('picks the SIMD build on this runtime, the scalar one with TCPWASM_SIMD=0', function () {
    const script = `import { codec } from ${JSON.stringify(moduleJs)}; console.log(codec().variant);`;
    const run = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    expect(run({ ...process.env, TCPWASM_SIMD: undefined }).stdout.trim()).to.equal('simd');
    expect(run({ ...process.env, TCPWASM_SIMD: '0' }).stdout.trim()).to.equal('scalar');
  });

  it('public constants agree with the WebAssembly layout', function () {
    const B = codec().layout.OPTION_BIT;
    expect(OptionBit).to.deep.equal({
      MSS: B.MSS,
      WINDOW_SCALE: B.WSCALE,
      SACK_PERMITTED: B.SACK_PERMITTED,
      TIMESTAMP: B.TIMESTAMP,
      SACK: B.SACK,
      OTHER: B.OTHER,
    });
    const exports = codec().exports as unknown as Record<string, WebAssembly.Global>;
    const links: Record<string, string> = {
      NULL: 'LINK_NULL',
      ETHERNET: 'LINK_ETHERNET',
      RAW: 'LINK_RAW',
      LOOP: 'LINK_LOOP',
      LINUX_SLL: 'LINK_LINUX_SLL',
      IPV4: 'LINK_IPV4',
      IPV6: 'LINK_IPV6',
      LINUX_SLL2: 'LINK_LINUX_SLL2',
    };
    for (const [name, global] of Object.entries(links))
      expect(LinkType[name as keyof typeof LinkType], name).to.equal(exports[global]!.value);
  });
});
