// FlowSlots (the flow table's open-addressing hash table) against a plain Map, with hashes chosen
// to collide and to cluster across the end of the slot array, where backward-shift deletion is
// easiest to get wrong.

import { expect } from 'chai';
import { FlowSlots } from '../../src/flows/flow-slots.js';
import { Random } from '../helpers/random.js';

interface Item {
  readonly hash: number;
  readonly id: number;
}

/** Every stored item reachable from its hash's home slot, as find() in the flow table probes. */
function find(slots: FlowSlots<Item>, hash: number, id: number): Item | undefined {
  for (let j = slots.home(hash), item = slots.item(j); item !== undefined; j = slots.next(j), item = slots.item(j)) {
    if (slots.hashAt(j) === hash && item.id === id) return item;
  }
  return undefined;
}

describe('FlowSlots', () => {
  it('finds items whose hashes collide, and keeps finding the rest after a removal', () => {
    const slots = new FlowSlots<Item>(16);
    const items = [0, 1, 2, 3].map((id) => ({ hash: 5, id }));
    for (const item of items) slots.add(item);
    expect(slots.remove(items[1]!)).to.equal(true);
    expect(find(slots, 5, 1)).to.equal(undefined);
    for (const id of [0, 2, 3]) expect(find(slots, 5, id)).to.equal(items[id]);
    expect(slots.remove(items[1]!)).to.equal(false);
    expect(slots.size).to.equal(3);
  });

  it('keeps a probe run that wraps past the last slot intact when an entry before the wrap leaves', () => {
    const slots = new FlowSlots<Item>(16);
    // Home 15 (the last slot) for three items: they occupy 15, 0 and 1; then one whose home is 0.
    const a = { hash: 15, id: 0 };
    const b = { hash: 31, id: 1 };
    const c = { hash: 47, id: 2 };
    const d = { hash: 16, id: 3 };
    for (const item of [a, b, c, d]) slots.add(item);
    slots.remove(a);
    expect(find(slots, 31, 1)).to.equal(b);
    expect(find(slots, 47, 2)).to.equal(c);
    expect(find(slots, 16, 3)).to.equal(d);
    expect(slots.home(31)).to.equal(15);
  });

  it('matches a Map through 20,000 seeded adds and removes with few distinct hashes, growing on the way', () => {
    const random = new Random(1515);
    const slots = new FlowSlots<Item>(16);
    const reference = new Map<number, Item>();
    let nextId = 0;
    for (let step = 0; step < 20_000; step++) {
      if (reference.size === 0 || random.chance(0.55)) {
        // 64 distinct hashes for up to thousands of items: long runs of equal and neighbouring homes.
        const item = { hash: random.below(64) * 0x01000001, id: nextId++ };
        slots.add(item);
        reference.set(item.id, item);
      } else {
        const ids = [...reference.keys()];
        const victim = reference.get(ids[random.below(ids.length)]!)!;
        expect(slots.remove(victim)).to.equal(true);
        reference.delete(victim.id);
      }
      if (step % 997 === 0) {
        for (const item of reference.values()) expect(find(slots, item.hash, item.id)).to.equal(item);
      }
    }
    expect(slots.size).to.equal(reference.size);
    for (const item of reference.values()) expect(find(slots, item.hash, item.id)).to.equal(item);
  });
});
