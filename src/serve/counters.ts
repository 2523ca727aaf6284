// What the services count, shown on the stats page and in /stats beside the stack's own counters.

export interface ServiceCounters {
  http: {
    requests: number;
    /** Body bytes of /bytes/N responses handed to the sockets. */
    bytesStreamed: number;
    uploads: number;
    bytesUploaded: number;
    /** Requests answered 4xx. */
    badRequests: number;
  };
  echo: { connections: number; bytes: number };
  discard: { connections: number; bytes: number };
  /** Socket errors on any service (a peer's RST, a timeout): counted, never fatal. */
  socketErrors: number;
}

export function createServiceCounters(): ServiceCounters {
  return {
    http: { requests: 0, bytesStreamed: 0, uploads: 0, bytesUploaded: 0, badRequests: 0 },
    echo: { connections: 0, bytes: 0 },
    discard: { connections: 0, bytes: 0 },
    socketErrors: 0,
  };
}
