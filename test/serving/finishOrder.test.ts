import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { FinishOrder } from '../../sim/serving/finishOrder.js';
import { LiveRequest } from '../../sim/serving/liveRequest.js';

describe('FinishOrder (the decode set finish heap)', () => {
  it('pops in (finish counter, id) order under random pushes, pops and removals from the middle', () => {
    const rng = seedrandom('finish-order');
    const heap = new FinishOrder();
    let reference: LiveRequest[] = [];
    const order = (a: LiveRequest, b: LiveRequest) => a.finishCounter - b.finishCounter || a.spec.id - b.spec.id;
    let id = 0;
    let pops = 0;
    for (let op = 0; op < 20000; op++) {
      const x = rng();
      if (x < 0.5 || reference.length === 0) {
        const r = new LiveRequest({ id: id++, arrivalSeconds: 0, inputTokens: 1, outputTokens: 1 });
        // Few distinct counters, so ties (broken by id) are common.
        r.finishCounter = Math.floor(rng() * 40);
        heap.push(r);
        reference.push(r);
      } else if (x < 0.85) {
        reference.sort(order);
        expect(heap.firstCounter()).toBe(reference[0].finishCounter);
        expect(heap.pop()).toBe(reference.shift());
        pops++;
      } else {
        const victim = reference[Math.floor(rng() * reference.length)];
        heap.remove(victim);
        reference = reference.filter((r) => r !== victim);
      }
      expect(heap.length).toBe(reference.length);
    }
    reference.sort(order);
    for (const r of reference) expect(heap.pop()).toBe(r);
    expect(heap.length).toBe(0);
    expect(pops).toBeGreaterThan(3000);
  });
});
