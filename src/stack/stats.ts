// stack.stats: the engine's shared TcpCounters (segments, retransmissions, TCP drops by reason)
// plus what the stack counts below TCP.

import { createTcpCounters, type TcpCounters } from '../tcp/counters.js';
import { createMartianCounters, type MartianCounters } from './martian.js';
import { createSynQueueCounters, type SynQueueCounters } from './syn-queue.js';
import { createMemoryCounters, type MemoryCounters } from './memory-budget.js';
import { createReassemblyCounters, type ReassemblyCounters } from './reassembly.js';

export interface IpCounters {
  /** Packets received; a datagram put back together from fragments counts once more. */
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
  /** IP fragments received (each goes to reassembly; see stats.reassembly). */
  fragments: number;
  /** Datagrams larger than the MTU the stack sent as fragments (large echo replies). */
  fragmentedOut: number;
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
  /** Connections destroyed before TCP finished, left to close on their own (orphans). */
  orphaned: number;
  /** Reset at destroy() because received data was left unread (RFC 2525 §2.17). */
  abortOnClose: number;
  /** Orphans reset because the peer sent new data after the close. */
  abortOnData: number;
  /** Reset at destroy() because maxOrphans were already open. */
  orphanResets: number;
  /** Orphans dropped after finTimeout in FIN-WAIT-2. */
  finTimeouts: number;
  /** SYNs dropped and connect()s refused because the stack held maxConnections. */
  overConnectionLimit: number;
}

export interface StackStats extends TcpCounters {
  ip: IpCounters;
  icmp: IcmpCounters;
  stack: StackCounters;
  /** Packets dropped unanswered for a martian source or destination address (martian.ts). */
  martians: MartianCounters;
  /** SYN cookies sent, validated and failed, and SYN queue evictions (syn-queue.ts). */
  synQueue: SynQueueCounters;
  /** IP fragment reassembly: datagrams completed, timed out, discarded for overlaps or limits. */
  reassembly: ReassemblyCounters;
  /** The TCP buffer memory budget: pressure entered, connections aborted above the limit. */
  memory: MemoryCounters;
}

export function createStackStats(): StackStats {
  return {
    ...createTcpCounters(),
    ip: {
      packetsIn: 0,
      bytesIn: 0,
      packetsOut: 0,
      bytesOut: 0,
      notOurs: 0,
      badHeaderChecksum: 0,
      malformed: 0,
      fragments: 0,
      fragmentedOut: 0,
      unknownProtocol: 0,
      tooBig: 0,
      loopback: 0,
    },
    icmp: {
      echoRequestsIn: 0,
      echoRepliesOut: 0,
      echoRequestsOut: 0,
      echoRepliesIn: 0,
      badChecksum: 0,
      malformed: 0,
      ignored: 0,
      unreachableIn: 0,
      tooBigIn: 0,
      pathMtuReductions: 0,
      errorsUnmatched: 0,
    },
    stack: {
      activeOpens: 0,
      passiveOpens: 0,
      accepted: 0,
      closed: 0,
      orphaned: 0,
      abortOnClose: 0,
      abortOnData: 0,
      orphanResets: 0,
      finTimeouts: 0,
      overConnectionLimit: 0,
    },
    martians: createMartianCounters(),
    synQueue: createSynQueueCounters(),
    reassembly: createReassemblyCounters(),
    memory: createMemoryCounters(),
  };
}
