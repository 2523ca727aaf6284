// An indexed binary min-heap of items ordered by a numeric deadline. Each item remembers its slot,
// so changing or removing one deadline is O(log n): the stack keeps every connection's
// `nextTimeout` here and arms one timer for the minimum, instead of scanning all connections.

export interface HeapItem {
  /** The item's deadline (ms); the heap orders by it. */
  deadline: number;
  /** Slot in the heap array, -1 when not in the heap. Owned by the heap. */
  heapIndex: number;
}

export class DeadlineHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  /** Insertion order breaks ties, so items with equal deadlines come out first-in first-out. */
  readonly #order = new WeakMap<T, number>();
  #counter = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The item with the smallest deadline, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Inserts, moves or (for an infinite deadline) removes `item` so it is keyed by `deadline`. */
  set(item: T, deadline: number): void {
    if (deadline === Infinity) {
      this.remove(item);
      item.deadline = Infinity;
      return;
    }
    if (item.heapIndex < 0) {
      item.deadline = deadline;
      item.heapIndex = this.#items.length;
      this.#order.set(item, this.#counter++);
      this.#items.push(item);
      this.#up(item.heapIndex);
      return;
    }
    const old = item.deadline;
    item.deadline = deadline;
    if (deadline < old) this.#up(item.heapIndex);
    else if (deadline > old) this.#down(item.heapIndex);
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.#items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.#items[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
  }

  /** Removes and returns the minimum item. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top) this.remove(top);
    return top;
  }

  #less(a: T, b: T): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && this.#order.get(a)! < this.#order.get(b)!);
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.#less(item, p)) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#less(items[right]!, items[left]!) ? right : left;
      const c = items[child]!;
      if (!this.#less(c, item)) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
