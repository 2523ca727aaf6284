// Martian addresses: sources no real host sends from, and destinations a TCP segment must not
// have. A packet from such a source is dropped before anything answers it, so the stack cannot
// be made to reflect SYN-ACKs, RSTs or echo replies at a broadcast or multicast group (a
// reflection/amplification vector on a LAN) or at itself.
//
// RFC 1122 §3.2.1.3: a host MUST silently discard a datagram whose source is a broadcast or
// multicast address, and 127/8 "MUST NOT appear outside a host". RFC 1812 §5.3.7 lists the same
// martians for routers (0/8, 127/8, 224/4 and limited/directed broadcast as sources). RFC 4291
// §2.5.2-2.5.3, §2.7: :: and ::1 are never a source on the wire, ff00::/8 never a source.
// RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast destination SHOULD be silently discarded.
// Linux does the same in ip_route_input_slow (martian source) and tcp_v4_rcv (non-unicast dst).

import { matchLocal, type LocalAddress } from '../base/interface-address.js';
import { readUint32 } from '../wire/bytes.js';

/** Packets dropped for a martian address, by reason (stack.stats.martians). */
export interface MartianCounters {
  /** Source 255.255.255.255 or the broadcast address of one of our IPv4 subnets. */
  broadcastSource: number;
  /** Source in 224.0.0.0/4 or ff00::/8. */
  multicastSource: number;
  /** Source in 0.0.0.0/8 or ::. */
  unspecifiedSource: number;
  /** Source in 127.0.0.0/8 or ::1, arriving from the device (not looped back by the stack). */
  loopbackSource: number;
  /** Source is one of our own addresses, arriving from the device. */
  ownSource: number;
  /** TCP segment to a broadcast or multicast destination. */
  nonUnicastDestination: number;
}

export type MartianReason = keyof MartianCounters;

export function createMartianCounters(): MartianCounters {
  return {
    broadcastSource: 0,
    multicastSource: 0,
    unspecifiedSource: 0,
    loopbackSource: 0,
    ownSource: 0,
    nonUnicastDestination: 0,
  };
}

const LIMITED_BROADCAST = 0xffffffff;

export class MartianFilter {
  /** Directed broadcast addresses of our IPv4 subnets (prefix ≤ 30; /31 has none, RFC 3021). */
  readonly #broadcasts: number[] = [];
  readonly #locals: readonly LocalAddress[];

  constructor(locals: readonly LocalAddress[]) {
    this.#locals = locals;
    for (const local of locals) {
      if (local.version !== 4 || local.prefixLength > 30) continue;
      const hostMask = local.prefixLength === 0 ? LIMITED_BROADCAST : (1 << (32 - local.prefixLength)) - 1;
      const broadcast = (readUint32(local.bytes, 0) | hostMask) >>> 0;
      if (!this.#broadcasts.includes(broadcast)) this.#broadcasts.push(broadcast);
    }
  }

  /**
   * Why the source address at `offset` is martian for a packet that came from the device, or
   * null when it is an ordinary unicast source.
   */
  source(packet: Uint8Array, offset: number, version: number): MartianReason | null {
    if (version === 4) {
      const a = readUint32(packet, offset);
      const top = a >>> 24;
      if (top === 0) return 'unspecifiedSource';
      if (top === 127) return 'loopbackSource';
      if (top >= 224 && top < 240) return 'multicastSource';
      if (a === LIMITED_BROADCAST || this.#broadcasts.includes(a)) return 'broadcastSource';
    } else {
      if (packet[offset] === 0xff) return 'multicastSource';
      let zero = true;
      for (let i = 0; i < 15 && zero; i++) zero = packet[offset + i] === 0;
      if (zero) {
        const last = packet[offset + 15];
        if (last === 0) return 'unspecifiedSource';
        if (last === 1) return 'loopbackSource';
      }
    }
    return matchLocal(this.#locals, packet, offset, version) >= 0 ? 'ownSource' : null;
  }

  /** Whether the destination at `offset` is a broadcast or multicast address (never TCP's). */
  nonUnicastDestination(packet: Uint8Array, offset: number, version: number): boolean {
    if (version === 6) return packet[offset] === 0xff;
    const a = readUint32(packet, offset);
    const top = a >>> 24;
    return (top >= 224 && top < 240) || a === LIMITED_BROADCAST || this.#broadcasts.includes(a);
  }
}
