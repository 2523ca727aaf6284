// Stack: a userspace TCP/IP endpoint on one Device. It decodes received packets in batches
// through the WebAssembly codec, answers pings, demultiplexes TCP segments to Connections by
// 4-tuple (or to a listener, or answers with RST), turns the engine's output back into packets,
// and drives every connection's timers from one clock timer set at the earliest deadline.

import type { Device } from '../link/device.js';
import { resolveTcpConfig, type TcpConfig } from '../tcp/config.js';
import {
  Connection,
  DEFAULT_PEER_MSS,
  DEFAULT_PEER_MSS_IPV6,
  windowScaleFor,
  type ConnectionEvent,
  type ConnectionInit,
} from '../tcp/connection.js';
import { IsnGenerator } from '../tcp/isn.js';
import { KEY_TS_OFFSET, TupleHash } from '../tcp/keyed-hash.js';
import { resetFor } from '../tcp/reset.js';
import { WindowLimit } from '../tcp/window-limit.js';
import { ACK, RST, SYN, type TcpSegment } from '../wire/segment.js';
import { seqAdd } from '../tcp/seq.js';
import { COOKIE_MAX_AGE, COOKIE_PERIOD, SynCookies, cookieSynAck, synFromCookie } from '../tcp/syn-cookie.js';
import { ChecksumState } from '../wire/constants.js';
import { STATUS_NAMES } from '../wire/layout.js';
import { parseAddress } from '../base/address.js';
import { inPrefix, matchLocal, parseInterfaceAddress, type LocalAddress } from '../base/interface-address.js';
import { RealClock, type Clock, type Timer } from '../base/clock.js';
import { DeadlineHeap } from '../base/deadline-heap.js';
import type { ConnectOptions } from './connect-args.js';
import { ConnectionTable } from './connection-table.js';
import { Endpoint, endpointKey, type EndpointListener } from './endpoint.js';
import { RemoteAddresses } from './remote-addresses.js';
import { ICMP_PROTOCOL, ICMPV6_PROTOCOL } from '../wire/icmp.js';
import { IcmpEndpoint, type PingOptions, type PingResult } from './icmp-endpoint.js';
import { clampPathMtu, readIcmpTcpError } from './icmp-errors.js';
import { dstAddressAt, ipVersionOf, upperLayer } from '../wire/ip.js';
import { Listener } from './listener.js';
import { MartianFilter } from './martian.js';
import { ListenerRegistry } from './listener-registry.js';
import { systemError, type SystemError } from './node-errors.js';
import { Orphans, type OrphanOptions, type ReleaseMode } from './orphans.js';
import { EphemeralPorts } from './ports.js';
import { readFragment } from '../wire/fragment.js';
import { fragmentPacket } from './fragmentation.js';
import { Reassembler, type ReassemblyOptions } from './reassembly.js';
import { MemoryBudget, type MemoryBudgetOptions } from './memory-budget.js';
import { chunkEnd, ReceivedBatch } from '../wire/received-batch.js';
import { FragmentBit } from '../wire/batch.js';
import { encodeSegmentBytes } from '../wire/encode-segment.js';
import { Server, type ServerOptions } from './server.js';
import { TcpSocket } from './socket.js';
import type { HostedSocket, SocketHost } from './socket-host.js';
import { createStackStats, type StackStats } from './stats.js';
import type { SynCookieMode } from './syn-queue.js';

export interface StackOptions extends OrphanOptions {
  device: Device;
  /** Interface addresses with prefix length, e.g. ['192.0.2.2/24', '2001:db8::2/64']. */
  addresses: readonly string[];
  /** Time source; real time by default. Tests pass a VirtualClock. */
  clock?: Clock;
  /** TCP tunables (MSS, buffers, RTO bounds, delayed ACK, TIME-WAIT, keep-alive, congestion control...). */
  tcp?: Partial<TcpConfig>;
  /** Default accept backlog of a listener (default 511, as node:net). */
  backlog?: number;
  /** Most handshakes in progress per listener (default 1024). */
  synBacklog?: number;
  /** Ephemeral port range for connect() (default [49152, 65535]). */
  ephemeralPorts?: readonly [number, number];
  /**
   * Secret key for RFC 6528 ISNs (16 random bytes by default); SYN cookies, timestamp offsets and
   * ephemeral ports use keys derived from it.
   */
  isnSecret?: Uint8Array;
  /**
   * SYN cookies (RFC 4987 §3.6): true (default) when a listener's SYN queue is full, 'always' for
   * every SYN, false never (a full SYN queue then drops its oldest entry for the new SYN).
   */
  synCookies?: SynCookieMode;
  /** IP fragment reassembly limits (4 MiB held at most, 30 s timeout, 64 fragments per datagram). */
  reassembly?: ReassemblyOptions;
  /** Bytes held in TCP send and receive buffers across all connections (like Linux tcp_mem). */
  memory?: MemoryBudgetOptions;
  /** Most connections in the table, TIME-WAIT included (default: no limit, as Linux). */
  maxConnections?: number;
}

const IPV4_TCP_OVERHEAD = 40;
const IPV6_TCP_OVERHEAD = 60;
/** TCP header with the most options (data offset 15). */
const MAX_TCP_HEADER = 60;

export class Stack implements SocketHost {
  readonly device: Device;
  readonly clock: Clock;
  readonly config: TcpConfig;
  readonly addresses: readonly LocalAddress[];
  /** Counters: TCP segments and drops by reason, plus IP and ICMP counters. */
  readonly stats: StackStats = createStackStats();

  readonly #table = new ConnectionTable();
  /** Peer addresses (bytes and text) shared by the table entries that have the same peer. */
  readonly #remotes = new RemoteAddresses();
  readonly #listeners = new ListenerRegistry();
  readonly #deadlines = new DeadlineHeap<Endpoint>();
  readonly #dirty: Endpoint[] = [];
  readonly #ports: EphemeralPorts;
  readonly #isn: IsnGenerator;
  readonly #tsOffsets: TupleHash;
  readonly #cookies: SynCookies;
  readonly #synCookies: SynCookieMode;
  readonly #backlog: number;
  readonly #synBacklog: number;
  readonly #icmp: IcmpEndpoint;
  readonly #orphans: Orphans;
  readonly #martians: MartianFilter;
  readonly #reassembly: Reassembler;
  readonly #memory: MemoryBudget;
  readonly #maxConnections: number;
  /** RFC 5961 §7 system-wide challenge ACK limit shared by all connections (null: off). */
  readonly #challengeAcks: WindowLimit | null;
  #timer: Timer | null = null;
  #timerAt = Infinity;
  /** Packets to our own addresses waiting to be received. */
  #looped: Uint8Array[] = [];
  /** Whether #timer keeps a real-time process alive. */
  #timerRef = false;
  /**
   * Connections with nothing left to deliver (TIME-WAIT, orphans in FIN-WAIT-2): the only ones
   * whose timers do not hold a real-time process.
   */
  #quiet = 0;
  #flushScheduled = false;
  /** Batch decoders by receive() nesting depth (see receive). */
  readonly #batches: ReceivedBatch[] = [];
  #receiveDepth = 0;
  #flushing = false;
  #closed = false;
  /** Ref'd listening servers and open sockets: while any, the clock holds the process (node:net). */
  #holds = 0;
  /** Whether the MSS we announce follows the device MTU (tcp.mss not given). */
  readonly #mssFromMtu: boolean;

  constructor(options: StackOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('Stack needs an options object');
    const { device } = options;
    if (!device || typeof device.send !== 'function' || typeof device.onReceive !== 'function') {
      throw new TypeError('options.device must be a Device (send, onReceive, mtu)');
    }
    if (!Array.isArray(options.addresses) || options.addresses.length === 0) {
      throw new TypeError('options.addresses must list at least one address, e.g. ["192.0.2.2/24"]');
    }
    this.device = device;
    this.clock = options.clock ?? new RealClock();
    this.config = resolveTcpConfig(options.tcp);
    this.#mssFromMtu = options.tcp?.mss === undefined;
    this.addresses = options.addresses.map((a, i) => parseInterfaceAddress(a, i));
    this.#backlog = positiveInteger('backlog', options.backlog, 511);
    this.#synBacklog = positiveInteger('synBacklog', options.synBacklog, 1024);
    this.#orphans = new Orphans(options, this.stats.stack);
    const secret = options.isnSecret ?? globalThis.crypto.getRandomValues(new Uint8Array(16));
    this.#isn = new IsnGenerator(secret);
    this.#ports = new EphemeralPorts(options.ephemeralPorts, secret);
    this.#tsOffsets = new TupleHash(secret, KEY_TS_OFFSET);
    this.#cookies = new SynCookies(secret);
    const cookies = options.synCookies ?? true;
    if (cookies !== true && cookies !== false && cookies !== 'always')
      throw new RangeError(`synCookies must be true, false or 'always', got ${String(cookies)}`);
    this.#synCookies = cookies;
    this.#martians = new MartianFilter(this.addresses);
    const globalChallenges = this.config.challengeAckGlobalLimit;
    this.#challengeAcks = globalChallenges > 0 ? new WindowLimit(globalChallenges, 1000) : null;
    this.#icmp = new IcmpEndpoint(
      this.stats.icmp,
      this.clock,
      (packet) => this.#send(packet),
      (version, message) => this.#icmpError(version, message),
    );
    this.#reassembly = new Reassembler(this.stats.reassembly, this.clock, options.reassembly);
    this.#memory = new MemoryBudget(this.stats.memory, options.memory);
    this.#maxConnections =
      options.maxConnections === undefined ? Infinity : positiveInteger('maxConnections', options.maxConnections, 1);
    device.onReceive((packets) => this.receive(packets));
    // The stack decides what keeps the process alive, not the device's read handle.
    device.setRef?.(false);
  }

  /** SocketHost (not for applications): a ref'd listening server or open socket takes (+1) or gives back (-1) a hold. */
  hold(delta: 1 | -1): void {
    const before = this.#holds;
    this.#holds = Math.max(0, before + delta);
    if (this.#closed) return;
    if (before === 0 && this.#holds > 0) this.clock.hold?.(true);
    else if (before > 0 && this.#holds === 0) this.clock.hold?.(false);
  }

  /** Bytes held in TCP send and receive buffers now, across all connections (see options.memory). */
  get bufferBytes(): number {
    return this.#memory.used;
  }

  /** Bytes held by IP fragment reassembly now (data and bookkeeping), at most reassembly.maxBytes. */
  get reassemblyBytes(): number {
    return this.#reassembly.bytesHeld;
  }

  /** Connections in the table (every state but CLOSED, TIME-WAIT included). */
  get connectionCount(): number {
    return this.#table.size;
  }

  /** Connections the application destroyed that are still closing (Linux's orphans). */
  get orphanCount(): number {
    return this.#orphans.count;
  }

  /** A node:net-style server whose sockets are this stack's TCP connections. */
  createServer(connectionListener?: (socket: TcpSocket) => void): Server;
  createServer(options: ServerOptions, connectionListener?: (socket: TcpSocket) => void): Server;
  createServer(a?: ServerOptions | ((socket: TcpSocket) => void), b?: (socket: TcpSocket) => void): Server {
    const options = typeof a === 'function' || a === undefined ? {} : a;
    const listener = typeof a === 'function' ? a : b;
    return new Server(this, options, listener);
  }

  /** Opens a connection, like net.connect(). Errors arrive as the socket's 'error' event. */
  connect(port: number, host: string, connectListener?: () => void): TcpSocket;
  connect(options: ConnectOptions, connectListener?: () => void): TcpSocket;
  connect(a: number | ConnectOptions, b?: string | (() => void), c?: () => void): TcpSocket {
    const options: ConnectOptions = typeof a === 'number' ? { port: a, host: b as string } : a;
    const listener = typeof a === 'number' ? c : (b as (() => void) | undefined);
    const socket = new TcpSocket(this, { allowHalfOpen: options.allowHalfOpen ?? false });
    if (listener) socket.once('connect', listener);
    if (options.timeout !== undefined) socket.setTimeout(options.timeout);
    this.#openActive(socket, options);
    return socket;
  }

  /**
   * Sends an ICMP / ICMPv6 echo request and resolves with the reply's round-trip time; rejects
   * with ETIMEDOUT when no reply comes within `timeoutMs` (on the stack's clock).
   */
  ping(host: string, options: PingOptions = {}): Promise<PingResult> {
    const remote = parseAddress(host);
    const local = this.#sourceFor(remote.version, remote.bytes);
    if (!local) return Promise.reject(systemError('ENETUNREACH', 'ping', host));
    return this.#icmp.ping(remote.version, local.bytes, remote.bytes, host, options);
  }

  /** Aborts every connection (RST), stops receiving and closes the device. Later connects fail. */
  close(): void {
    if (this.#closed) return;
    const now = this.clock.now();
    for (const ep of [...this.#table.values()]) {
      ep.conn.abort(now);
      this.#markDirty(ep);
    }
    this.#flush();
    this.#closed = true;
    if (this.#holds > 0) this.clock.hold?.(false);
    this.#timer?.cancel();
    this.#timer = null;
    this.#reassembly.close();
    this.device.onReceive(null);
    this.device.close();
  }

  // ---- input -------------------------------------------------------------------------------

  /** Handles one batch of received raw IP packets (the Device calls this). */
  receive(packets: Uint8Array[]): void {
    this.#receive(packets, false);
  }

  /** `looped`: packets the stack sent to its own addresses (their sources are ours, not martian). */
  #receive(packets: Uint8Array[], looped: boolean): void {
    if (this.#closed || packets.length === 0) return;
    // A scratch decoder per nesting level: a synchronous device may deliver into this stack
    // again while a segment of the outer batch is being handled (a reset sent, answered at once).
    const depth = this.#receiveDepth++;
    const batch = (this.#batches[depth] ??= new ReceivedBatch());
    try {
      for (let first = 0; first < packets.length;) {
        const end = chunkEnd(packets, first);
        batch.decode(packets, first, end);
        this.#receiveRows(batch, packets, first, looped);
        first = end;
      }
    } finally {
      batch.release();
      this.#receiveDepth--;
    }
    this.#flush();
  }

  #receiveRows(batch: ReceivedBatch, packets: Uint8Array[], first: number, looped: boolean): void {
    const now = this.clock.now();
    const ip = this.stats.ip;
    const locals = this.addresses;
    const count = batch.count;
    for (let i = 0; i < count; i++) {
      // Re-read per row: handling a row can grow WASM memory, detaching in-place packet views.
      const packet = batch.packet(packets, first, i);
      ip.packetsIn++;
      ip.bytesIn += packet.length;
      const status = batch.status(i);
      if (status !== 0) {
        this.#receiveOther(packet, STATUS_NAMES[status], batch.ipChecksumState(i), batch.fragment(i), looped);
        continue;
      }
      const version = batch.ipVersion(i);
      // The decoder checked the IPv4 header checksum (RFC 1122 §3.2.1.2: discard on failure).
      if (batch.ipChecksumState(i) === ChecksumState.BAD) {
        ip.badHeaderChecksum++;
        continue;
      }
      const localIndex = matchLocal(locals, packet, batch.dstAddressOffset(i), version);
      if (localIndex < 0) {
        if (this.#martians.nonUnicastDestination(packet, batch.dstAddressOffset(i), version))
          this.stats.martians.nonUnicastDestination++;
        else ip.notOurs++;
        continue;
      }
      if (!looped && this.#isMartianSource(packet, batch.srcAddressOffset(i), version)) continue;
      const checksum = batch.checksumState(i);
      if (checksum !== ChecksumState.GOOD) {
        // A first fragment decodes as a TCP segment whose checksum cannot be checked yet.
        if (checksum === ChecksumState.UNVERIFIABLE && batch.fragment(i) !== 0 && this.#fragmentIn(packet, true))
          continue;
        if (checksum === ChecksumState.BAD) this.stats.dropped.badChecksum++;
        else this.stats.dropped.malformed++; // truncated: the IP length claims more than arrived
        continue;
      }
      const seg = batch.segment(i, packet);
      this.#tcpInput(seg, locals[localIndex]!, packet, batch.srcAddressOffset(i), version as 4 | 6, now);
    }
  }

  /** A row that did not decode as TCP; `ipChecksum` and `fragment` are its IP columns. */
  #receiveOther(
    packet: Uint8Array,
    code: string | undefined,
    ipChecksum: number,
    fragment: number,
    looped: boolean,
  ): void {
    const ip = this.stats.ip;
    const headerBad = ipChecksum === ChecksumState.BAD;
    // Fragments first, whatever the decoder made of them: a first fragment too short for its
    // TCP header or options decodes as truncated or malformed.
    if ((fragment & FragmentBit.FRAGMENT) !== 0 && this.#fragmentIn(packet, !headerBad)) return;
    if (code === 'FRAGMENT') {
      ip.malformed++;
      return;
    }
    if (code !== 'NOT_TCP') {
      if (code === 'BAD_DATA_OFFSET' || code === 'BAD_OPTION') this.stats.dropped.malformed++;
      else if (headerBad) ip.badHeaderChecksum++;
      else ip.malformed++;
      return;
    }
    if (headerBad) {
      ip.badHeaderChecksum++;
      return;
    }
    const upper = upperLayer(packet);
    if (upper === null) {
      ip.malformed++;
      return;
    }
    if (matchLocal(this.addresses, packet, upper.dstOffset, upper.version) < 0) {
      ip.notOurs++;
      return;
    }
    if (!looped && this.#isMartianSource(packet, upper.srcOffset, upper.version)) return;
    const icmpProtocol = upper.version === 4 ? ICMP_PROTOCOL : ICMPV6_PROTOCOL;
    if (upper.protocol !== icmpProtocol) {
      ip.unknownProtocol++;
      return;
    }
    this.#icmp.input(packet, upper.version, upper.offset, upper.length, upper.srcOffset, upper.dstOffset);
  }

  /** Counts and reports a source no host sends from (see martian.ts); nothing answers it. */
  #isMartianSource(packet: Uint8Array, srcOffset: number, version: number): boolean {
    const reason = this.#martians.source(packet, srcOffset, version);
    if (reason === null) return false;
    this.stats.martians[reason]++;
    return true;
  }

  /**
   * Hands an IP fragment to reassembly; a datagram it completes goes through receive() like any
   * packet (so it is counted in packetsIn too). False when `packet` is no fragment. `headerOk`:
   * the decoder's verdict on an IPv4 header checksum; a corrupted header must not be taken for a
   * fragment and held.
   */
  #fragmentIn(packet: Uint8Array, headerOk: boolean): boolean {
    const fragment = headerOk ? readFragment(packet) : 'bad';
    if (fragment === 'none') return false;
    this.stats.ip.fragments++;
    if (fragment === 'bad') {
      this.stats.reassembly.malformed++;
      return true;
    }
    if (matchLocal(this.addresses, packet, dstAddressAt(fragment.version), fragment.version) < 0) {
      this.stats.ip.notOurs++;
      return true;
    }
    const whole = this.#reassembly.input(packet, fragment);
    if (whole !== null) this.receive([whole]);
    return true;
  }

  /** An ICMP(v6) error about one of our connections (icmp-errors.ts); false if not one we read. */
  #icmpError(version: 4 | 6, message: Uint8Array): boolean {
    const e = readIcmpTcpError(version, message);
    if (e === null) return false;
    const icmp = this.stats.icmp;
    const localIndex = matchLocal(this.addresses, message, e.srcOffset, version);
    const ep =
      localIndex < 0
        ? undefined
        : this.#table.lookup(this.addresses[localIndex]!, e.srcPort, message, e.dstOffset, e.dstPort);
    const now = this.clock.now();
    let matched = false;
    if (ep !== undefined && e.kind === 'mtu') {
      const before = ep.conn.mssSend;
      const overhead = version === 4 ? IPV4_TCP_OVERHEAD : IPV6_TCP_OVERHEAD;
      matched = ep.conn.pathMtuReduced(e.seq, clampPathMtu(version, e.mtu) - overhead, now);
      if (matched) icmp.tooBigIn++;
      if (ep.conn.mssSend < before) icmp.pathMtuReductions++;
    } else if (ep !== undefined) {
      matched = ep.conn.icmpUnreachable(e.seq, e.code, now);
      if (matched) icmp.unreachableIn++;
    }
    if (!matched) icmp.errorsUnmatched++;
    else this.#markDirty(ep!);
    return true;
  }

  #tcpInput(
    seg: TcpSegment,
    local: LocalAddress,
    packet: Uint8Array,
    srcOffset: number,
    version: 4 | 6,
    now: number,
  ): void {
    const ep = this.#table.lookup(local, seg.dstPort, packet, srcOffset, seg.srcPort);
    let reuseIss: number | undefined;
    if (ep !== undefined) {
      // A new SYN for a 4-tuple in TIME-WAIT that is newer than the old connection (RFC 1122
      // §4.2.2.13, RFC 6191) ends the TIME-WAIT and goes to the listener; otherwise the old
      // connection answers it (challenge ACK) and the peer can only get in after its SYN RTO.
      if (!ep.conn.canReuseForSyn(seg) || this.#listeners.find(local, seg.dstPort) === undefined) {
        ep.conn.handleSegment(seg, now);
        if (ep.orphan) this.#orphans.afterInput(ep, now);
        this.#markDirty(ep);
        return;
      }
      reuseIss = ep.conn.reuseIss;
      ep.conn.abort(now); // TIME-WAIT → CLOSED, nothing sent
      this.#drive(ep); // its 'closed' event frees the table entry for the new connection
    }
    const listener = this.#listeners.find(local, seg.dstPort);
    const remoteAddress = () =>
      version === 4 ? packet.subarray(srcOffset, srcOffset + 4) : packet.subarray(srcOffset, srcOffset + 16);
    // The ACK that returns a SYN cookie opens a connection, which counts it.
    if (
      listener !== undefined &&
      (seg.flags & (SYN | ACK | RST)) === ACK &&
      this.#cookieAck(seg, listener, local, remoteAddress(), version, now)
    )
      return;
    // Segments a connection handles are counted there; these are the ones no connection sees.
    this.stats.segmentsIn++;
    if (listener === undefined) {
      this.stats.dropped.noListener++;
      this.#reset(seg, local, remoteAddress());
      return;
    }
    // RFC 9293 §3.10.7.2, LISTEN: ignore RST; answer ACK with RST; take SYN; drop the rest.
    if (seg.flags & RST) return;
    if (seg.flags & ACK) {
      this.stats.dropped.noConnection++;
      this.#reset(seg, local, remoteAddress());
      return;
    }
    if (!(seg.flags & SYN)) {
      this.stats.dropped.unexpected++;
      return;
    }
    if (listener.acceptFull) {
      this.stats.dropped.listenOverflow++;
      return;
    }
    if (this.#table.size >= this.#maxConnections) {
      this.stats.stack.overConnectionLimit++;
      return;
    }
    const remoteBytes = remoteAddress();
    if (this.#synCookies === 'always' || (!listener.hasRoom && this.#synCookies)) {
      this.#sendCookie(seg, listener, local, remoteBytes, now);
      return;
    }
    if (!listener.hasRoom) {
      // No cookies: the oldest handshake in progress gives way, silently (a spoofed SYN's
      // SYN-ACKs go nowhere; a real peer's SYN retransmission starts over).
      const oldest = listener.synQueue.oldest();
      if (oldest === undefined) {
        this.stats.dropped.listenOverflow++;
        return;
      }
      this.#remove(oldest);
      this.stats.synQueue.evicted++;
    }
    const init = this.#connectionInit(local, seg.dstPort, remoteBytes, seg.srcPort, now);
    if (reuseIss !== undefined) init.iss = reuseIss; // above the TIME-WAIT incarnation's numbers
    const conn = Connection.accept(init, seg, now);
    const peer = this.#remotes.get(remoteBytes, 0, version);
    const created = new Endpoint(
      endpointKey(local.index, seg.dstPort, peer.key, seg.srcPort),
      conn,
      local,
      peer.text,
      peer.bytes,
      listener,
    );
    created.inSynQueue = true;
    listener.synQueue.add(created);
    this.#table.add(created);
    this.stats.stack.passiveOpens++;
    this.#markDirty(created);
  }

  /** Answers a SYN with a cookie SYN-ACK, keeping no state (RFC 4987 §3.6). */
  #sendCookie(syn: TcpSegment, listener: EndpointListener, local: LocalAddress, remote: Uint8Array, now: number): void {
    // No #connectionInit here: a flood of SYNs should not pay for an ISN it never uses.
    const peerMss = syn.mss ?? (local.version === 4 ? DEFAULT_PEER_MSS : DEFAULT_PEER_MSS_IPV6);
    const c = this.config;
    const reply = cookieSynAck({
      syn,
      iss: this.#cookies.encode(local.bytes, syn.dstPort, remote, syn.srcPort, syn.seq, peerMss, now),
      mss: this.#advertisedMss(local.version),
      window: c.receiveBufferSize,
      windowScale: windowScaleFor(c.receiveBufferSize),
      // The connection's own TSval clock (same offset), so its later TSvals follow this one.
      tsNow: c.timestamps ? (Math.floor(now) + this.#tsOffsets.hash(local.bytes, remote, 0, 0)) >>> 0 : undefined,
      sack: c.sack,
      windowScaling: c.windowScaling,
    });
    listener.lastCookieAt = now;
    this.stats.synQueue.cookiesSent++;
    this.stats.segmentsOut++;
    this.#send(encodeSegmentBytes(reply, local.version, local.bytes, remote));
  }

  /**
   * An ACK for a listener: if it returns a valid cookie, opens the connection straight into
   * ESTABLISHED. Checked only while this listener has sent cookies lately (as Linux's
   * tcp_synq_no_recent_overflow); otherwise returns false and the ACK gets the usual RST.
   *
   * One that fails the check is dropped without the RST Linux sends: under a flood the
   * handshake's ACK and first data can be lost in a full device queue while a later segment of
   * the same connection gets through (a duplicate ACK for our retransmitted SYN-ACK, at
   * ISN + 1 + its data), and its sequence number no longer gives the peer's ISN. A RST would kill
   * that connection; silence lets the retransmission of its first data (at ISN + 1) open it. Seen
   * over TUN: 2 of 50 curl requests reset that way. A forged ACK gets nothing either (no
   * backscatter).
   */
  #cookieAck(
    ack: TcpSegment,
    listener: EndpointListener,
    local: LocalAddress,
    remote: Uint8Array,
    version: 4 | 6,
    now: number,
  ): boolean {
    if (this.#synCookies === false || now - listener.lastCookieAt > COOKIE_PERIOD * (COOKIE_MAX_AGE + 1)) return false;
    const options = this.#cookies.decode(local.bytes, ack.dstPort, remote, ack.srcPort, ack, now);
    if (options === 'invalid' || options === 'expired') {
      if (options === 'invalid') this.stats.synQueue.cookiesFailed++;
      else this.stats.synQueue.cookiesExpired++;
      this.stats.segmentsIn++;
      return true;
    }
    // Cookie connections validated earlier in this batch count against the accept backlog until
    // their 'established' event queues them.
    if (listener.acceptQueue.length + listener.cookiePending >= listener.backlog) {
      // Linux drops the ACK (tcp_abort_on_overflow=0): the peer retransmits and may find room.
      this.stats.segmentsIn++;
      this.stats.dropped.listenOverflow++;
      return true;
    }
    const peer = this.#remotes.get(remote, 0, version);
    const remoteBytes = peer.bytes;
    const init = this.#connectionInit(local, ack.dstPort, remoteBytes, ack.srcPort, now);
    init.iss = seqAdd(ack.ack, -1);
    const conn = Connection.fromCookie(init, synFromCookie(ack, options), ack, now);
    const created = new Endpoint(
      endpointKey(local.index, ack.dstPort, peer.key, ack.srcPort),
      conn,
      local,
      peer.text,
      remoteBytes,
      listener,
    );
    created.cookiePending = true;
    listener.cookiePending++;
    this.#table.add(created);
    this.stats.stack.passiveOpens++;
    this.stats.synQueue.cookiesValidated++;
    this.#markDirty(created);
    return true;
  }

  #reset(seg: TcpSegment, local: LocalAddress, remote: Uint8Array): void {
    const reply = resetFor(seg);
    if (reply === null) return;
    this.stats.resetsSent++;
    this.stats.segmentsOut++;
    this.#send(encodeSegmentBytes(reply, local.version, local.bytes, remote));
  }

  /**
   * The MSS we announce: the largest segment the device carries (MTU 65000: 64960 bytes over
   * IPv4), unless tcp.mss asks for less.
   */
  #advertisedMss(version: 4 | 6): number {
    const overhead = version === 4 ? IPV4_TCP_OVERHEAD : IPV6_TCP_OVERHEAD;
    return Math.max(
      64,
      this.#mssFromMtu ? this.device.mtu - overhead : Math.min(this.config.mss, this.device.mtu - overhead),
    );
  }

  #connectionInit(
    local: LocalAddress,
    localPort: number,
    remote: Uint8Array,
    remotePort: number,
    now: number,
  ): ConnectionInit {
    return {
      localPort,
      remotePort,
      iss: this.#isn.next(local.bytes, localPort, remote, remotePort, now),
      // RFC 7323 §5.4: TSval = clock + a keyed hash of the address pair (not of the ports, so
      // TSvals to one peer stay monotonic across connections, which RFC 6191 reuse relies on).
      tsOffset: this.#tsOffsets.hash(local.bytes, remote, 0, 0),
      config: this.config,
      mss: this.#advertisedMss(local.version),
      // RFC 9293 §3.7.1 (MUST-15): the send MSS when the peer's SYN has no MSS option.
      defaultPeerMss: local.version === 4 ? DEFAULT_PEER_MSS : DEFAULT_PEER_MSS_IPV6,
      maxSegmentBurst: this.#segmentBurst(local.version, remote),
      counters: this.stats,
      memory: this.#memory,
      ...(this.#challengeAcks !== null ? { challengeAckGlobal: this.#challengeAcks } : {}),
    };
  }

  /**
   * New data per segment for a connection over a device with segmentation offload: what its
   * largest super-packet holds after the IP header and the most TCP header there can be (the
   * engine rounds it down to whole MSS-sized segments). 0 (one MSS per segment) without offload,
   * and to our own addresses, which never cross the device.
   */
  #segmentBurst(version: 4 | 6, remote: Uint8Array): number {
    const max = this.device.maxOffloadSize;
    if (max === undefined || max <= this.device.mtu) return 0;
    if (matchLocal(this.addresses, remote, 0, version) >= 0) return 0;
    return Math.max(0, max - (version === 4 ? 20 : 40) - MAX_TCP_HEADER);
  }

  // ---- output and timers ---------------------------------------------------------------------

  /**
   * Puts one packet on the device (or loops it back). `segmentSize` > 0: a TCP super-packet the
   * device cuts into wire segments of that many payload bytes; it may exceed the MTU up to the
   * device's maxOffloadSize.
   */
  #send(packet: Uint8Array, segmentSize = 0): void {
    const max = segmentSize > 0 ? (this.device.maxOffloadSize ?? this.device.mtu) : this.device.mtu;
    if (packet.length > max) {
      // Not TCP (segments fit the MSS): an echo reply to a large ping goes out in fragments.
      const fragments = segmentSize === 0 ? fragmentPacket(packet, max) : null;
      if (fragments === null) {
        this.stats.ip.tooBig++;
        return;
      }
      this.stats.ip.fragmentedOut++;
      for (const fragment of fragments) this.#send(fragment);
      return;
    }
    this.stats.ip.packetsOut++;
    this.stats.ip.bytesOut += packet.length;
    // To one of our own addresses: loop back instead of putting it on the link.
    const version = ipVersionOf(packet);
    if (matchLocal(this.addresses, packet, dstAddressAt(version), version) >= 0) {
      this.#loopback(packet);
      return;
    }
    if (segmentSize > 0) this.device.send(packet, segmentSize);
    else this.device.send(packet);
  }

  /** Packets to ourselves arrive as one batch on the next turn of the clock, like a device's. */
  #loopback(packet: Uint8Array): void {
    this.stats.ip.loopback++;
    this.#looped.push(packet);
    if (this.#looped.length > 1) return;
    this.clock.setTimer(this.clock.now(), () => {
      const batch = this.#looped;
      this.#looped = [];
      this.#receive(batch, true);
    });
  }

  /** SocketHost (not for applications): queues `ep` to be polled for segments and events at the next flush. */
  markDirty(ep: Endpoint): void {
    this.#markDirty(ep);
    if (!this.#flushing && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #markDirty(ep: Endpoint): void {
    if (ep.dirty || ep.closed) return;
    ep.dirty = true;
    this.#dirty.push(ep);
  }

  /** Polls every dirty connection: sends its segments, dispatches its events, files its deadline. */
  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      this.#memory.check(
        () => this.#table.values(),
        (ep) => {
          ep.conn.abort(this.clock.now());
          this.#markDirty(ep);
        },
      );
      const dirty = this.#dirty;
      // The list can grow while we go: event handlers write to sockets.
      for (let i = 0; i < dirty.length; i++) {
        const ep = dirty[i]!;
        ep.dirty = false;
        this.#drive(ep);
      }
      dirty.length = 0;
    } finally {
      this.#flushing = false;
    }
    this.#arm();
  }

  #drive(ep: Endpoint): void {
    if (ep.closed) return;
    const conn = ep.conn;
    const now = this.clock.now();
    // Segments first, then one event, then segments again: an event handler can make more
    // (an abort's RST, a write), and a connection that just closed still sends its last RST.
    for (;;) {
      for (let seg = conn.pollTransmit(now); seg !== null; seg = conn.pollTransmit(now)) {
        // More than one MSS of payload only comes from segmentation offload: the device cuts it.
        const mss = conn.mssSend;
        this.#send(
          encodeSegmentBytes(seg, ep.local.version, ep.local.bytes, ep.remoteBytes),
          seg.payload.length > mss ? mss : 0,
        );
      }
      const event = conn.pollEvent();
      if (event === null) break;
      this.#dispatch(ep, event);
    }
    if (ep.closed) return;
    const state = conn.state;
    if (state === 'TIME-WAIT') this.#orphans.settled(ep);
    const quiet = state === 'TIME-WAIT' || (ep.orphan && state === 'FIN-WAIT-2');
    if (quiet !== ep.quiet) {
      ep.quiet = quiet;
      this.#quiet += quiet ? 1 : -1;
    }
    let deadline = conn.nextTimeout;
    if (ep.orphan) deadline = Math.min(deadline, this.#orphans.deadline(ep, state, now));
    // A deadline already past after handleTimeout would spin the timer; step at least 1 ms.
    if (deadline <= now && ep.timedOutAt === now) deadline = now + 1;
    this.#deadlines.set(ep, deadline);
  }

  #dispatch(ep: Endpoint, event: ConnectionEvent): void {
    const owner = ep.owner;
    switch (event.type) {
      case 'established':
        ep.established = true;
        if (ep.listener !== null) this.#toAcceptQueue(ep);
        owner?._onTcpEstablished();
        break;
      case 'readable':
        owner?._onTcpReadable();
        break;
      case 'writable':
        owner?._onTcpWritable();
        break;
      case 'end':
        ep.peerEnded = true;
        owner?._onTcpEnd();
        break;
      case 'error':
        ep.error = event.code;
        owner?._onTcpError(event.code);
        break;
      case 'closed':
        this.#remove(ep);
        owner?._onTcpClosed();
        break;
    }
  }

  #toAcceptQueue(ep: Endpoint): void {
    const listener = ep.listener!;
    // A handshake from the SYN queue had its accept slot reserved when its SYN was taken, and a
    // cookie connection when its ACK was checked; neither is reset here because the other kind
    // took the slot meanwhile (the accept queue stays within twice the backlog).
    const reserved = ep.inSynQueue || ep.cookiePending;
    if (ep.inSynQueue) {
      ep.inSynQueue = false;
      listener.synQueue.delete(ep);
    }
    if (ep.cookiePending) {
      ep.cookiePending = false;
      listener.cookiePending--;
    }
    if (listener.closed || (!reserved && listener.acceptQueue.length >= listener.backlog)) {
      this.stats.dropped.listenOverflow++;
      ep.conn.abort(this.clock.now());
      this.#markDirty(ep);
      return;
    }
    listener.acceptQueue.push(ep);
    listener.onAcceptable();
  }

  #remove(ep: Endpoint): void {
    ep.closed = true;
    this.#orphans.settled(ep);
    if (ep.quiet) {
      ep.quiet = false;
      this.#quiet--;
    }
    this.#table.delete(ep);
    this.#deadlines.remove(ep);
    ep.conn.detachMemory();
    this.stats.stack.closed++;
    const listener = ep.listener;
    if (listener !== null) {
      if (ep.inSynQueue) {
        ep.inSynQueue = false;
        listener.synQueue.delete(ep);
      }
      if (ep.cookiePending) {
        ep.cookiePending = false;
        listener.cookiePending--;
      }
      const at = listener.acceptQueue.indexOf(ep);
      if (at >= 0) listener.acceptQueue.splice(at, 1);
    }
  }

  #arm(): void {
    if (this.#closed) return;
    const next = this.#deadlines.peek()?.deadline ?? Infinity;
    // On real time, a process must not end while a connection still has work to do (unsent or
    // unacknowledged data, a FIN to deliver); but TIME-WAIT alone should not keep it for 2*MSL,
    // just as the kernel's TIME-WAIT does not keep a node:net program alive.
    const ref = this.#table.size > this.#quiet;
    if (next === this.#timerAt && ref === this.#timerRef) return;
    this.#timer?.cancel();
    this.#timerAt = next;
    this.#timerRef = ref;
    this.#timer = next === Infinity ? null : this.clock.setTimer(next, () => this.#onTimer());
    if (!ref) this.#timer?.unref?.();
  }

  #onTimer(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    // Input first: after a stall Node runs expired timers before it reads I/O, and ACKs already
    // waiting in the device would otherwise not stop the retransmission timers about to fire.
    this.device.poll?.();
    if (this.#closed) return;
    const now = this.clock.now();
    for (let ep = this.#deadlines.peek(); ep !== undefined && ep.deadline <= now; ep = this.#deadlines.peek()) {
      this.#deadlines.remove(ep);
      ep.timedOutAt = now;
      if (!(ep.orphan && this.#orphans.expire(ep, now))) ep.conn.handleTimeout(now);
      this.#markDirty(ep);
    }
    this.#flush();
  }

  // ---- sockets and listeners (used by TcpSocket and Server) ----------------------------------

  #sourceFor(version: 4 | 6, remote: Uint8Array): LocalAddress | undefined {
    let fallback: LocalAddress | undefined;
    for (const local of this.addresses) {
      if (local.version !== version) continue;
      if (inPrefix(local, remote)) return local;
      fallback ??= local;
    }
    return fallback;
  }

  /** SocketHost (not for applications): TcpSocket#connect, once the host is an address. */
  openSocket(socket: HostedSocket, options: ConnectOptions): void {
    this.#openActive(socket, options);
  }

  #openActive(socket: HostedSocket, options: ConnectOptions): void {
    const fail = (error: SystemError | Error) => process.nextTick(() => socket.destroy(error));
    const port = options.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new RangeError(`port must be 1..65535, got ${String(port)}`);
    const remote = parseAddress(options.host);
    if (this.#closed) return fail(systemError('ENETUNREACH', 'connect', options.host, port));
    if (this.#table.size >= this.#maxConnections) {
      this.stats.stack.overConnectionLimit++;
      return fail(systemError('EMFILE', 'connect', options.host, port));
    }
    let local: LocalAddress | undefined;
    if (options.localAddress !== undefined) {
      const wanted = parseAddress(options.localAddress);
      local = this.addresses.find(
        (l) => l.version === wanted.version && l.bytes.every((b, i) => b === wanted.bytes[i]),
      );
      if (!local || local.version !== remote.version)
        return fail(systemError('EADDRNOTAVAIL', 'connect', options.localAddress));
    } else {
      local = this.#sourceFor(remote.version, remote.bytes);
      if (!local) return fail(systemError('ENETUNREACH', 'connect', options.host, port));
    }
    const taken = (p: number) => this.#table.has(local, p, remote.bytes, port) || this.#listeners.has(p);
    let localPort: number;
    if (options.localPort !== undefined && options.localPort !== 0) {
      localPort = options.localPort;
      if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535)
        throw new RangeError(`localPort must be 1..65535, got ${String(localPort)}`);
      // bind(2) of a port a listener holds fails (Linux inet_csk_get_port), as does the same 4-tuple.
      if (this.#listeners.conflicts(localPort, local))
        return fail(systemError('EADDRINUSE', 'bind', local.address, localPort));
      if (this.#table.has(local, localPort, remote.bytes, port)) {
        return fail(systemError('EADDRINUSE', 'connect', local.address, localPort));
      }
    } else {
      localPort = this.#ports.allocate(taken, local.bytes, remote.bytes, port);
      if (localPort < 0) return fail(systemError('EADDRNOTAVAIL', 'connect', options.host, port));
    }
    const now = this.clock.now();
    const peer = this.#remotes.get(remote.bytes, 0, remote.version);
    const conn = Connection.connect(this.#connectionInit(local, localPort, peer.bytes, port, now), now);
    const ep = new Endpoint(
      endpointKey(local.index, localPort, peer.key, port),
      conn,
      local,
      peer.text,
      peer.bytes,
      null,
    );
    this.#table.add(ep);
    this.stats.stack.activeOpens++;
    socket.attach(ep, true);
    if (options.noDelay) socket.setNoDelay(true);
    if (options.keepAlive) socket.setKeepAlive(true, options.keepAliveInitialDelay);
    this.markDirty(ep);
  }

  /**
   * SocketHost (not for applications): the socket on `ep` is destroyed: close(2) semantics ('close': the data still goes,
   * then FIN, and the connection lives on as an orphan) or an abort (RST). See orphans.ts.
   */
  release(ep: Endpoint, mode: ReleaseMode, unsent: Uint8Array[]): void {
    this.#orphans.release(ep, mode, unsent, this.clock.now());
    this.markDirty(ep);
  }

  /** SocketHost (not for applications): registers a listener; throws EADDRINUSE (a SystemError) when the port is taken. */
  listen(
    port: number,
    host: string | undefined,
    backlog: number | undefined,
    onAcceptable: () => void,
    ipv6Only = false,
  ): EndpointListener {
    let local: LocalAddress | null = null;
    // '0.0.0.0' takes IPv4 only, '::' (or no host) both families unless ipv6Only, as Linux.
    const family = host === '0.0.0.0' ? 4 : ipv6Only ? 6 : null;
    if (host !== undefined && host !== '0.0.0.0' && host !== '::') {
      const wanted = parseAddress(host);
      local =
        this.addresses.find((l) => l.version === wanted.version && l.bytes.every((b, i) => b === wanted.bytes[i])) ??
        null;
      if (local === null) throw systemError('EADDRNOTAVAIL', 'listen', host, port);
    }
    if (port === 0) {
      port = this.#ports.allocate((p) => this.#listeners.has(p));
      if (port < 0) throw systemError('EADDRINUSE', 'listen', host ?? '::', 0);
    }
    if (this.#listeners.conflicts(port, local, family)) {
      throw systemError('EADDRINUSE', 'listen', host ?? '::', port);
    }
    const listener = new Listener<Endpoint>(
      port,
      local,
      backlog ?? this.#backlog,
      this.#synBacklog,
      onAcceptable,
      local === null ? family : null,
    );
    this.#listeners.add(listener);
    return listener;
  }

  /** SocketHost (not for applications): stops a listener; handshakes not yet accepted are reset. */
  unlisten(listener: EndpointListener): void {
    listener.closed = true;
    this.#listeners.remove(listener);
    const now = this.clock.now();
    // Only the connections still waiting in its queues (Linux inet_csk_listen_stop): one the
    // server accepted, or dropped over maxConnections, finishes its close on its own.
    const waiting = new Set(listener.acceptQueue);
    for (const ep of this.#table.values()) {
      if (ep.listener === listener && ep.owner === null && !ep.orphan && (ep.inSynQueue || waiting.has(ep))) {
        ep.conn.abort(now);
        this.markDirty(ep);
      }
    }
    listener.acceptQueue.length = 0;
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return v;
}
