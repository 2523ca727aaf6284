// Times a connection keeps that most connections never set: the persist, keep-alive and
// TIME-WAIT deadlines and when the last out-of-window ACK was answered. Held inline they cost
// an idle connection 96 bytes (a field and a boxed double each on Node's V8); the connection
// makes this record on the first value that is not the default and reads defaults while it is
// absent.

export class RareTimes {
  /** Zero-window probe deadline (RFC 9293 §3.8.6.1), Infinity when not armed. */
  persist = Infinity;
  /** Keep-alive probe deadline (RFC 1122 §4.2.3.6), Infinity when not armed. */
  keepAlive = Infinity;
  /** When TIME-WAIT ends, Infinity outside it. */
  timeWait = Infinity;
  /** When an out-of-window segment was last answered (rate-limited as Linux tcp_invalid_ratelimit), -Infinity: never. */
  lastOutOfWindowAck = -Infinity;
}
