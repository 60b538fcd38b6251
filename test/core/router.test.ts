import { describe, expect, it } from 'vitest';
import { makeRouter } from '../../sim/serving/router.js';
import { runContinuous, runStatic, spec } from './helpers.js';

describe('router', () => {
  it('round robin cycles 0, 1, 2, 0, ... whatever the load', () => {
    const loads = [5, 0, 0];
    const route = makeRouter('round_robin', loads.map((l) => ({ outstanding: () => l })));
    expect(Array.from({ length: 7 }, () => route())).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('least outstanding picks the fewest waiting + running, ties to the lowest index', () => {
    const loads = [0, 0, 0];
    const route = makeRouter('least_outstanding', loads.map((_, i) => ({ outstanding: () => loads[i] })));
    expect(route()).toBe(0); // all 0
    loads[0] = 2;
    loads[1] = 1;
    loads[2] = 1;
    expect(route()).toBe(1); // tie between 1 and 2 → 1
    loads[1] = 3;
    expect(route()).toBe(2);
    loads[2] = 2;
    expect(route()).toBe(0); // 2, 3, 2 → 0
    loads[0] = 4;
    expect(route()).toBe(2);
  });

  it('in a simulation: same-time arrivals see the queues the earlier ones joined', () => {
    // Three requests at t = 0 on 2 replicas: r0 → 0 (tie), r1 → 1 (replica 0 has 1 waiting), r2 → 0 (tie 1, 1).
    // r3 arrives at 10 s when both are idle again → 0.
    const specs = [spec(0, 0, 10, 5), spec(1, 0, 10, 5), spec(2, 0, 10, 5), spec(3, 10, 10, 5)];
    const least = runContinuous(specs, { totalBlocks: 100 }, { replicas: 2, router: 'least_outstanding' });
    expect(least.rec.finishedRows.map((r) => [r.id, r.replica]).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
      [3, 0],
    ]);
    const rr = runStatic(specs, {}, { replicas: 3, router: 'round_robin' });
    expect(rr.rec.finishedRows.map((r) => [r.id, r.replica]).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 0],
    ]);
  });

  it('least outstanding counts running requests too', () => {
    // r0 at 0 on replica 0 runs 1 prompt step (0.02 s) and 19 decode steps; r1 at 0.1 s (replica 0 busy with
    // 1 running, replica 1 empty) → 1; r2 at 0.2 (1 and 1) → 0.
    const specs = [spec(0, 0, 4, 20), spec(1, 0.1, 4, 20), spec(2, 0.2, 4, 20)];
    const { rec } = runContinuous(specs, { totalBlocks: 100 }, { replicas: 2, router: 'least_outstanding' });
    expect(rec.finishedRows.map((r) => [r.id, r.replica]).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
    ]);
  });
});
