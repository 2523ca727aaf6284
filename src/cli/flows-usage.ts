// The usage text of `flows` and `follow`, apart from their code: the command's help names them
// without loading the flow table or the reassembler.

import { COLUMNAR_USAGE } from './columnar-args.js';

export const FLOWS_USAGE = `  tcpwasm flows FILE [options]    one record per TCP connection: endpoints, packets and bytes
                                  each way, retransmissions, gaps, handshake RTT, Zeek-style
                                  conn_state and history
    --json | --csv                NDJSON or CSV instead of the text table
    --idle-timeout S              end a connection after S seconds without a packet (300)
    --max-flows N                 connections tracked at once (1000000); beyond, the least
                                  recently active is reported early and counted
${COLUMNAR_USAGE}
  tcpwasm follow FILE [SELECTOR] [options]
                                  the reassembled byte streams (retransmissions and overlaps
                                  resolved: first-seen bytes win) of every connection or of
                                  SELECTOR: a flow index (as 'flows' prints) or ADDR:PORT-ADDR:PORT
                                  ([v6]:port for IPv6), either direction
    --out DIR                     one file per direction, named as tcpflow names them, instead
                                  of stdout (where a header line starts each run of bytes)
    --gap-fill zero|skip          what a gap in a stream becomes (zero: NUL bytes, as tcpflow's
                                  files; skip: nothing) [zero]`;
