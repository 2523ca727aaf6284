// stack.stats: the engine's shared TcpCounters (segments, retransmissions, TCP drops by reason)
// plus what the stack counts below TCP.

import { createTcpCounters, type TcpCounters } from '../tcp/counters.js';

export interface IpCounters {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Destination is none of the stack's addresses. */
  notOurs: number;
  /** IPv4 header checksum mismatch. */
  badHeaderChecksum: number;
  /** Malformed IP header or truncated packet. */
  malformed: number;
  /** IP fragments (the stack does not reassemble). */
  fragments: number;
  /** Protocols other than TCP, ICMP and ICMPv6. */
  unknownProtocol: number;
  /** Packets too big for the device MTU, not sent. */
  tooBig: number;
  /** Packets to our own addresses, delivered locally (also in packetsOut and packetsIn). */
  loopback: number;
}

export interface IcmpCounters {
  echoRequestsIn: number;
  echoRepliesOut: number;
  echoRequestsOut: number;
  echoRepliesIn: number;
  badChecksum: number;
  malformed: number;
  /** ICMP messages of other types, ignored. */
  ignored: number;
  /** Destination Unreachable / Time Exceeded about one of our connections (src/stack/icmp-errors.ts). */
  unreachableIn: number;
  /** Fragmentation Needed / Packet Too Big about one of our connections. */
  tooBigIn: number;
  /** ...of which lowered a connection's MSS (path MTU discovery, RFC 1191 / RFC 8201). */
  pathMtuReductions: number;
  /** ICMP errors matching no connection, or quoting a sequence number outside SND.UNA..SND.NXT (RFC 5927): dropped. */
  errorsUnmatched: number;
}

export interface StackCounters {
  /** Connections opened by connect(). */
  activeOpens: number;
  /** Connections created from a listener's SYN. */
  passiveOpens: number;
  /** Connections accepted into a server ('connection' events). */
  accepted: number;
  /** Connections that reached CLOSED and left the table. */
  closed: number;
}

export interface StackStats extends TcpCounters {
  ip: IpCounters;
  icmp: IcmpCounters;
  stack: StackCounters;
}

export function createStackStats(): StackStats {
  return {
    ...createTcpCounters(),
    ip: {
      packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, notOurs: 0, badHeaderChecksum: 0,
      malformed: 0, fragments: 0, unknownProtocol: 0, tooBig: 0, loopback: 0,
    },
    icmp: {
      echoRequestsIn: 0, echoRepliesOut: 0, echoRequestsOut: 0, echoRepliesIn: 0, badChecksum: 0, malformed: 0, ignored: 0,
      unreachableIn: 0, tooBigIn: 0, pathMtuReductions: 0, errorsUnmatched: 0,
    },
    stack: { activeOpens: 0, passiveOpens: 0, accepted: 0, closed: 0 },
  };
}
