// Stack: a userspace TCP/IP endpoint on one Device. It decodes received packets in batches
// through the WebAssembly codec, answers pings, demultiplexes TCP segments to Connections by
// 4-tuple (or to a listener, or answers with RST), turns the engine's output back into packets,
// and drives every connection's timers from one clock timer set at the earliest deadline.

import type { Device } from '../link/device.js';
import { resolveTcpConfig, type TcpConfig } from '../tcp/config.js';
import { Connection, DEFAULT_PEER_MSS, DEFAULT_PEER_MSS_IPV6, type ConnectionEvent, type ConnectionInit } from '../tcp/connection.js';
import { IsnGenerator } from '../tcp/isn.js';
import { resetFor } from '../tcp/reset.js';
import { ACK, RST, SYN, type TcpSegment } from '../tcp/segment.js';
import { ChecksumState } from '../wire/constants.js';
import { STATUS_NAMES } from '../wire/layout.js';
import { formatAddress, parseAddress } from '../wire/address.js';
import { inPrefix, matchLocal, parseInterfaceAddress, type LocalAddress } from './addresses.js';
import { RealClock, type Clock, type Timer } from './clock.js';
import { DeadlineHeap } from './deadline-heap.js';
import { ConnectionTable, tupleKey } from './connection-table.js';
import { Endpoint } from './endpoint.js';
import { ICMP_PROTOCOL, ICMPV6_PROTOCOL } from './icmp.js';
import { IcmpEndpoint, type PingOptions, type PingResult } from './icmp-endpoint.js';
import { ipv4HeaderValid, upperLayer } from './ip-header.js';
import { Listener } from './listener.js';
import { ListenerRegistry } from './listener-registry.js';
import { systemError, type SystemError } from './node-errors.js';
import { Orphans, type OrphanOptions, type ReleaseMode } from './orphans.js';
import { EphemeralPorts } from './ports.js';
import { chunkEnd, ReceivedBatch } from './received-batch.js';
import { encodeSegmentBytes } from './segment-codec.js';
import { Server, type ServerOptions } from './server.js';
import { TcpSocket } from './socket.js';
import { createStackStats, type StackStats } from './stats.js';

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
  /** Secret key for RFC 6528 ISNs (16 random bytes by default). */
  isnSecret?: Uint8Array;
}

export interface ConnectOptions {
  port: number;
  host: string;
  localPort?: number;
  /** Local address to use (default: one of ours of the same family, preferring the same subnet). */
  localAddress?: string;
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
}


const IPV4_TCP_OVERHEAD = 40;
const IPV6_TCP_OVERHEAD = 60;
/** TCP header with the most options (data offset 15). */
const MAX_TCP_HEADER = 60;

export class Stack {
  readonly device: Device;
  readonly clock: Clock;
  readonly config: TcpConfig;
  readonly addresses: readonly LocalAddress[];
  /** Counters: TCP segments and drops by reason, plus IP and ICMP counters. */
  readonly stats: StackStats = createStackStats();

  readonly #table = new ConnectionTable();
  readonly #listeners = new ListenerRegistry();
  readonly #deadlines = new DeadlineHeap<Endpoint>();
  readonly #dirty: Endpoint[] = [];
  readonly #ports: EphemeralPorts;
  readonly #isn: IsnGenerator;
  readonly #backlog: number;
  readonly #synBacklog: number;
  readonly #icmp: IcmpEndpoint;
  readonly #orphans: Orphans;
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
    this.#ports = new EphemeralPorts(options.ephemeralPorts);
    this.#isn = new IsnGenerator(options.isnSecret);
    this.#orphans = new Orphans(options, this.stats.stack);
    this.#icmp = new IcmpEndpoint(this.stats.icmp, this.clock, (packet) => this.#send(packet));
    device.onReceive((packets) => this.receive(packets));
    // The stack decides what keeps the process alive, not the device's read handle.
    device.setRef?.(false);
  }

  /** @internal A ref'd listening server or open socket takes (+1) or gives back (-1) a hold. */
  hold(delta: 1 | -1): void {
    const before = this.#holds;
    this.#holds = Math.max(0, before + delta);
    if (this.#closed) return;
    if (before === 0 && this.#holds > 0) this.clock.hold?.(true);
    else if (before > 0 && this.#holds === 0) this.clock.hold?.(false);
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
    this.device.onReceive(null);
    this.device.close();
  }

  // ---- input -------------------------------------------------------------------------------

  /** Handles one batch of received raw IP packets (the Device calls this). */
  receive(packets: Uint8Array[]): void {
    if (this.#closed || packets.length === 0) return;
    // A scratch decoder per nesting level: a synchronous device may deliver into this stack
    // again while a segment of the outer batch is being handled (a reset sent, answered at once).
    const depth = this.#receiveDepth++;
    const batch = (this.#batches[depth] ??= new ReceivedBatch());
    try {
      for (let first = 0; first < packets.length;) {
        const end = chunkEnd(packets, first);
        batch.decode(packets, first, end);
        this.#receiveRows(batch, packets, first);
        first = end;
      }
    } finally {
      this.#receiveDepth--;
    }
    this.#flush();
  }

  #receiveRows(batch: ReceivedBatch, packets: Uint8Array[], first: number): void {
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
        this.#receiveOther(packet, STATUS_NAMES[status]);
        continue;
      }
      const version = batch.ipVersion(i);
      if (version === 4 && !ipv4HeaderValid(packet)) {
        ip.badHeaderChecksum++;
        continue;
      }
      const localIndex = matchLocal(locals, packet, batch.dstAddressOffset(i), version);
      if (localIndex < 0) {
        ip.notOurs++;
        continue;
      }
      const checksum = batch.checksumState(i);
      if (checksum !== ChecksumState.GOOD) {
        if (checksum === ChecksumState.BAD) this.stats.dropped.badChecksum++;
        else this.stats.dropped.malformed++; // truncated: the IP length claims more than arrived
        continue;
      }
      const seg = batch.segment(i, packet);
      this.#tcpInput(seg, locals[localIndex]!, packet, batch.srcAddressOffset(i), version as 4 | 6, now);
    }
  }

  #receiveOther(packet: Uint8Array, code: string | undefined): void {
    const ip = this.stats.ip;
    if (code === 'FRAGMENT') {
      ip.fragments++;
      return;
    }
    if (code !== 'NOT_TCP') {
      if (code === 'BAD_DATA_OFFSET' || code === 'BAD_OPTION') this.stats.dropped.malformed++;
      else if (packet.length >= 20 && packet[0]! >> 4 === 4 && !ipv4HeaderValid(packet)) ip.badHeaderChecksum++;
      else ip.malformed++;
      return;
    }
    const upper = upperLayer(packet);
    if (upper === null) {
      if (packet.length >= 20 && packet[0]! >> 4 === 4 && !ipv4HeaderValid(packet)) ip.badHeaderChecksum++;
      else if (packet[0]! >> 4 === 4 && (((packet[6]! << 8) | packet[7]!) & 0x3fff) !== 0) ip.fragments++;
      else ip.malformed++;
      return;
    }
    if (matchLocal(this.addresses, packet, upper.dstOffset, upper.version) < 0) {
      ip.notOurs++;
      return;
    }
    const icmpProtocol = upper.version === 4 ? ICMP_PROTOCOL : ICMPV6_PROTOCOL;
    if (upper.protocol !== icmpProtocol) {
      ip.unknownProtocol++;
      return;
    }
    this.#icmp.input(packet, upper.version, upper.offset, upper.length, upper.srcOffset, upper.dstOffset);
  }

  #tcpInput(seg: TcpSegment, local: LocalAddress, packet: Uint8Array, srcOffset: number, version: 4 | 6, now: number): void {
    const ep = this.#table.lookup(local, seg.dstPort, packet, srcOffset, seg.srcPort);
    if (ep !== undefined) {
      // A new SYN for a 4-tuple in TIME-WAIT that is newer than the old connection (RFC 1122
      // §4.2.2.13, RFC 6191) ends the TIME-WAIT and goes to the listener; otherwise the old
      // connection answers it (challenge ACK) and the peer can only get in after its SYN RTO.
      if (!ep.conn.canReuseForSyn(seg) || this.#listeners.find(local.index, seg.dstPort) === undefined) {
        ep.conn.handleSegment(seg, now);
        if (ep.orphan) this.#orphans.afterInput(ep, now);
        this.#markDirty(ep);
        return;
      }
      ep.conn.abort(now); // TIME-WAIT → CLOSED, nothing sent
      this.#drive(ep); // its 'closed' event frees the table entry for the new connection
    }
    // Segments a connection handles are counted there; these are the ones no connection sees.
    this.stats.segmentsIn++;
    const listener = this.#listeners.find(local.index, seg.dstPort);
    const remoteAddress = () => (version === 4 ? packet.subarray(srcOffset, srcOffset + 4) : packet.subarray(srcOffset, srcOffset + 16));
    if (listener === undefined) {
      this.stats.dropped.noListener++;
      this.#reset(seg, local, remoteAddress());
      return;
    }
    // RFC 9293 §3.10.7.2, LISTEN: ignore RST; answer ACK with RST; take SYN; drop the rest.
    if (seg.flags & RST) return;
    if (seg.flags & ACK) {
      this.#reset(seg, local, remoteAddress());
      return;
    }
    if (!(seg.flags & SYN)) {
      this.stats.dropped.unexpected++;
      return;
    }
    if (!listener.hasRoom) {
      this.stats.dropped.listenOverflow++;
      return;
    }
    const remoteBytes = remoteAddress();
    const init = this.#connectionInit(local, seg.dstPort, remoteBytes, seg.srcPort, now);
    const conn = Connection.accept(init, seg, now);
    const created = new Endpoint(tupleKey(local, seg.dstPort, remoteBytes, seg.srcPort), conn, local, seg.dstPort, formatAddress(remoteBytes, 0, version), remoteBytes.slice(), seg.srcPort, listener);
    created.inSynQueue = true;
    listener.synCount++;
    this.#table.add(created);
    this.stats.stack.passiveOpens++;
    this.#markDirty(created);
  }

  #reset(seg: TcpSegment, local: LocalAddress, remote: Uint8Array): void {
    const reply = resetFor(seg);
    if (reply === null) return;
    this.stats.resetsSent++;
    this.stats.segmentsOut++;
    this.#send(encodeSegmentBytes(reply, local.version, local.bytes, remote));
  }

  #connectionInit(local: LocalAddress, localPort: number, remote: Uint8Array, remotePort: number, now: number): ConnectionInit {
    const overhead = local.version === 4 ? IPV4_TCP_OVERHEAD : IPV6_TCP_OVERHEAD;
    return {
      localPort,
      remotePort,
      iss: this.#isn.next(local.bytes, localPort, remote, remotePort, now),
      config: this.config,
      // The largest segment the device carries (MTU 65000: 64960 bytes over IPv4), unless
      // tcp.mss asks for less.
      mss: Math.max(64, this.#mssFromMtu ? this.device.mtu - overhead : Math.min(this.config.mss, this.device.mtu - overhead)),
      // RFC 9293 §3.7.1 (MUST-15): the send MSS when the peer's SYN has no MSS option.
      defaultPeerMss: local.version === 4 ? DEFAULT_PEER_MSS : DEFAULT_PEER_MSS_IPV6,
      maxSegmentBurst: this.#segmentBurst(local.version, remote),
      counters: this.stats,
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
    const max = segmentSize > 0 ? this.device.maxOffloadSize ?? this.device.mtu : this.device.mtu;
    if (packet.length > max) {
      this.stats.ip.tooBig++;
      return;
    }
    this.stats.ip.packetsOut++;
    this.stats.ip.bytesOut += packet.length;
    // To one of our own addresses: loop back instead of putting it on the link.
    const version = packet[0]! >> 4;
    if (matchLocal(this.addresses, packet, version === 4 ? 16 : 24, version) >= 0) {
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
      this.receive(batch);
    });
  }

  /** @internal Queues `ep` to be polled for segments and events at the next flush. */
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
        this.#send(encodeSegmentBytes(seg, ep.local.version, ep.local.bytes, ep.remoteBytes), seg.payload.length > mss ? mss : 0);
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
    if (ep.inSynQueue) {
      ep.inSynQueue = false;
      listener.synCount--;
    }
    if (listener.closed || listener.acceptQueue.length >= listener.backlog) {
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
    this.stats.stack.closed++;
    const listener = ep.listener;
    if (listener !== null) {
      if (ep.inSynQueue) {
        ep.inSynQueue = false;
        listener.synCount--;
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

  #openActive(socket: TcpSocket, options: ConnectOptions): void {
    const fail = (error: SystemError | Error) => process.nextTick(() => socket.destroy(error));
    const port = options.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port must be 1..65535, got ${String(port)}`);
    const remote = parseAddress(options.host);
    if (this.#closed) return fail(systemError('ENETUNREACH', 'connect', options.host, port));
    let local: LocalAddress | undefined;
    if (options.localAddress !== undefined) {
      const wanted = parseAddress(options.localAddress);
      local = this.addresses.find((l) => l.version === wanted.version && l.bytes.every((b, i) => b === wanted.bytes[i]));
      if (!local || local.version !== remote.version) return fail(systemError('EADDRNOTAVAIL', 'connect', options.localAddress));
    } else {
      local = this.#sourceFor(remote.version, remote.bytes);
      if (!local) return fail(systemError('ENETUNREACH', 'connect', options.host, port));
    }
    const taken = (p: number) => this.#table.has(local, p, remote.bytes, port) || this.#listeners.has(p);
    let localPort: number;
    if (options.localPort !== undefined && options.localPort !== 0) {
      localPort = options.localPort;
      if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535) throw new RangeError(`localPort must be 1..65535, got ${String(localPort)}`);
      if (this.#table.has(local, localPort, remote.bytes, port)) {
        return fail(systemError('EADDRINUSE', 'connect', local.address, localPort));
      }
    } else {
      localPort = this.#ports.allocate(taken);
      if (localPort < 0) return fail(systemError('EADDRNOTAVAIL', 'connect', options.host, port));
    }
    const now = this.clock.now();
    const conn = Connection.connect(this.#connectionInit(local, localPort, remote.bytes, port, now), now);
    const ep = new Endpoint(tupleKey(local, localPort, remote.bytes, port), conn, local, localPort, formatAddress(remote.bytes, 0, remote.version), remote.bytes, port, null);
    this.#table.add(ep);
    this.stats.stack.activeOpens++;
    socket.attach(ep, true);
    if (options.noDelay) socket.setNoDelay(true);
    if (options.keepAlive) socket.setKeepAlive(true, options.keepAliveInitialDelay);
    this.markDirty(ep);
  }

  /**
   * @internal The socket on `ep` is destroyed: close(2) semantics ('close': the data still goes,
   * then FIN, and the connection lives on as an orphan) or an abort (RST). See orphans.ts.
   */
  release(ep: Endpoint, mode: ReleaseMode, unsent: Uint8Array[]): void {
    this.#orphans.release(ep, mode, unsent, this.clock.now());
    this.markDirty(ep);
  }

  /** @internal Registers a listener; throws EADDRINUSE (a SystemError) when the port is taken. */
  listen(port: number, host: string | undefined, backlog: number | undefined, onAcceptable: () => void): Listener {
    let local: LocalAddress | null = null;
    if (host !== undefined && host !== '0.0.0.0' && host !== '::') {
      const wanted = parseAddress(host);
      local = this.addresses.find((l) => l.version === wanted.version && l.bytes.every((b, i) => b === wanted.bytes[i])) ?? null;
      if (local === null) throw systemError('EADDRNOTAVAIL', 'listen', host, port);
    }
    if (port === 0) {
      port = this.#ports.allocate((p) => this.#listeners.has(p));
      if (port < 0) throw systemError('EADDRINUSE', 'listen', host ?? '::', 0);
    }
    if (this.#listeners.conflicts(port, local)) {
      throw systemError('EADDRINUSE', 'listen', host ?? '::', port);
    }
    const listener = new Listener(port, local, backlog ?? this.#backlog, this.#synBacklog, onAcceptable);
    this.#listeners.add(listener);
    return listener;
  }

  /** @internal Stops a listener; handshakes not yet accepted are reset. */
  unlisten(listener: Listener): void {
    listener.closed = true;
    this.#listeners.remove(listener);
    const now = this.clock.now();
    for (const ep of this.#table.values()) {
      if (ep.listener === listener && ep.owner === null && !ep.orphan) {
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
