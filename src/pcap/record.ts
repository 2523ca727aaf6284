// One captured frame as the pcap and pcapng readers hand it out; its own module so the parser
// and the record batches (batch.ts) share it without importing each other.

/** One captured frame with its record header's fields. */
export interface CaptureRecord {
  /** 1-based frame number, as Wireshark counts them. */
  index: number;
  linkType: number;
  /** Nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  capturedLength: number;
  originalLength: number;
  data: Uint8Array;
}
