// host.ts for browser bundles (package.json "browser" maps host.js to this file): the same
// exports, answering as a runtime without Node.js does, so no `node:` name, `process` or `Buffer`
// reaches the bundle. The codec then fetches its .wasm (see module.ts) and allocates plainly.

import type * as Host from './host.js';

export const fileBytesSync: typeof Host.fileBytesSync = () => undefined;
export const fileBytes: typeof Host.fileBytes = () => undefined;
export const environment: typeof Host.environment = () => undefined;
export const zlib: typeof Host.zlib = () => undefined;
export const allocUnsafeSlow: typeof Host.allocUnsafeSlow = () => undefined;
