// Preloaded (node --import) into each of Node's test-net-*.js files by the compat runner: every
// require('net') / require('node:net') after this point gets createNet(stack) — a node:net-shaped
// module over ONE userspace Stack whose addresses are 127.0.0.1/8 and ::1, so the test's servers
// and clients talk TCP through our engine (packets to the stack's own addresses loop back inside
// it; nothing reaches the host's network). Node's test/common requires net too and gets the same.
// Plain JavaScript over the built dist/ so a child starts in ~0.1 s instead of compiling
// TypeScript per file.
//
// Process lifetime is left to the stack and its sockets: this shim adds no handle of its own, so a
// file ends exactly when node:net's rules (listening servers and open sockets hold the process,
// unref() releases them) as implemented by the stack say it does.

import Module from 'node:module';
import { createNet, Stack } from '../../dist/index.js';

/** A device with no link: every packet to another address is dropped (and counted). */
class NoLink {
  mtu = 65535; // the largest IPv4 packet (Linux lo has 65536)
  dropped = 0;
  send() {
    this.dropped++;
  }
  onReceive() {}
  close() {}
}

const stack = new Stack({ device: new NoLink(), addresses: ['127.0.0.1/8', '::1/128'] });
const net = createNet(stack);
globalThis.__tcpwasmCompatStack = stack; // for debugging a failing file

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'net' || request === 'node:net') return net;
  return load.call(this, request, parent, isMain);
};
