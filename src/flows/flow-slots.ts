// An open-addressing hash table of flows keyed by a caller-computed 32-bit hash: linear probing
// over a power-of-two slot array, the hashes kept beside it in an Int32Array so a probe compares
// a typed-array word before it touches a flow. It replaces a Map<number, Flow> plus collision
// chains: a Map lookup per segment was the largest single cost of the flow table.
//
// Deletion shifts later entries of the probe run back (Knuth's algorithm R for linear probing),
// so there are no tombstones and a run never outgrows what is stored. The table doubles when
// half full and never shrinks: its size is bounded by the flow table's maxFlows.
// Hashes are int32 values (the flow table's are 30-bit), stored and compared as such.

/** The slot index meaning "none" (a probe that ended at an empty slot). */
export const NO_SLOT = -1;

export class FlowSlots<T extends { readonly hash: number }> {
  #mask: number;
  #hashes: Int32Array;
  #items: (T | undefined)[];
  #size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.#mask = capacity - 1;
    this.#hashes = new Int32Array(capacity);
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  /** The first slot to probe for `hash`; follow with next() while item() is defined. */
  home(hash: number): number {
    return hash & this.#mask;
  }

  next(slot: number): number {
    return (slot + 1) & this.#mask;
  }

  /** The item in a slot, or undefined when the slot is empty (the probe run ends there). */
  item(slot: number): T | undefined {
    return this.#items[slot];
  }

  /** The hash stored in a slot (compare it before comparing the item's key). */
  hashAt(slot: number): number {
    return this.#hashes[slot]!;
  }

  add(item: T): void {
    if ((this.#size + 1) * 2 > this.#items.length) this.#grow();
    this.#place(item);
    this.#size++;
  }

  /** Removes this very item (by identity); false when it is not stored. */
  remove(item: T): boolean {
    const items = this.#items;
    const hashes = this.#hashes;
    const mask = this.#mask;
    let i = item.hash & mask;
    for (;;) {
      const at = items[i];
      if (at === undefined) return false;
      if (at === item) break;
      i = (i + 1) & mask;
    }
    // Backward shift: move each later entry of the run whose home is not in (i, j] into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const moved = items[j];
      if (moved === undefined) break;
      const home = hashes[j]! & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      items[i] = moved;
      hashes[i] = hashes[j]!;
      i = j;
    }
    items[i] = undefined;
    hashes[i] = 0;
    this.#size--;
    return true;
  }

  #place(item: T): void {
    const mask = this.#mask;
    let i = item.hash & mask;
    while (this.#items[i] !== undefined) i = (i + 1) & mask;
    this.#items[i] = item;
    this.#hashes[i] = item.hash;
  }

  #grow(): void {
    const old = this.#items;
    const capacity = old.length * 2;
    this.#mask = capacity - 1;
    this.#hashes = new Int32Array(capacity);
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
    for (const item of old) if (item !== undefined) this.#place(item);
  }
}
