// The interop tests' setup: per test, a fresh network namespace holding a TUN device whose
// kernel side is 198.51.100.1/24 + 2001:db8::1/64, our Stack on the other end (198.51.100.2,
// 2001:db8::2), optionally a PcapTap and a FaultyDevice in between, and kernel-side programs run
// inside the namespace. Everything a test opened is closed and deleted in afterEach, pass or fail.

import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Device } from '../../src/link/device.js';
import { FaultyDevice, type FaultyDeviceOptions } from '../../src/link/faulty-device.js';
import { PcapTap } from '../../src/link/pcap-tap.js';
import { TunDevice } from '../../src/link/tun-device.js';
import { Stack, type StackOptions } from '../../src/stack/stack.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { createNetns, requireInterop, type Netns } from '../helpers/netns.js';

export const KERNEL = { 4: '198.51.100.1', 6: '2001:db8::1' } as const;
export const OURS = { 4: '198.51.100.2', 6: '2001:db8::2' } as const;
export const FAMILIES = [4, 6] as const;
export type Family = 4 | 6;

/** URL host form of our address (IPv6 in brackets). */
export function urlHost(family: Family): string {
  return family === 4 ? OURS[4] : `[${OURS[6]}]`;
}

export const CLIENTS = fileURLToPath(new URL('./clients/', import.meta.url));

export interface PeerOptions {
  mtu?: number;
  /** Put a FaultyDevice between the stack and the TUN device. */
  faults?: FaultyDeviceOptions;
  /** Record what the stack sends and receives with a PcapTap (outermost, so after inbound faults). */
  tap?: boolean;
  /** PcapTap's packet limit (default 100,000). */
  tapMaxPackets?: number;
  tcp?: Partial<TcpConfig>;
  backlog?: number;
  /**
   * The TUN device's txqueuelen. Default 500, the kernel's own, which these tests were written
   * against: TunDevice's deeper default (20,000) keeps a burst that the stack has not read yet,
   * and on a loaded machine (load 12 on 2 cores) that input then waits over a second, the
   * retransmission timers fire first, and late duplicate ACKs after the close get RSTs
   * (concurrency.test.ts: ~80 of 500 connections). Tests of the default pass it explicitly.
   */
  txQueueLength?: number;
  /**
   * Receive offload on the TUN (default false here, unlike TunDevice.open): these tests watch
   * the kernel's segments one by one (their MSS, SACK blocks, which ones a FaultyDevice loses),
   * and with it the kernel would hand us its 64 KB TSO packets whole instead.
   */
  receiveOffload?: boolean;
  /** A device of the test's own put over the TUN (and faults), under the tap. */
  insert?: (inner: Device) => Device;
  /** More Stack options (memory budget, limits, ...). */
  stack?: Partial<StackOptions>;
}

/** A kernel-side program's JSON lines, as they come. */
export class KernelProgram {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  readonly #what: string;
  #waiters: Array<() => void> = [];
  #exitCode: number | null | undefined;

  constructor(child: ChildProcess, what: string) {
    this.#child = child;
    this.#what = what;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ event: 'text', text: line });
      }
      this.#wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.stderr.push(d));
    this.exited = new Promise((resolve) => {
      child.on('close', (code) => {
        this.#exitCode = code;
        this.#wake();
        resolve(code);
      });
      child.on('error', (e) => {
        this.stderr.push(String(e));
        this.#exitCode = null;
        this.#wake();
        resolve(null);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The first line whose event is `event` (and that passes `match`), waiting up to timeoutMs. */
  async waitFor(
    event: string,
    timeoutMs = 60_000,
    match: (line: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => l.event === event && match(l));
      if (found) return found;
      if (this.#exitCode !== undefined) {
        throw new Error(
          `${this.#what} exited (${this.#exitCode}) without a "${event}" line; stdout: ${JSON.stringify(this.lines).slice(-1500)} stderr: ${this.stderr.join('').slice(-1500)}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${this.#what}: no "${event}" line within ${timeoutMs} ms; stdout so far: ${JSON.stringify(this.lines).slice(-1500)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(): void {
    if (this.#exitCode === undefined) this.#child.kill('SIGKILL');
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export interface KernelPeer {
  ns: Netns;
  tun: TunDevice;
  tap: PcapTap | null;
  faulty: FaultyDevice | null;
  stack: Stack;
  /** Runs `node clients/<script> args` inside the namespace. */
  node(script: string, args: ReadonlyArray<string | number>): KernelProgram;
  /** Runs `/usr/bin/python3 clients/<script> args` inside the namespace. */
  python(script: string, args: ReadonlyArray<string | number>): KernelProgram;
  /** Runs any program inside the namespace. */
  program(cmd: string, args: ReadonlyArray<string | number>): KernelProgram;
}

/**
 * Registers the suite's hooks (capability check, per-test cleanup) and returns the function that
 * opens a kernel peer inside a test.
 */
export function interopSuite(
  extraRequirements: Array<[ok: boolean, reason: string]> = [],
): (options?: PeerOptions) => Promise<KernelPeer> {
  const opened: Array<{ ns: Netns; tun?: TunDevice; stack?: Stack; programs: KernelProgram[] }> = [];

  before(function () {
    requireInterop(this, extraRequirements);
  });

  afterEach(async () => {
    for (const o of opened.splice(0)) {
      for (const p of o.programs) p.kill();
      await Promise.all(o.programs.map((p) => p.exited));
      o.stack?.close();
      o.tun?.close();
      o.ns.delete();
    }
  });

  return async (options: PeerOptions = {}): Promise<KernelPeer> => {
    const ns = createNetns();
    const record: (typeof opened)[number] = { ns, programs: [] };
    opened.push(record);
    const tun = await TunDevice.open({
      mtu: options.mtu ?? 1500,
      hostAddresses: [`${KERNEL[4]}/24`, `${KERNEL[6]}/64`],
      netns: ns.name,
      txQueueLength: options.txQueueLength ?? 500,
      receiveOffload: options.receiveOffload ?? false,
    });
    record.tun = tun;
    let device: Device = tun;
    const faulty = options.faults ? new FaultyDevice(device, options.faults) : null;
    if (faulty) device = faulty;
    if (options.insert) device = options.insert(device);
    const tap = options.tap ? new PcapTap(device, { maxPackets: options.tapMaxPackets ?? 100_000 }) : null;
    if (tap) device = tap;
    const stack = new Stack({
      device,
      addresses: [`${OURS[4]}/24`, `${OURS[6]}/64`],
      ...(options.tcp ? { tcp: options.tcp } : {}),
      ...(options.backlog ? { backlog: options.backlog } : {}),
      ...options.stack,
    });
    record.stack = stack;
    const program = (cmd: string, args: ReadonlyArray<string | number>): KernelProgram => {
      const child = ns.exec(cmd, args.map(String), { stdio: ['ignore', 'pipe', 'pipe'] });
      const p = new KernelProgram(child, `${cmd} ${args.join(' ')}`);
      record.programs.push(p);
      return p;
    };
    return {
      ns,
      tun,
      tap,
      faulty,
      stack,
      program,
      node: (script, args) => program(process.execPath, [`${CLIENTS}${script}`, ...args]),
      python: (script, args) => program('/usr/bin/python3', [`${CLIENTS}${script}`, ...args]),
    };
  };
}

/** Waits until `predicate` holds, polling every few ms; throws with `what` after timeoutMs. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The program's final JSON line (event "done"), failing with its stderr if there is none. */
export async function done(p: KernelProgram, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return p.waitFor('done', timeoutMs);
}
