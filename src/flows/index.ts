// TCP connections and their byte streams from decoded segments (issue 15): a layer beside pcap,
// using only wire/ and tcp/seq.ts.

export { FlowTable, type FlowTableOptions, type FlowTableStats, type FrameColumns } from './flow-table.js';
export { StreamReassembler, SegmentVerdict, type ReassemblerOptions } from './reassembler.js';
export { EndpointState, History, connState, nextStates } from './conn-state.js';
export type { DirectionSummary, FlowEnd, FlowInfo, FlowRecord } from './record.js';
