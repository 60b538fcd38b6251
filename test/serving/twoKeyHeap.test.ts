/**
 * TwoKeyHeap (the decode set's finish order and the speculative scheduler's finish queue) against a sorted list:
 * random pushes, pops and removals from the middle, with few distinct keys so that ties are common.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { TwoKeyHeap } from '../../sim/serving/twoKeyHeap.js';

interface Item {
  readonly key: number;
  readonly tie: number;
}

describe('TwoKeyHeap', () => {
  it('pops by key, then tie key, through random pushes, pops and removals', () => {
    const rng = seedrandom('two-key-heap');
    const heap = new TwoKeyHeap<Item>();
    let reference: Item[] = [];
    const order = (a: Item, b: Item) => a.key - b.key || a.tie - b.tie;
    let tie = 0;
    let pops = 0;
    let removals = 0;
    for (let op = 0; op < 20_000; op++) {
      const x = rng();
      if (x < 0.5 || reference.length === 0) {
        // tie keys arrive out of order too (request ids of requests that joined in another order)
        const item = { key: Math.floor(rng() * 40), tie: (tie++ * 7919) % 100_003 };
        heap.push(item, item.key, item.tie);
        reference.push(item);
      } else if (x < 0.85) {
        reference.sort(order);
        expect(heap.firstKey()).toBe(reference[0].key);
        expect(heap.peek()).toBe(reference[0]);
        expect(heap.pop()).toBe(reference.shift());
        pops++;
      } else {
        const victim = reference[Math.floor(rng() * reference.length)];
        expect(heap.remove(victim)).toBe(true);
        reference = reference.filter((r) => r !== victim);
        removals++;
      }
      expect(heap.length).toBe(reference.length);
    }
    reference.sort(order);
    for (const r of reference) expect(heap.pop()).toBe(r);
    expect(heap.length).toBe(0);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
    expect(heap.remove({ key: 0, tie: -1 })).toBe(false);
    expect(pops).toBeGreaterThan(3000);
    expect(removals).toBeGreaterThan(1000);
  });
});
