/** FinishQueue against a sorted list: random pushes, pops and removals keep (finish round, admission order). */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { FinishQueue } from '../../sim/serving/finishQueue.js';

describe('FinishQueue', () => {
  it('pops by finish round, then admission order, through random pushes, pops and removals', () => {
    const rng = seedrandom('finish-queue');
    const q = new FinishQueue<{ finishRound: number; sequence: number }>();
    let reference: { finishRound: number; sequence: number }[] = [];
    const order = (a: { finishRound: number; sequence: number }, b: { finishRound: number; sequence: number }) => a.finishRound - b.finishRound || a.sequence - b.sequence;
    let sequence = 0;
    for (let step = 0; step < 20_000; step++) {
      const pick = rng();
      if (pick < 0.5 || reference.length === 0) {
        const x = { finishRound: Math.floor(rng() * 50), sequence: sequence++ };
        q.push(x);
        reference.push(x);
      } else if (pick < 0.9) {
        reference.sort(order);
        expect(q.pop()).toBe(reference.shift());
      } else {
        const x = reference[Math.floor(rng() * reference.length)];
        expect(q.remove(x)).toBe(true);
        reference = reference.filter((y) => y !== x);
      }
      expect(q.length).toBe(reference.length);
    }
    expect(q.remove({ finishRound: 0, sequence: -1 })).toBe(false);
  });
});
