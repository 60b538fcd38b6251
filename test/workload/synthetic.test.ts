import { describe, expect, it } from 'vitest';
import type { LengthsConfig } from '../../sim/workload/workloadSchema.js';
import type { ArrivalConfig } from '../../sim/workload/arrivals.js';
import { createLengthSampler } from '../../sim/workload/lengths.js';
import { Random } from '../../sim/workload/random.js';
import { syntheticSource } from '../../sim/workload/synthetic.js';
import { all, inputError } from './helpers.js';

const fixed = createLengthSampler({ kind: 'fixed', input_tokens: 100, output_tokens: 10 }, { baseDir: '.', file: 'test' });
const logn = createLengthSampler(
  { kind: 'lognormal', input: { mean: 1000, std: 500 }, output: { mean: 200, std: 300, max: 4096 } },
  { baseDir: '.', file: 'test' },
);

function source(arrival: ArrivalConfig, extra: { count?: number; durationSeconds?: number; seed?: number; offline?: boolean } = {}) {
  return syntheticSource({ arrival, lengths: logn, seed: extra.seed ?? 42, count: extra.count, durationSeconds: extra.durationSeconds, offline: extra.offline });
}

function gapsOf(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / (xs.length - 1)) };
}

const N = 20_000;

describe('synthetic workloads', () => {
  it('same seed → identical requests; different seed → different; re-iteration repeats', () => {
    const a = all(source({ process: 'poisson', rate_per_s: 3 }, { count: 500, seed: 7 }));
    const b = all(source({ process: 'poisson', rate_per_s: 3 }, { count: 500, seed: 7 }));
    const c = all(source({ process: 'poisson', rate_per_s: 3 }, { count: 500, seed: 8 }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(c.map((r) => r.arrivalSeconds)).not.toEqual(a.map((r) => r.arrivalSeconds));
    expect(c.map((r) => r.inputTokens)).not.toEqual(a.map((r) => r.inputTokens));
    const src = source({ process: 'gamma', rate_per_s: 3, cv: 2 }, { count: 300 });
    expect(all(src)).toEqual(all(src));
    expect(src.report.requestsYielded).toBe(300);
    expect(a.map((r) => r.id)).toEqual([...Array(500).keys()]);
  });

  it('arrival times do not depend on the length distribution (separate streams)', () => {
    const withLogn = all(source({ process: 'poisson', rate_per_s: 3 }, { count: 200 }));
    const withFixed = all(syntheticSource({ arrival: { process: 'poisson', rate_per_s: 3 }, lengths: fixed, seed: 42, count: 200 }));
    expect(withFixed.map((r) => r.arrivalSeconds)).toEqual(withLogn.map((r) => r.arrivalSeconds));
  });

  it('Poisson: first arrival at 0, non-decreasing, mean rate within 5 standard errors', () => {
    const rate = 4;
    const times = all(source({ process: 'poisson', rate_per_s: rate }, { count: N + 1 })).map((r) => r.arrivalSeconds);
    expect(times[0]).toBe(0);
    const gaps = gapsOf(times);
    expect(gaps.every((g) => g >= 0)).toBe(true);
    const { mean, std } = meanStd(gaps);
    // Exponential gaps: SE of the mean gap is (1/rate)/√N; tolerance 5 SE ≈ 3.5 %.
    expect(Math.abs(mean * rate - 1)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(std / mean - 1)).toBeLessThan(0.05); // cv of exponential gaps is 1
  });

  it('Gamma: same mean rate, measured cv of the gaps matches (bursty and regular)', () => {
    const rate = 4;
    for (const cv of [2, 0.5]) {
      const times = all(source({ process: 'gamma', rate_per_s: rate, cv }, { count: N + 1 })).map((r) => r.arrivalSeconds);
      const { mean, std } = meanStd(gapsOf(times));
      // SE of the mean gap = cv/(rate·√N): 5 SE.
      expect(Math.abs(mean * rate - 1), `cv ${cv} rate`).toBeLessThan((5 * cv) / Math.sqrt(N));
      // SE of the measured cv is ~1.1 % (cv 2) and ~0.6 % (cv 0.5) by the delta method: 10 % and 4 % are ≥ 5 SE.
      expect(Math.abs(std / mean / cv - 1), `cv ${cv}`).toBeLessThan(cv > 1 ? 0.1 : 0.04);
    }
  });

  it('Random.gamma: mean and variance equal the shape (shape < 1 and > 1)', () => {
    for (const shape of [0.25, 1, 3.5]) {
      const rng = new Random(99);
      const xs = new Float64Array(N);
      for (let i = 0; i < N; i++) xs[i] = rng.gamma(shape);
      const { mean, std } = meanStd(xs);
      expect(Math.abs(mean / shape - 1), `shape ${shape} mean`).toBeLessThan(5 / Math.sqrt(N * shape));
      expect(Math.abs((std * std) / shape - 1), `shape ${shape} var`).toBeLessThan(5 * Math.sqrt((2 + 6 / shape) / N));
    }
  });

  it('lognormal lengths: mean and std of the draws match the configured ones', () => {
    const rng = new Random(5);
    const out = { inputTokens: 0, outputTokens: 0 };
    const ins = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      logn.sample(rng, out);
      ins[i] = out.inputTokens;
      expect(Number.isInteger(out.inputTokens) && out.inputTokens >= 1).toBe(true);
      expect(out.outputTokens >= 1 && out.outputTokens <= 4096).toBe(true);
    }
    const { mean, std } = meanStd(ins);
    // SE of the mean = 500/√N ≈ 3.5 (5 SE ≈ 1.8 %); SE of the std ≈ 0.94 % for this lognormal (5 SE ≈ 4.7 %).
    expect(Math.abs(mean / 1000 - 1)).toBeLessThan(0.018);
    expect(Math.abs(std / 500 - 1)).toBeLessThan(0.05);
  });

  it('uniform lengths are integers covering [min, max] inclusive; clamping of lognormal', () => {
    const u = createLengthSampler({ kind: 'uniform', input: { min: 3, max: 5 }, output: { min: 7, max: 7 } }, { baseDir: '.', file: 't' });
    const rng = new Random(1);
    const out = { inputTokens: 0, outputTokens: 0 };
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      u.sample(rng, out);
      seen.add(out.inputTokens);
      expect(out.outputTokens).toBe(7);
    }
    expect([...seen].sort()).toEqual([3, 4, 5]);
    const clamped = createLengthSampler({ kind: 'lognormal', input: { mean: 100, std: 1000, min: 50, max: 60 }, output: { mean: 3, std: 0 } }, { baseDir: '.', file: 't' });
    for (let i = 0; i < 1000; i++) {
      clamped.sample(rng, out);
      expect(out.inputTokens >= 50 && out.inputTokens <= 60).toBe(true);
      expect(out.outputTokens).toBe(3);
    }
  });

  it('offline process: all at 0; offline flag: same count as online, all at 0', () => {
    expect(all(source({ process: 'offline' }, { count: 50 })).every((r) => r.arrivalSeconds === 0)).toBe(true);
    const online = all(source({ process: 'poisson', rate_per_s: 10 }, { durationSeconds: 20 }));
    const offline = all(source({ process: 'poisson', rate_per_s: 10 }, { durationSeconds: 20, offline: true }));
    expect(offline.length).toBe(online.length);
    expect(offline.every((r) => r.arrivalSeconds === 0)).toBe(true);
    expect(offline.map((r) => r.inputTokens)).toEqual(online.map((r) => r.inputTokens));
  });

  it('stops at count or duration_s, whichever comes first', () => {
    expect(all(source({ process: 'poisson', rate_per_s: 10 }, { count: 5, durationSeconds: 1000 })).length).toBe(5);
    const byDuration = all(source({ process: 'poisson', rate_per_s: 10 }, { count: 1_000_000, durationSeconds: 100 }));
    // ~1000 arrivals in [0, 100): Poisson count, SD ≈ 32.
    expect(Math.abs(byDuration.length - 1000)).toBeLessThan(5 * Math.sqrt(1000));
    expect(byDuration.every((r) => r.arrivalSeconds < 100)).toBe(true);
    const unbounded = all(source({ process: 'poisson', rate_per_s: 10 }, { count: byDuration.length + 1 }));
    expect(unbounded[byDuration.length].arrivalSeconds).toBeGreaterThanOrEqual(100);
    expect(unbounded.slice(0, byDuration.length)).toEqual(byDuration);
  });

  it('invalid configurations are InputErrors placed at the scenario pointer', () => {
    const e = inputError(() => source({ process: 'poisson', rate_per_s: 1 }));
    expect(e.message).toBe('scenario:/workload: a synthetic workload needs count, duration_s, or both (it ends at whichever comes first)');
    expect(inputError(() => source({ process: 'poisson' }, { count: 1 })).place).toBe('/workload/arrival/rate_per_s');
    expect(inputError(() => source({ process: 'gamma', rate_per_s: 1 }, { count: 1 })).place).toBe('/workload/arrival/cv');
    expect(inputError(() => source({ process: 'poisson', rate_per_s: 1, cv: 2 }, { count: 1 })).place).toBe('/workload/arrival/cv');
    expect(inputError(() => source({ process: 'offline', rate_per_s: 1 }, { count: 1 })).place).toBe('/workload/arrival/rate_per_s');
    expect(inputError(() => source({ process: 'offline' }, { durationSeconds: 5 })).place).toBe('/workload/count');
    const badRange: LengthsConfig = { kind: 'uniform', input: { min: 9, max: 3 }, output: { min: 1, max: 2 } };
    expect(inputError(() => createLengthSampler(badRange, { baseDir: '.', file: 's.json' })).message).toBe(
      's.json:/workload/lengths/input/max: expected an integer ≥ min (9), found 3',
    );
  });

  it('diurnal Poisson: the count in each quarter of the day follows the integral of the rate', () => {
    // rate(t) = 2 × (1 + 0.5 cos(2π (t − 43200) / 86400)): the quarter around the peak expects
    // 2 × 21600 × (1 + 0.5 × (2/π) × √2) = 43200 × 1.4502; the quarter around the trough 43200 × 0.5498.
    const times = all(source({ process: 'poisson', rate_per_s: 2, diurnal: { amplitude: 0.5, peak_s: 43200 } }, { durationSeconds: 86400 })).map((r) => r.arrivalSeconds);
    const inWindow = (a: number, b: number) => times.filter((t) => t >= a && t < b).length;
    const swing = (0.5 * 2 * Math.SQRT2) / Math.PI;
    for (const [count, expected] of [
      [inWindow(32400, 54000), 43200 * (1 + swing)],
      [inWindow(0, 10800) + inWindow(75600, 86400), 43200 * (1 - swing)],
    ]) {
      expect(Math.abs(count - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    expect(Math.abs(times.length - 172800)).toBeLessThan(5 * Math.sqrt(172800));
    // Without a swing it is the plain Poisson process's count.
    const flat = all(source({ process: 'poisson', rate_per_s: 2, diurnal: { amplitude: 0 } }, { durationSeconds: 3600 })).length;
    expect(Math.abs(flat - 7200)).toBeLessThan(5 * Math.sqrt(7200));
    expect(inputError(() => source({ process: 'gamma', rate_per_s: 1, cv: 2, diurnal: { amplitude: 0.5 } }, { count: 1 })).place).toBe('/workload/arrival/diurnal');
  });
});
