// Where a transfer's CPU time goes, by layer of tcpwasm: runs some work under the inspector's
// sampling profiler and sorts every sample's self time into the layer its function belongs to
// (by source file). Shared by the MemoryLink goodput bench (bench/stack.bench.ts) and the TUN
// bench (bench/tun.bench.ts).

import { Session } from 'node:inspector';

export type Layer =
  /** The WASM module, src/wire (packet building included), received-batch included. */
  | 'codec'
  /** src/tcp: the sans-IO engine. */
  | 'engine'
  /** src/stack: demux, connection table, timers, sockets. */
  | 'stack'
  /** src/link in JavaScript: MemoryLink, TunDevice's JS side. */
  | 'link'
  /** Native code called from JavaScript that `nativeCallers` names (a native addon's functions). */
  | 'native'
  /** Node's streams, events and microtask queue. */
  | 'streams'
  | 'gc'
  /**
   * V8's "(program)": native code with no JavaScript on the stack — libuv, the event loop, and
   * work an addon does in a libuv callback before it calls into JavaScript.
   */
  | 'program'
  /** The event loop waiting. */
  | 'idle'
  | 'other';

export interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
  children?: number[];
}

export type LayerHits = Record<Layer, number>;

export function emptyLayerHits(): LayerHits {
  return { codec: 0, engine: 0, stack: 0, link: 0, native: 0, streams: 0, gc: 0, program: 0, idle: 0, other: 0 };
}

/**
 * The layer of one profile node. V8 reports time in a native function called from JavaScript
 * (an N-API addon's, say) as a node with no script URL and often no name, so an addon's
 * functions are told apart by who calls them: `nativeCallers` matches the URLs of the scripts
 * that call into the addon (for the TUN driver, src/link/tun-device).
 */
export function layerOf(node: ProfileNode, parent: ProfileNode | undefined, nativeCallers?: RegExp): Layer {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program';
  if (url === '' && nativeCallers !== undefined && parent !== undefined && nativeCallers.test(parent.callFrame.url))
    return 'native';
  // Building packets (wire/encode-segment: headers written in JS, payload summed in WASM) is
  // under src/wire, as is received-batch (staging and reading decoded batches).
  if (url.startsWith('wasm://') || /\/(src|dist)\/wire\//.test(url)) return 'codec';
  if (/\/(src|dist)\/tcp\//.test(url)) return 'engine';
  if (/\/(src|dist)\/stack\//.test(url)) return 'stack';
  if (/\/(src|dist)\/link\//.test(url)) return 'link';
  if (
    url.startsWith('node:internal/streams') ||
    url === 'node:events' ||
    url.startsWith('node:internal/process/task_queues')
  )
    return 'streams';
  return 'other';
}

export interface LayerProfile<T> {
  result: T;
  /** Samples per layer (each sample is `intervalUs` of CPU or idle time). */
  hits: LayerHits;
  /** The busiest functions by self samples: "name (file:line)" → samples. */
  top: Array<{ fn: string; layer: Layer; hits: number }>;
}

/** Runs `work` under the sampling profiler (one sample per `intervalUs`) and counts samples per layer. */
export async function profileLayers<T>(
  work: () => Promise<T>,
  options: { intervalUs?: number; nativeCallers?: RegExp } = {},
): Promise<LayerProfile<T>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => {
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });
  try {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: options.intervalUs ?? 100 });
    await post('Profiler.start');
    let nodes: ProfileNode[] = [];
    let result: T;
    try {
      result = await work();
    } finally {
      // Stopped either way, so a failed transfer does not leave the profiler sampling.
      nodes = ((await post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } }).profile.nodes;
    }
    const hits = emptyLayerHits();
    const byFn = new Map<string, { fn: string; layer: Layer; hits: number }>();
    const parentOf = new Map<number, ProfileNode>();
    for (const n of nodes) for (const c of n.children ?? []) parentOf.set(c, n);
    for (const node of nodes) {
      const h = node.hitCount ?? 0;
      if (h === 0 || node.callFrame.functionName === '(root)') continue;
      const parent = parentOf.get(node.id);
      const layer = layerOf(node, parent, options.nativeCallers);
      hits[layer] += h;
      const { functionName, url } = node.callFrame;
      // Native functions are named by their caller: "(native) ← #flush (dist/link/tun-device.js)".
      const where = (n: ProfileNode) =>
        `${n.callFrame.functionName || '(anonymous)'}${n.callFrame.url ? ` (${n.callFrame.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/')})` : ''}`;
      const fn =
        url === '' && !functionName.startsWith('(') && parent !== undefined
          ? `${functionName || '(native)'} ← ${where(parent)}`
          : where(node);
      const entry = byFn.get(fn) ?? { fn, layer, hits: 0 };
      entry.hits += h;
      byFn.set(fn, entry);
    }
    const top = [...byFn.values()].sort((a, b) => b.hits - a.hits).slice(0, 25);
    return { result, hits, top };
  } finally {
    session.disconnect();
  }
}

/** Each of `layers`' share of their summed samples (the others left out of the total). */
export function shares<K extends Layer>(hits: LayerHits, layers: readonly K[]): Record<K, number> {
  const total = layers.reduce((s, k) => s + hits[k], 0);
  return Object.fromEntries(layers.map((k) => [k, total ? hits[k] / total : 0])) as Record<K, number>;
}
