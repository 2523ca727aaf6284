// What the flow table reports for one TCP connection: plain data, flat enough for NDJSON, CSV
// or a columnar writer (one column per leaf field).

/** One direction of a connection (orig = the initiator's packets, resp = the other side's). */
export interface DirectionSummary {
  /** Segments sent, retransmissions included (what tshark's conv,tcp counts as frames). */
  packets: number;
  /** Payload bytes as the IP length gives them, every copy counted (the sum of tshark's tcp.len). */
  payloadBytes: number;
  /** Distinct sequence-space payload bytes: retransmitted copies counted once. */
  bytes: number;
  /** Segments carrying at least one payload byte seen before. */
  retransmissions: number;
  /** Segments whose new bytes all lay below the highest byte seen (they filled a hole). */
  outOfOrder: number;
  /** Segments advertising a zero window (not SYN, FIN or RST, as Wireshark's tcp.analysis.zero_window). */
  zeroWindows: number;
  /** Stream bytes never seen (holes given up, or missing before a FIN), as Zeek's missed_bytes. */
  missedBytes: number;
  /** How many such holes. */
  gaps: number;
}

/** Why a record was emitted. */
export type FlowEnd = 'closed' | 'idle' | 'evicted' | 'reused' | 'flushed';

/** What is known of a connection when it starts: enough to name its streams. */
export interface FlowInfo {
  /** 0-based, in order of each connection's first packet (tshark's tcp.stream numbering). */
  index: number;
  ipVersion: 4 | 6;
  /** The initiator: the SYN's sender, the receiver of a SYN-ACK, else the sender of the first packet seen. */
  origAddress: string;
  origPort: number;
  respAddress: string;
  respPort: number;
}

export interface FlowRecord extends FlowInfo {
  /** Frame numbers (1-based, as in the capture) of the first and last packet. */
  firstFrame: number;
  lastFrame: number;
  /** Capture time of the first and last packet, in seconds since the epoch. */
  start: number;
  end: number;
  /** end - start, in seconds. */
  duration: number;
  orig: DirectionSummary;
  resp: DirectionSummary;
  /**
   * SYN to the initiator's ACK of the SYN-ACK, in seconds, as seen at the capture point
   * (Wireshark's tcp.analysis.initial_rtt); null without a full handshake.
   */
  handshakeRtt: number | null;
  /** Zeek's conn_state. */
  connState: string;
  /** Zeek's history letters (upper case: the initiator). */
  history: string;
  /** Why the record was emitted. */
  reason: FlowEnd;
}
