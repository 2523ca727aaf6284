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
   * Sends one raw IPv4 or IPv6 packet. The device may keep the array without copying: the caller
   * must not change it afterwards.
   */
  send(packet: Uint8Array): void;
  /** Installs the receiver for incoming packets (null to stop receiving). Packets come in batches. */
  onReceive(handler: PacketBatchHandler | null): void;
  /** Stops the device; later sends are dropped. */
  close(): void;
}
