// Remote addresses shared by the connections of one stack. Every table entry keeps its peer's
// address as bytes (for the encoder and the input fast path) and as text (socket.remoteAddress);
// made per connection, the pair costs ~300 bytes of an idle connection's memory (a 4-byte
// ArrayBuffer with its view and backing store, and a string), while connections to one server,
// or from one client or proxy, all have the same peer. Entries are never written after they are
// made, so one record serves every connection with that peer.
//
// Bounded: past LIMIT distinct peers the cache starts over (records already handed out stay
// valid, only their sharing with later connections is lost), so a scan from many sources cannot
// grow it.

import { formatAddress } from '../base/address.js';
import { addressKey } from '../base/interface-address.js';

const LIMIT = 4096;

export interface RemoteAddress {
  /** addressKey() of the address: the remote part of the connection table's key. */
  readonly key: string;
  /** 4 or 16 bytes, never written. */
  readonly bytes: Uint8Array;
  /** As socket.remoteAddress shows it. */
  readonly text: string;
}

export class RemoteAddresses {
  readonly #byKey = new Map<string, RemoteAddress>();

  /** The shared record for the 4 (IPv4) or 16 (IPv6) bytes at `bytes[offset]`. */
  get(bytes: Uint8Array, offset: number, version: 4 | 6): RemoteAddress {
    const key = addressKey(bytes, offset, version);
    let found = this.#byKey.get(key);
    if (found === undefined) {
      if (this.#byKey.size >= LIMIT) this.#byKey.clear();
      found = {
        key,
        bytes: bytes.slice(offset, offset + (version === 4 ? 4 : 16)),
        text: formatAddress(bytes, offset, version),
      };
      this.#byKey.set(key, found);
    }
    return found;
  }

  /** Distinct addresses held (for tests). */
  get size(): number {
    return this.#byKey.size;
  }
}
