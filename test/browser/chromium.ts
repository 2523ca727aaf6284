// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
// on fd 3, replies and events on fd 4, each a JSON message ending in NUL). No npm dependency and
// no browser download: it runs the system's chromium.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The system's Chromium binary (CHROMIUM_PATH first), or undefined. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

export interface DevToolsEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/** A running headless Chromium and a DevTools connection to it. */
export class Chromium {
  readonly #child: ChildProcess;
  readonly #input: Writable;
  readonly #profile: string;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: DevToolsEvent) => void>();
  #nextId = 1;
  #buffered = '';
  #exited: Error | undefined;
  readonly stderr: string[] = [];

  private constructor(child: ChildProcess, profile: string) {
    this.#child = child;
    this.#profile = profile;
    this.#input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (text: string) => this.#receive(text));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      if (this.stderr.length < 200) this.stderr.push(text);
    });
    child.on('exit', (code, signal) => {
      this.#exited = new Error(`chromium exited (${signal ?? code}): ${this.stderr.join('').slice(-2000)}`);
      for (const p of this.#pending.values()) p.reject(this.#exited);
      this.#pending.clear();
    });
  }

  static launch(binary: string): Chromium {
    const profile = mkdtempSync(join(tmpdir(), 'tcpwasm-chromium-'));
    const child = spawn(
      binary,
      [
        '--headless=new',
        '--no-sandbox',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-gpu',
        '--disable-extensions',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--metrics-recording-only',
        '--mute-audio',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    return new Chromium(child, profile);
  }

  #receive(text: string): void {
    this.#buffered += text;
    for (let end = this.#buffered.indexOf('\0'); end >= 0; end = this.#buffered.indexOf('\0')) {
      const message = JSON.parse(this.#buffered.slice(0, end)) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      this.#buffered = this.#buffered.slice(end + 1);
      if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(`DevTools: ${message.error.message}`));
        else pending?.resolve(message.result ?? {});
      } else if (message.method) {
        const event: DevToolsEvent = { method: message.method, params: message.params ?? {} };
        if (message.sessionId !== undefined) event.sessionId = message.sessionId;
        for (const listener of this.#listeners) listener(event);
      }
    }
  }

  /** Sends one DevTools command (to a page when `sessionId` is given) and waits for its reply. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#nextId++;
    const message = sessionId === undefined ? { id, method, params } : { id, method, params, sessionId };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#input.write(`${JSON.stringify(message)}\0`);
    });
  }

  /** Calls `listener` for every DevTools event until the returned function is called. */
  onEvent(listener: (event: DevToolsEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The first event matching `test`, or a rejection after `ms`. */
  waitFor(test: (event: DevToolsEvent) => boolean, ms: number, what: string): Promise<DevToolsEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const off = this.onEvent((event) => {
        if (!test(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }

  /** Opens a new tab and returns its DevTools session id. */
  async newPage(): Promise<string> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return sessionId as string;
  }

  async close(): Promise<void> {
    if (!this.#exited) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#profile, { recursive: true, force: true });
  }
}
