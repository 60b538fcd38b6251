import { describe, expect, it } from 'vitest';
import { quantilesBySelection } from '../../sim/accounting/orderStatistics.js';
import { quantileSorted, SampleList } from '../../sim/accounting/quantiles.js';
import seedrandom from 'seedrandom';

describe('quantiles: linear interpolation between order statistics', () => {
  it('hand cases', () => {
    const xs = [1, 2, 3, 4];
    // position (n − 1)·q = 3q
    expect(quantileSorted(xs, 0)).toBe(1);
    expect(quantileSorted(xs, 1)).toBe(4);
    expect(quantileSorted(xs, 0.5)).toBe(2.5); // pos 1.5 → 2 + 0.5·(3 − 2)
    expect(quantileSorted(xs, 0.9)).toBeCloseTo(3.7, 12); // pos 2.7 → 3 + 0.7·1
    expect(quantileSorted([10, 20, 40], 0.75)).toBe(30); // pos 1.5 → 20 + 0.5·20
    expect(quantileSorted([10, 20, 40], 0.99)).toBeCloseTo(39.6, 12); // pos 1.98 → 20 + 0.98·20
    expect(quantileSorted([7], 0.3)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNaN();
    // 0..100: the q-quantile is 100q.
    const hundred = Array.from({ length: 101 }, (_, i) => i);
    expect(quantileSorted(hundred, 0.99)).toBeCloseTo(99, 12);
    expect(quantileSorted(hundred, 0.9)).toBeCloseTo(90, 12);
  });

  it('SampleList sorts numerically (not as strings) and summarises', () => {
    const s = new SampleList();
    for (const x of [10, 9, 100, 2, 1]) s.push(x);
    // sorted 1, 2, 9, 10, 100: mean 24.4; p50 = 9; p90 pos 3.6 → 10 + 0.6·90 = 64; p99 pos 3.96 → 10 + 0.96·90 = 96.4.
    const q = s.summary();
    expect(q.mean).toBeCloseTo(24.4, 12);
    expect(q.p50).toBe(9);
    expect(q.p90).toBeCloseTo(64, 12);
    expect(q.p99).toBeCloseTo(96.4, 12);
    expect(new SampleList().summary().p50).toBeNaN();
  });

  it('SampleList grows past its initial capacity', () => {
    const s = new SampleList();
    for (let i = 0; i < 5000; i++) s.push(4999 - i);
    expect(s.length).toBe(5000);
    const q = s.summary();
    expect(q.mean).toBe(2499.5);
    expect(q.p50).toBe(2499.5);
    expect(q.p90).toBeCloseTo(4499.1, 9); // pos 4499.1
  });

  it('SampleList reserves little for a short list and keeps every sample across many growing chunks', () => {
    // Thousands of tiny simulations each hold several lists: a handful of samples must not reserve megabytes.
    const small = new SampleList();
    for (let i = 0; i < 10; i++) small.push(i);
    expect(small.capacity * 8).toBeLessThanOrEqual(1024);
    // Past the largest chunk size (2^18): the order statistics of a shuffled 0..n-1 are exact.
    const n = 700_001;
    const big = new SampleList();
    for (let i = 0; i < n; i++) big.push((i * 7919) % n); // 7919 is prime and does not divide n: a permutation
    expect(big.length).toBe(n);
    const sorted = big.sorted();
    for (let i = 0; i < n; i += 9973) expect(sorted[i]).toBe(i);
    expect(sorted[n - 1]).toBe(n - 1);
    expect(big.summary().p50).toBe((n - 1) / 2);
    // Growth wastes at most one chunk of the largest size.
    expect(big.capacity - n).toBeLessThan(1 << 18);
  });

  it('selection gives exactly the quantiles a full sort gives (random sizes, ties, sorted and reversed input)', () => {
    const rng = seedrandom('order-statistics');
    const qs = [0, 0.01, 0.5, 0.5, 0.9, 0.99, 0.999, 1];
    let cases = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(rng() * (trial < 300 ? 60 : 5000));
      const levels = 1 + Math.floor(rng() * 20); // few levels: many ties
      const values = Float64Array.from({ length: n }, () => (trial % 3 === 0 ? Math.floor(rng() * levels) : rng() * 1000 - 500));
      if (trial % 7 === 0) values.sort();
      if (trial % 11 === 0) values.sort().reverse();
      const sorted = Float64Array.from(values).sort();
      const selected = quantilesBySelection(Float64Array.from(values), qs);
      qs.forEach((q, i) => expect(selected[i]).toBe(quantileSorted(sorted, q)));
      cases++;
    }
    expect(cases).toBe(400);
    expect(quantilesBySelection(new Float64Array(0), [0.5])[0]).toBeNaN();
  });

  it('the mean does not depend on the order samples arrive in', () => {
    const rng = seedrandom('mean-order');
    const xs = Array.from({ length: 100_000 }, () => rng() * 10 ** (rng() * 6));
    const forward = new SampleList();
    const backward = new SampleList();
    for (const x of xs) forward.push(x);
    for (let i = xs.length - 1; i >= 0; i--) backward.push(xs[i]);
    expect(forward.summary().mean).toBe(backward.summary().mean);
    expect(forward.summary().p99).toBe(backward.summary().p99);
  });

  it('a list too long to copy reads its quantiles in place: exactly what a sort gives, the mean in push order, and again after more pushes', () => {
    const rng = seedrandom('in-place-quantiles');
    const qs = [0, 0.001, 0.25, 0.5, 0.9, 0.99, 1];
    for (let trial = 0; trial < 60; trial++) {
      // Past several chunks (the first chunks are small), with ties, sorted and reversed runs.
      const n = 1 + Math.floor(rng() * (trial < 30 ? 3000 : 600_000));
      const levels = 1 + Math.floor(rng() * 20);
      const values = Float64Array.from({ length: n }, () => (trial % 3 === 0 ? Math.floor(rng() * levels) : rng() * 1000 - 500));
      if (trial % 7 === 0) values.sort();
      if (trial % 11 === 0) values.sort().reverse();
      const inPlace = new SampleList(0);
      const copied = new SampleList();
      for (const x of values) {
        inPlace.push(x);
        copied.push(x);
      }
      expect(inPlace.copies).toBe(false);
      const sorted = Float64Array.from(values).sort();
      const got = inPlace.quantiles(qs);
      qs.forEach((q, i) => expect(got[i]).toBe(quantileSorted(sorted, q)));
      expect(inPlace.summary()).toEqual(copied.summary());
      // Pushing after a read (the chunks are sorted now) still gives the quantiles of every sample.
      inPlace.push(-1000);
      copied.push(-1000);
      expect(inPlace.summary()).toEqual(copied.summary());
    }
  });
});
