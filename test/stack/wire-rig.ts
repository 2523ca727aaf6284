// A stack on one end of a MemoryLink and the test on the other, playing the peer (and routers)
// with crafted packets, on documentation addresses 198.51.100.0/24 / 2001:db8:51::/64 (us) and
// 203.0.113.0/24 / 2001:db8:113::/64 (the peer). Sockets act on event-loop ticks, so every step
// lets the loop run.

import { expect } from 'chai';
import { MemoryLink, Stack, VirtualClock } from '../../src/index.js';
import type { TcpConfig } from '../../src/engine.js';
import { parseAddress } from '../../src/base/address.js';
import { TcpFlags } from '../../src/wire/constants.js';
import { decoded, tcpPacket } from './harness.js';

export const US = { 4: '198.51.100.2', 6: '2001:db8:51::2' } as const;
export const PEER = { 4: '203.0.113.7', 6: '2001:db8:113::7' } as const;
export const ROUTER = { 4: '198.51.100.1', 6: '2001:db8:51::1' } as const;
export const bytes = (a: string) => parseAddress(a).bytes;

export interface Rig {
  clock: VirtualClock;
  stack: Stack;
  sent: Uint8Array[];
  inject(...packets: Uint8Array[]): Promise<void>;
  take(): Promise<Uint8Array[]>;
  /** Lets the event loop and the virtual clock run for `ms` (sockets act on ticks). */
  run(ms: number): Promise<void>;
}

export function rig(tcp: Partial<TcpConfig> = {}): Rig {
  const clock = new VirtualClock();
  const [wire, device] = MemoryLink.pair({ clock, mtu: 1500 });
  const stack = new Stack({
    device,
    clock,
    addresses: [`${US[4]}/24`, `${US[6]}/64`],
    tcp: { timestamps: false, ...tcp },
  });
  const sent: Uint8Array[] = [];
  wire.onReceive((packets) => sent.push(...packets.map((p) => p.slice())));
  return {
    clock,
    stack,
    sent,
    async inject(...packets) {
      for (const p of packets) wire.send(p);
      await settle(clock, 0);
    },
    async take() {
      await settle(clock, 0);
      return sent.splice(0);
    },
    run: (ms) => settle(clock, ms),
  };
}

export async function settle(clock: VirtualClock, ms: number): Promise<void> {
  const until = clock.now() + ms;
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(0);
  }
  while (clock.now() < until) {
    clock.advance(Math.min(100, until - clock.now()));
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** connect() from the stack; returns the socket, its SYN, and a promise of its error code. */
export async function connecting(r: Rig, version: 4 | 6) {
  const socket = r.stack.connect(80, PEER[version]);
  let error: string | null = null;
  let connected = false;
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? 'none';
  });
  socket.on('connect', () => {
    connected = true;
  });
  const [syn] = await r.take();
  expect(decoded(syn!).tcp.flags & 0x3f).to.equal(TcpFlags.SYN); // ECE/CWR when asking for ECN
  return { socket, syn: syn!, error: () => error, connected: () => connected };
}

/** An established connection (the test answers the SYN, with `synAckFlags` added); MSS 1460 both ways. */
export async function established(r: Rig, version: 4 | 6, synAckFlags = 0) {
  const c = await connecting(r, version);
  const d = decoded(c.syn);
  await r.inject(
    tcpPacket({
      ip: { src: PEER[version], dst: US[version] },
      tcp: {
        srcPort: 80,
        dstPort: d.tcp.srcPort,
        seq: 9000,
        ack: (d.tcp.seq + 1) >>> 0,
        flags: TcpFlags.SYN | TcpFlags.ACK | synAckFlags,
        window: 65535,
        options: { mss: 1460 },
      },
    }),
  );
  await r.take(); // the handshake's ACK
  expect(c.connected()).to.equal(true);
  c.socket.setNoDelay(true); // whole writes go out at once, short tail included
  return { ...c, localPort: d.tcp.srcPort, iss: d.tcp.seq };
}

export const payloads = (packets: Uint8Array[]) =>
  packets.map((p) => {
    const d = decoded(p);
    return [d.tcp.seq, d.payload.length];
  });
