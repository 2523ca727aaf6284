// The small interface a link driver implements for the Stack: raw IP packets out, batches of raw
// IP packets in. MemoryLink is one driver; a TUN device is another.

/**
 * Receives the packets that arrived together. The arrays may be views of the device's receive
 * memory (TunDevice reads straight into WebAssembly memory), valid only during the call: the
 * next batch is read over them, and a grow of WebAssembly memory detaches them even sooner. Copy
 * what you keep. (MemoryLink hands over arrays of their own, but a handler should not rely on it.)
 */
export type PacketBatchHandler = (packets: Uint8Array[]) => void;

export interface Device {
  /** Largest IP packet (header included) the link carries, bytes. */
  readonly mtu: number;
  /**
   * Present when the device takes TCP segmentation offload: the largest TCP super-packet (IP
   * header included) it accepts with a segment size, which it puts on the wire as segments of
   * at most `mtu` bytes. Absent or undefined: every packet must fit the MTU. (`| undefined` so
   * a device can declare it as a field, under exactOptionalPropertyTypes too.)
   */
  readonly maxOffloadSize?: number | undefined;
  /**
   * Sends one raw IPv4 or IPv6 packet. The device may keep the array without copying: the caller
   * must not change it afterwards. `segmentSize` (only to a device with maxOffloadSize): the
   * packet is a TCP super-packet whose payload the device cuts into wire segments of this many
   * payload bytes (the connection's MSS after options), each with the same headers.
   */
  send(packet: Uint8Array, segmentSize?: number): void;
  /**
   * Optional: hands packets that have already arrived but not yet been delivered to the receive
   * handler now, synchronously. The stack calls it before it fires its timers: after an
   * event-loop stall Node runs expired timers before it reads I/O, and the ACKs waiting unread
   * would otherwise not stop a retransmission timeout.
   */
  poll?(): void;
  /** Installs the receiver for incoming packets (null to stop receiving). Packets come in batches. */
  onReceive(handler: PacketBatchHandler | null): void;
  /**
   * Present when the device holds a handle that keeps a Node process alive (TunDevice's read
   * poll): false lets the process exit while only the device is left. A Stack turns it off and
   * keeps the process alive itself while a server listens or a socket is open, as node:net.
   */
  setRef?(ref: boolean): void;
  /** Stops the device; later sends are dropped. */
  close(): void;
}
