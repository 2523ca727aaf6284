// `decode -w FILE`: the frames that match, written as a capture while the input streams by, the
// way `tcpdump -r in -w out FILTER` does. Link types and timestamps are kept: timestamps go out
// in nanoseconds (pcap magic 0xa1b23c4d, pcapng if_tsresol 9), so nothing is rounded away.

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { PcapWriter, PcapngWriter } from '../pcap/writer.js';
import { timestampNsAt, type FrameColumns } from './chunk.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** pcapng when the name says so or the input is pcapng (tcpdump -w always writes pcap). */
export function outputFormat(path: string, inputIsPcapng: boolean): CaptureFormat {
  if (/\.pcapng(\.gz)?$/i.test(path)) return 'pcapng';
  if (/\.pcap$/i.test(path)) return 'pcap';
  return inputIsPcapng ? 'pcapng' : 'pcap';
}

/** Thrown when a pcap output would need a second link type (a pcap file has one). */
export class MixedLinkTypes extends Error {}

const NANOSECONDS = 9;

export class CaptureOut {
  readonly #stream: Writable;
  /** `-w -` writes to standard output, which is left open. */
  readonly #toStdout: boolean;
  #pcap: PcapWriter | undefined;
  #pcapng: PcapngWriter | undefined;
  /** pcapng interface id per link type. */
  readonly #interfaces = new Map<number, number>();
  #linkType = -1;
  #failure: Error | undefined;
  /** Frames written. */
  frames = 0;
  readonly #format: CaptureFormat;

  constructor(path: string, format: CaptureFormat) {
    this.#format = format;
    this.#toStdout = path === '-';
    this.#stream = this.#toStdout ? process.stdout : createWriteStream(path);
    // Recorded here (a stream error with no listener would end the process); thrown at the next write.
    this.#stream.on('error', (error) => {
      this.#failure = error;
    });
    if (format === 'pcapng') this.#pcapng = new PcapngWriter();
  }

  /** Appends rows `rows` of the chunk, in order. */
  async add(chunk: FrameColumns, rows: ArrayLike<number>): Promise<void> {
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k]!;
      const linkType = chunk.linkTypes[i]!;
      const record = {
        data: chunk.data.subarray(chunk.offsets[i]!, chunk.offsets[i]! + chunk.lengths[i]!),
        timestampNs: timestampNsAt(chunk, i),
        originalLength: chunk.originalLengths[i]!,
      };
      if (this.#pcapng) {
        let id = this.#interfaces.get(linkType);
        if (id === undefined) {
          id = this.#pcapng.addInterface({ linkType, timestampResolution: NANOSECONDS });
          this.#interfaces.set(linkType, id);
        }
        this.#pcapng.add({ ...record, interfaceId: id });
      } else {
        if (!this.#pcap) {
          this.#linkType = linkType;
          this.#pcap = new PcapWriter({ linkType, nanosecond: true });
        } else if (linkType !== this.#linkType) {
          throw new MixedLinkTypes(
            `frame ${chunk.firstIndex + i} has link type ${linkType} but the pcap output has ${this.#linkType}; write .pcapng to keep both`,
          );
        }
        this.#pcap.add(record);
      }
      this.frames++;
    }
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#failure) throw this.#failure;
    const bytes = this.#pcapng ? this.#pcapng.take() : this.#pcap?.take();
    if (bytes && bytes.length > 0 && !this.#stream.write(bytes)) await once(this.#stream, 'drain');
  }

  /** Finishes the file (a pcap with no frame still gets its header, like tcpdump's). */
  async close(fallbackLinkType: number): Promise<void> {
    if (this.#format === 'pcap' && !this.#pcap)
      this.#pcap = new PcapWriter({ linkType: fallbackLinkType, nanosecond: true });
    await this.#flush();
    if (this.#toStdout) return;
    this.#stream.end();
    await once(this.#stream, 'finish');
  }
}
