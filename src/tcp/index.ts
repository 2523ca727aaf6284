// The sans-IO TCP engine: everything in src/tcp, re-exported in one place.

export * from '../wire/segment.js';
export * from './config.js';
export * from './state.js';
export * from './counters.js';
export * from './events.js';
export * from './reset.js';
export * from './connection.js';
export * from './seq.js';
export * from './send-buffer.js';
export * from './receive-buffer.js';
export * from './rtt.js';
export * from './congestion.js';
export * from './cubic.js';
export * from './hystart.js';
export * from './ecn.js';
export * from './isn.js';
export * from './rate-limit.js';
export * from './keyed-hash.js';
export * from './syn-cookie.js';
export * from './window-limit.js';
