// Test plumbing for the stack: a Stack on one end of a MemoryLink whose other end the test drives
// by hand (inject raw packets, read back exactly what the stack sent), and two-stack setups.

import { MemoryLink, type MemoryLinkEnd, type MemoryLinkOptions } from '../../src/link/memory-link.js';
import { VirtualClock } from '../../src/base/clock.js';
import { Stack, type StackOptions } from '../../src/stack/stack.js';
import { decodeIp } from '../../src/wire/decode.js';
import { encodePacket, type PacketInit } from '../../src/wire/encode.js';
import type { DecodedPacket } from '../../src/wire/types.js';

export const SERVER_V4 = '192.0.2.2';
export const CLIENT_V4 = '192.0.2.1';
export const SERVER_V6 = '2001:db8::2';
export const CLIENT_V6 = '2001:db8::1';

export interface WireHarness {
  clock: VirtualClock;
  stack: Stack;
  /** The end the test plays. */
  wire: MemoryLinkEnd;
  /** Packets the stack sent, oldest first; take() empties it. */
  sent: Uint8Array[];
  inject(...packets: Uint8Array[]): void;
  take(): Uint8Array[];
}

export function wireHarness(options: Partial<StackOptions> = {}): WireHarness {
  const clock = new VirtualClock();
  const [wire, device] = MemoryLink.pair({ clock });
  const stack = new Stack({ device, addresses: [`${SERVER_V4}/24`, `${SERVER_V6}/64`], clock, ...options });
  const sent: Uint8Array[] = [];
  wire.onReceive((packets) => sent.push(...packets));
  return {
    clock,
    stack,
    wire,
    sent,
    inject(...packets) {
      for (const p of packets) wire.send(p);
      clock.advance(0);
    },
    take() {
      clock.advance(0);
      return sent.splice(0);
    },
  };
}

export function tcpPacket(init: PacketInit): Uint8Array {
  return encodePacket(init);
}

export function decoded(packet: Uint8Array): DecodedPacket {
  return decodeIp(packet);
}

export interface StackPair {
  clock: VirtualClock;
  client: Stack;
  server: Stack;
  links: [MemoryLinkEnd, MemoryLinkEnd];
}

export function stackPair(link: MemoryLinkOptions = {}, options: Partial<StackOptions> = {}): StackPair {
  const clock = new VirtualClock();
  const [a, b] = MemoryLink.pair({ ...link, clock });
  const client = new Stack({ device: a, addresses: [`${CLIENT_V4}/24`, `${CLIENT_V6}/64`], clock, ...options });
  const server = new Stack({ device: b, addresses: [`${SERVER_V4}/24`, `${SERVER_V6}/64`], clock, ...options });
  return { clock, client, server, links: [a, b] };
}
