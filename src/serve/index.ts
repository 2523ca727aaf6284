// The services `tcpwasm serve` runs on a Stack, for use by other programs too.

export { startServices, type Services, type ServiceOptions, type CloseOptions } from './services.js';
export { enforceHttpTimeouts } from './http-timeouts.js';
export { MAX_BYTES, createHttpHandler } from './http-app.js';
export { PatternSource, patternByte } from './byte-source.js';
export type { ServiceCounters } from './counters.js';
export type { StatsSnapshot, ServicePorts, DeviceInfo } from './snapshot.js';
