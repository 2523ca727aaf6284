// The memory account that the send and receive rings of every connection of one stack charge
// their storage to, like Linux's tcp_memory_allocated against net.ipv4.tcp_mem. Above `pressure`
// a ring no longer grows: it keeps the storage it has, or at least MIN_GUARANTEED bytes (Linux
// guarantees each socket tcp_wmem[0] / tcp_rmem[0], 4 KiB, under pressure too), so a sender
// blocks and the advertised window shrinks to what is already allocated. The stack acts above
// its hard limit (see src/stack/memory-budget.ts).

export interface MemoryAccount {
  /** Bytes of ring storage allocated now by the connections charging this account. */
  used: number;
  /** Above this many bytes, rings do not grow. */
  readonly pressure: number;
}

/** Storage a ring may always have, pressure or not (a ring's smallest storage). */
export const MIN_GUARANTEED = 4096;
