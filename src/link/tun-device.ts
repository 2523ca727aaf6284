// TunDevice: a Linux TUN device as a Device for the Stack. The kernel routes IP packets for the
// device's subnet to it; we receive them, and what we send the kernel receives as if from a wire.
//
// Receive path: the native addon polls the fd on Node's event loop and, on each wake-up, reads
// packets until EAGAIN straight into a pinned region of the codec's WebAssembly memory. The
// handler gets one batch of views of that region, which the stack decodes in place. The views
// are valid only during the handler call: the next wake-up reads over them.
// Send path: packets are queued and written in one native call per microtask.
// Offload (default on): the device is opened with IFF_VNET_HDR, so each packet crosses the fd
// behind a virtio_net_hdr. Writes can then hand the kernel a TCP super-packet of up to 64 KB with
// a segment size (GSO): the kernel takes it in one write and one pass of its receive path, as
// it does for its own loopback, instead of one per MTU-sized segment. Receive offload (default:
// as offload) asks the kernel for the same the other way (TUNSETOFFLOAD): its TCP hands us
// super-packets of up to 64 KB and partial checksums, which the addon checks and completes.

import { nodeBuiltin } from '../base/node-builtin.js';
import { parseInterfaceAddress } from '../base/interface-address.js';
import { codec, type MemoryRegion } from '../wire/module.js';
import type { Device, PacketBatchHandler } from './device.js';
import { tunAddon, type TunAddon, type TunHandle } from './tun-addon.js';
import { configureKernelSide } from './tun-config.js';
import { TunError, tunErrorFromOpen } from './tun-error.js';

export interface TunDeviceOptions {
  /** Interface name, 1..15 bytes; a `%d` lets the kernel number it (default 'tcpwasm%d'). */
  name?: string;
  /** Largest IP packet, 68..65535 (default 1500; at least 1280 with IPv6 addresses). */
  mtu?: number;
  /** Kernel-side addresses with prefix, e.g. ['198.51.100.1/24', '2001:db8::1/64']. */
  hostAddresses?: readonly string[];
  /** An existing network namespace (ip netns add): the device is moved there, then configured. */
  netns?: string;
  /**
   * TCP segmentation offload on the send path (default true): the device advertises
   * maxOffloadSize and writes TCP super-packets as GSO packets. false opens the device without
   * IFF_VNET_HDR: every packet must fit the MTU.
   */
  offload?: boolean;
  /**
   * Receive offload (default: the value of offload; needs it): the kernel may hand us a TCP
   * super-packet of up to 64 KB in one read (GSO, as to a virtio NIC with TSO) and TCP
   * checksums left partial, which the addon completes before the stack sees the packet. The
   * stack takes a super-packet as one large segment, as Linux's TCP takes a GRO-coalesced one.
   */
  receiveOffload?: boolean;
  /**
   * Packets the kernel queues on the device for us to read (its txqueuelen), default 20,000.
   * The kernel's default of 500 drops a burst the stack has not read yet: 30,000 connections
   * opened at once lost 159k packets with 500 and none with 20,000 (issue 12).
   */
  txQueueLength?: number;
}

export interface TunCounters {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Wake-ups that delivered packets. */
  batchesIn: number;
  /** Native write calls (one per microtask with packets queued). */
  writeBatches: number;
  /** Packets the kernel did not take (queue full, or refused), and sends after close. */
  writeDrops: number;
  readErrors: number;
  /** Of packetsOut, the TCP super-packets written as GSO packets (offload on). */
  offloadPacketsOut: number;
  /** The MTU-sized wire segments those super-packets stand for. */
  offloadSegmentsOut: number;
  /**
   * Packets read and dropped because their virtio_net_hdr asked for an offload we never enabled
   * (GSO of a type not enabled, or any GSO or partial checksum without receive offload) or did
   * not hold together (checksum offsets outside the packet, gso_size 0, a GSO type that does not
   * match the packet): never handed on as if verified.
   */
  readDrops: number;
  /** Of packetsIn, the TCP super-packets the kernel handed us (receive offload). */
  offloadPacketsIn: number;
  /** The MTU-sized wire segments those super-packets stand for. */
  offloadSegmentsIn: number;
}

const DEFAULT_NAME = 'tcpwasm%d';
const DEFAULT_MTU = 1500;
const IPV6_MIN_MTU = 1280;
/** Packets read per wake-up at most: bounded work per event-loop turn (the poll is level-triggered). */
const MAX_PACKETS_PER_WAKE = 256;
/** Default txqueuelen: enough for a 30k-connection burst (see TunDeviceOptions.txQueueLength). */
const DEFAULT_TX_QUEUE_LENGTH = 20_000;
/** The receive region's size cap; it always holds at least one MTU. */
const REGION_BYTES = 4 << 20;
/** Queued sends beyond which send() writes at once instead of waiting for the microtask. */
const SEND_QUEUE_LIMIT = 4096;
/**
 * Largest TCP super-packet taken with offload, IP header included: the IPv4 total-length field's
 * limit (the kernel's own GSO packets stop there too). IPv6 uses the same bound.
 */
const MAX_OFFLOAD_SIZE = 65535;
/**
 * Read slot with receive offload: the largest packet the kernel hands us then, its GSO limit for
 * a TUN device (GSO_LEGACY_MAX_SIZE, 65536 bytes; tun never raises it to BIG TCP sizes).
 */
const RECEIVE_OFFLOAD_SLOT = 65536;

interface Validated {
  name: string;
  mtu: number;
  addresses: { text: string; version: 4 | 6 }[];
  netns: string | undefined;
  offload: boolean;
  receiveOffload: boolean;
  txQueueLength: number;
}

function invalid(message: string): TunError {
  return new TunError('EINVAL', message);
}

/** Checks the options as the kernel would, so a bad one fails with a clear message up front. */
function validate(options: TunDeviceOptions): Validated {
  if (typeof options !== 'object' || options === null) throw new TypeError('TunDevice.open options must be an object');
  const name = options.name ?? DEFAULT_NAME;
  if (typeof name !== 'string') throw new TypeError(`name must be a string, got ${typeof name}`);
  const bytes = new TextEncoder().encode(name).length;
  // The kernel's dev_valid_name: 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
  if (
    bytes === 0 ||
    bytes > 15 ||
    name === '.' ||
    name === '..' ||
    /[/:\s]/.test(name) ||
    (name.match(/%/g)?.length ?? 0) > 1
  ) {
    throw invalid(`invalid interface name ${JSON.stringify(name)}: 1..15 bytes, no '/', ':' or spaces, at most one %d`);
  }
  if (name.includes('%') && !name.includes('%d'))
    throw invalid(`invalid interface name ${JSON.stringify(name)}: the only pattern is %d`);
  const mtu = options.mtu ?? DEFAULT_MTU;
  if (typeof mtu !== 'number') throw new TypeError(`mtu must be a number, got ${typeof mtu}`);
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalid(`mtu must be an integer 68..65535, got ${mtu}`);
  const hostAddresses = options.hostAddresses ?? [];
  if (!Array.isArray(hostAddresses))
    throw new TypeError('hostAddresses must be an array of strings like "198.51.100.1/24"');
  const addresses = hostAddresses.map((text: unknown, i) => {
    if (typeof text !== 'string') throw new TypeError(`hostAddresses[${i}] must be a string, got ${typeof text}`);
    let parsed;
    try {
      parsed = parseInterfaceAddress(text, i);
    } catch (error) {
      throw new TunError('EINVAL', `hostAddresses[${i}]: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (parsed.version === 6 && mtu < IPV6_MIN_MTU)
      throw invalid(`IPv6 address ${text} needs mtu >= ${IPV6_MIN_MTU}, got ${mtu}`);
    return { text: `${parsed.address}/${parsed.prefixLength}`, version: parsed.version };
  });
  const netns = options.netns;
  if (netns !== undefined) {
    if (typeof netns !== 'string') throw new TypeError(`netns must be a string, got ${typeof netns}`);
    if (netns === '' || netns === '.' || netns === '..' || /[/\s]/.test(netns) || netns.length > 255) {
      throw invalid(`invalid namespace name ${JSON.stringify(netns)}`);
    }
  }
  const offload = options.offload ?? true;
  if (typeof offload !== 'boolean') throw new TypeError(`offload must be a boolean, got ${typeof offload}`);
  const receiveOffload = options.receiveOffload ?? offload;
  if (typeof receiveOffload !== 'boolean')
    throw new TypeError(`receiveOffload must be a boolean, got ${typeof receiveOffload}`);
  if (receiveOffload && !offload) throw invalid('receiveOffload needs offload (the virtio-net header)');
  const txQueueLength = options.txQueueLength ?? DEFAULT_TX_QUEUE_LENGTH;
  if (typeof txQueueLength !== 'number')
    throw new TypeError(`txQueueLength must be a number, got ${typeof txQueueLength}`);
  // The kernel keeps it in an unsigned int; a million full-size packets is already gigabytes.
  if (!Number.isInteger(txQueueLength) || txQueueLength < 1 || txQueueLength > 1_000_000) {
    throw invalid(`txQueueLength must be an integer 1..1000000, got ${txQueueLength}`);
  }
  return { name, mtu, addresses, netns, offload, receiveOffload, txQueueLength };
}

/**
 * A device dropped without close() (and not polling: a polling one stays reachable from the event
 * loop) has its fd closed by the addon's finalizer; its receive region goes back here.
 */
const regionsOfLostDevices = new FinalizationRegistry<MemoryRegion>((region) => codec().freeRegion(region));

export class TunDevice implements Device {
  /** The interface name (with any %d filled in by the kernel). */
  readonly name: string;
  readonly mtu: number;
  /** The namespace the device lives in (undefined: the one this process was in). */
  readonly netns: string | undefined;
  /** The kernel's queue of packets for us to read, in packets (txqueuelen). */
  readonly txQueueLength: number;
  /** With offload: the largest TCP super-packet send() takes with a segment size. */
  readonly maxOffloadSize: number | undefined;
  /** Whether the kernel may hand us TCP super-packets and partial checksums (receiveOffload). */
  readonly receiveOffload: boolean;
  readonly counters: TunCounters = {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    batchesIn: 0,
    writeBatches: 0,
    writeDrops: 0,
    readErrors: 0,
    offloadPacketsOut: 0,
    offloadSegmentsOut: 0,
    readDrops: 0,
    offloadPacketsIn: 0,
    offloadSegmentsIn: 0,
  };

  readonly #addon: TunAddon;
  readonly #handle: TunHandle;
  readonly #region: MemoryRegion;
  readonly #capacity: number;
  /** Room a read needs: the MTU, or the kernel's largest super-packet with receive offload. */
  readonly #slot: number;
  readonly #meta = new Uint32Array(2 * MAX_PACKETS_PER_WAKE);
  #handler: PacketBatchHandler | null = null;
  #polling = false;
  #queue: Uint8Array[] = [];
  /** Segment size of each queued packet (0: a plain packet); with offload only. */
  readonly #segmentSizes: Uint32Array | null;
  /** Whether any queued packet has a segment size (else the native write gets null). */
  #queuedOffload = false;
  #flushScheduled = false;
  #closed = false;
  /** The last read error, as an errno name (for diagnosis; counted in counters.readErrors). */
  #readError: string | undefined;
  /** The last write error, as an errno name (the packet was dropped: counters.writeDrops). */
  #writeError: string | undefined;

  /**
   * Creates the device, configures its kernel side and resolves when it is up. Needs
   * CAP_NET_ADMIN. Rejects with a TunError (EPERM, ENOENT, EBUSY, ENOADDON, EINVAL, ECONFIG) or
   * a TypeError for options of the wrong type.
   */
  static async open(options: TunDeviceOptions = {}): Promise<TunDevice> {
    const settings = validate(options);
    const addon = tunAddon();
    let handle: TunHandle;
    let name: string;
    try {
      [handle, name] = addon.open(settings.name, settings.offload, settings.receiveOffload);
    } catch (error) {
      throw tunErrorFromOpen(error, settings.name);
    }
    try {
      name = await configureKernelSide({
        ...settings,
        name,
        pattern: settings.name.includes('%d') ? settings.name : undefined,
      });
    } catch (error) {
      addon.close(handle); // the kernel deletes the half-configured device
      throw error;
    }
    return new TunDevice(addon, handle, name, settings);
  }

  private constructor(addon: TunAddon, handle: TunHandle, name: string, settings: Validated) {
    const { mtu, offload } = settings;
    this.#addon = addon;
    this.#handle = handle;
    this.name = name;
    this.mtu = mtu;
    this.netns = settings.netns;
    this.txQueueLength = settings.txQueueLength;
    this.maxOffloadSize = offload ? MAX_OFFLOAD_SIZE : undefined;
    this.#segmentSizes = offload ? new Uint32Array(SEND_QUEUE_LIMIT) : null;
    this.receiveOffload = settings.receiveOffload;
    const slot = align16(settings.receiveOffload ? Math.max(mtu, RECEIVE_OFFLOAD_SLOT) : mtu);
    this.#slot = slot;
    this.#capacity = Math.max(slot, Math.min(REGION_BYTES, MAX_PACKETS_PER_WAKE * slot));
    this.#region = codec().allocateRegion(this.#capacity);
    regionsOfLostDevices.register(this, this.#region, this);
  }

  /**
   * True once close() ran. (A device deleted under us — `ip link del` — is not closed, but reads
   * stop with readErrors counted and lastReadError EBADF/EBADFD; close() it.)
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** The errno name of the last read error, if any. */
  get lastReadError(): string | undefined {
    return this.#readError;
  }

  /** The errno name of the last failed write, if any. */
  get lastWriteError(): string | undefined {
    return this.#writeError;
  }

  send(packet: Uint8Array, segmentSize?: number): void {
    if (!(packet instanceof Uint8Array)) throw new TypeError('packet must be a Uint8Array');
    if (this.#closed) {
      this.counters.writeDrops++;
      return;
    }
    const sizes = this.#segmentSizes;
    if (sizes !== null) {
      const size = segmentSize !== undefined && segmentSize > 0 ? segmentSize : 0;
      sizes[this.#queue.length] = size;
      if (size !== 0) this.#queuedOffload = true;
    }
    this.#queue.push(packet);
    if (this.#queue.length >= SEND_QUEUE_LIMIT) {
      this.#flush();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#handler = handler;
    if (this.#closed) return;
    if (handler !== null && !this.#polling) {
      const c = codec();
      this.#addon.start(
        this.#handle,
        c.exports.memory,
        this.#region.offset,
        this.#capacity,
        this.#slot,
        MAX_PACKETS_PER_WAKE,
        this.#meta,
        (count, errno, dropped, offloaded, offloadedSegments) =>
          this.#onBatch(count, errno, dropped, offloaded ?? 0, offloadedSegments ?? 0),
      );
      this.#polling = true;
    } else if (handler === null && this.#polling) {
      // Unread packets wait in the kernel's queue (and overflow there) until a handler returns.
      this.#addon.stop(this.#handle);
      this.#polling = false;
    }
  }

  /**
   * Reads the packets waiting in the kernel's queue now and hands them to the receive handler
   * before returning (Device.poll): the stack calls it before its timers, since after a stall
   * libuv runs expired timers before it reads I/O. Nothing while reading is stopped or closed.
   */
  poll(): void {
    if (this.#closed || !this.#polling) return;
    this.#addon.poll?.(this.#handle);
  }

  /** Whether the device's read handle keeps the process alive (it does until told otherwise). */
  setRef(ref: boolean): void {
    if (!this.#closed) this.#addon.ref(this.#handle, ref);
  }

  /** Stops polling and closes the fd; the kernel then deletes the device. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#polling = false;
    this.#handler = null;
    this.#addon.close(this.#handle);
    regionsOfLostDevices.unregister(this);
    codec().freeRegion(this.#region);
  }

  #onBatch(count: number, errno: number, dropped: number, offloaded: number, offloadedSegments: number): void {
    this.counters.readDrops += dropped;
    this.counters.offloadPacketsIn += offloaded;
    this.counters.offloadSegmentsIn += offloadedSegments;
    if (errno !== 0) {
      this.counters.readErrors++;
      this.#readError = errnoName(errno);
    }
    if (count === 0 || this.#closed) return;
    const c = this.counters;
    c.batchesIn++;
    c.packetsIn += count;
    // Views of the current buffer (viewAt): memory may have grown since the last batch.
    const wasm = codec();
    const meta = this.#meta;
    const packets = new Array<Uint8Array>(count);
    let bytes = 0;
    for (let k = 0; k < count; k++) {
      const length = meta[2 * k + 1]!;
      packets[k] = wasm.viewAt(meta[2 * k]!, length);
      bytes += length;
    }
    c.bytesIn += bytes;
    this.#handler?.(packets);
  }

  #flush(): void {
    const queue = this.#queue;
    const n = queue.length;
    if (n === 0 || this.#closed) return;
    this.#queue = [];
    const sizes = this.#queuedOffload ? this.#segmentSizes : null;
    this.#queuedOffload = false;
    const [written, errno, bytes, offloaded, offloadedSegments] = this.#addon.write(this.#handle, queue, n, sizes);
    const c = this.counters;
    c.writeBatches++;
    c.packetsOut += written;
    c.bytesOut += bytes;
    c.offloadPacketsOut += offloaded;
    c.offloadSegmentsOut += offloadedSegments;
    c.writeDrops += n - written;
    if (errno !== 0) this.#writeError = errnoName(errno);
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

let errnoNames: Map<number, string> | undefined;

/** "EAGAIN" for 11, from Node's own table. */
function errnoName(errno: number): string {
  if (errnoNames === undefined) {
    errnoNames = new Map();
    const table = nodeBuiltin<typeof import('node:os')>('node:os')?.constants.errno ?? {};
    for (const [name, value] of Object.entries(table) as [string, number][])
      if (!errnoNames.has(value)) errnoNames.set(value, name);
    // Linux's "file descriptor in bad state" (a TUN fd whose device was deleted), missing there.
    if (!errnoNames.has(77)) errnoNames.set(77, 'EBADFD');
  }
  return errnoNames.get(errno) ?? `errno ${errno}`;
}
