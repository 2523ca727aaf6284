// The stack's ICMP / ICMPv6 endpoint: answers echo requests, and sends pings and matches their
// replies (stack.ping()).

import type { Clock } from '../base/clock.js';
import { addressKey } from '../base/interface-address.js';
import {
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  buildEchoPacket,
  icmpChecksumValid,
  icmpType,
  readEcho,
} from '../wire/icmp.js';
import { systemError } from './node-errors.js';
import type { IcmpCounters } from './stats.js';

export interface PingResult {
  /** Round-trip time, ms on the stack's clock. */
  time: number;
  sequence: number;
  bytes: number;
}

export interface PingOptions {
  /** Echo payload (default 56 zero bytes, as ping(8)). */
  data?: Uint8Array;
  /** How long to wait for the reply, ms on the stack's clock (default 1000). */
  timeoutMs?: number;
  sequence?: number;
}

let nextIdentifier = 0;

export class IcmpEndpoint {
  readonly #pending = new Map<string, (at: number) => void>();
  readonly #counters: IcmpCounters;
  readonly #clock: Clock;
  readonly #send: (packet: Uint8Array) => void;
  readonly #other: (version: 4 | 6, message: Uint8Array) => boolean;

  constructor(
    counters: IcmpCounters,
    clock: Clock,
    send: (packet: Uint8Array) => void,
    /** Messages other than echo (ICMP errors), checksum checked; true when taken. */
    other: (version: 4 | 6, message: Uint8Array) => boolean = () => false,
  ) {
    this.#counters = counters;
    this.#clock = clock;
    this.#send = send;
    this.#other = other;
  }

  /** One ICMP(v6) message at packet[offset, offset + length) from srcOffset to dstOffset. */
  input(
    packet: Uint8Array,
    version: 4 | 6,
    offset: number,
    length: number,
    srcOffset: number,
    dstOffset: number,
  ): void {
    const icmp = this.#counters;
    const size = version === 4 ? 4 : 16;
    // Copies, not views: the packet may be a view of WASM memory (a TunDevice batch decoded in
    // place), which the checksum below can grow, detaching every view of it.
    const src = packet.slice(srcOffset, srcOffset + size);
    const dst = packet.slice(dstOffset, dstOffset + size);
    const message = packet.slice(offset, offset + length);
    if (message.length < 4) {
      icmp.malformed++;
      return;
    }
    if (!icmpChecksumValid(version, message, src, dst)) {
      icmp.badChecksum++;
      return;
    }
    const request = version === 4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
    const reply = version === 4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;
    const type = icmpType(message);
    if (type !== request && type !== reply) {
      if (!this.#other(version, message)) icmp.ignored++;
      return;
    }
    const echo = readEcho(message);
    if (echo === null || echo.code !== 0) {
      icmp.malformed++;
      return;
    }
    if (type === request) {
      icmp.echoRequestsIn++;
      icmp.echoRepliesOut++;
      this.#send(
        buildEchoPacket(version, dst, src, {
          type: reply,
          identifier: echo.identifier,
          sequence: echo.sequence,
          data: echo.data,
        }),
      );
      return;
    }
    icmp.echoRepliesIn++;
    const key = pingKey(version, src, echo.identifier, echo.sequence);
    const waiter = this.#pending.get(key);
    if (waiter) {
      this.#pending.delete(key);
      waiter(this.#clock.now());
    }
  }

  /** Sends an echo request from `local` to `remote`; resolves with the reply's round trip. */
  ping(version: 4 | 6, local: Uint8Array, remote: Uint8Array, host: string, options: PingOptions): Promise<PingResult> {
    const identifier = (nextIdentifier = (nextIdentifier + 1) & 0xffff);
    const sequence = options.sequence ?? 1;
    const data = options.data ?? new Uint8Array(56);
    const type = version === 4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
    const packet = buildEchoPacket(version, local, remote, { type, identifier, sequence, data });
    const key = pingKey(version, remote, identifier, sequence);
    const sent = this.#clock.now();
    return new Promise<PingResult>((resolve, reject) => {
      const timer = this.#clock.setTimer(sent + (options.timeoutMs ?? 1000), () => {
        this.#pending.delete(key);
        reject(systemError('ETIMEDOUT', 'ping', host));
      });
      this.#pending.set(key, (at) => {
        timer.cancel();
        resolve({ time: at - sent, sequence, bytes: data.length });
      });
      this.#counters.echoRequestsOut++;
      this.#send(packet);
    });
  }
}

function pingKey(version: 4 | 6, peer: Uint8Array, identifier: number, sequence: number): string {
  return `${version}|${addressKey(peer, 0, version)}|${identifier}|${sequence}`;
}
