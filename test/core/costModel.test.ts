import { describe, expect, it } from 'vitest';
import { DecodeRunCurve, type Line } from '../../sim/cost/decodeRunCurve.js';
import { decodeOnlyStep, type Step } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { expectClose, randInt, rng, tinyParams, tinyWork } from './helpers.js';

/** Σ_{k=k0}^{k1-1} max_i(a_i + b_i·k), and the max at one k, through the production curve (time only). */
const sumMaxOfLines = (lines: readonly Line[], k0: number, k1: number): number =>
  new DecodeRunCurve(lines, { a: 0, b: 0 }, 1, 0).seconds(k0, k1);
const maxOfLinesAt = (lines: readonly Line[], k: number): number => new DecodeRunCurve(lines, { a: 0, b: 0 }, 1, 0).stepSeconds(k);

/** lm head 0.5 GFLOP per sampled token, 1 MFLOP per attention pair, 1 MB of KV per token; 1 ms per sequence. */
const richWork = tinyWork({ lmHeadFlopsPerToken: 5e8, attentionFlopsPerPair: 1e6, kvBytesPerToken: 1e6 });
const richParams = tinyParams({ perSequenceOverheadSeconds: 0.001 });

/** Two prompt chunks: 100 new tokens on nothing (finishing its prompt), 50 new on 30 cached (not finishing). */
const prefill: Step = {
  chunkNewTokens: [100, 50],
  chunkCachedTokens: [0, 30],
  chunksProducingToken: 1,
  decodeCount: 0,
  decodeContextSum: 0,
};

describe('StepCostModel: single steps by hand', () => {
  it('prefill step, compute-bound', () => {
    const m = new StepCostModel(richWork, richParams);
    // tokens 150, sampled 1; attention pairs: 100·0 + 100·101/2 = 5050 and 50·30 + 50·51/2 = 2775 → 7825.
    // FLOPs = 1e9·150 + 5e8·1 + 1e6·7825 = 1.58325e11 → 0.158325 s at 1e12.
    // bytes = 1e9 + 1e6·(30 cached + 150 new) = 1.18e9 → 0.0118 s at 1e11.
    // overhead = 0.01 + 0.001·2 sequences = 0.012 → seconds = 0.170325.
    // dynamic = 0.1·158.325 + 1·1.18 = 17.0125 J (cap leg 17.0125/800 = 0.021 s, not binding).
    // joules = 200·0.170325 + 17.0125 = 51.0775.
    const w = m.stepWork(prefill);
    expect(w).toEqual({ flops: 1.58325e11, bytes: 1.18e9, tokens: 150, sequences: 2 });
    const c = m.stepCost(prefill);
    expectClose(c.seconds, 0.170325);
    expectClose(c.joules, 51.0775);
  });

  it('decode step, memory-bound (through stepCost and decodeRunCost)', () => {
    const m = new StepCostModel(richWork, richParams);
    // n = 4 on a context sum of 400: FLOPs = (1e9 + 5e8)·4 + 1e6·(400 + 4) = 6.404e9 → 0.006404 s;
    // bytes = 1e9 + 1e6·(400 + 4) = 1.404e9 → 0.01404 s; overhead 0.01 + 0.001·4 = 0.014 → seconds 0.02804.
    // dynamic = 0.6404 + 1.404 = 2.0444 J; joules = 200·0.02804 + 2.0444 = 7.6524.
    const c = m.stepCost(decodeOnlyStep(4, 400));
    expectClose(c.seconds, 0.02804);
    expectClose(c.joules, 7.6524);
    const run = m.decodeRunCost(4, 400, 0, 1);
    expectClose(run.seconds, 0.02804);
    expectClose(run.joules, 7.6524);
    // Step k = 2 of a run starting at 400: context sum 408 → FLOPs 6.412e9, bytes 1.412e9 → 0.014 + 0.01412;
    // dynamic 0.6412 + 1.412 = 2.0532 J; joules 200·0.02812 + 2.0532 = 7.6772.
    expectClose(m.decodeRunCost(4, 400, 2, 3).seconds, 0.02812);
    expectClose(m.decodeRunCost(4, 400, 2, 3).joules, 7.6772);
    // Steps 0..2 together: seconds 0.02804 + 0.02808 + 0.02812 = 0.08424; joules 7.6524 + 7.6648 + 7.6772 = 22.9944.
    expectClose(m.decodeRunCost(4, 400, 0, 3).seconds, 0.08424);
    expectClose(m.decodeRunCost(4, 400, 0, 3).joules, 22.9944);
  });

  it('mixed step (prompt chunks + decodes)', () => {
    const m = new StepCostModel(richWork, richParams);
    const mixed: Step = { ...prefill, decodeCount: 4, decodeContextSum: 400 };
    // tokens 154, sampled 1 + 4 = 5, pairs 7825 + 404 = 8229.
    // FLOPs = 1.54e11 + 2.5e9 + 8.229e9 = 1.64729e11; bytes = 1e9 + 1e6·(30 + 400 + 154) = 1.584e9.
    // overhead = 0.01 + 0.001·6 = 0.016 → seconds = 0.016 + 0.164729 = 0.180729.
    // dynamic = 16.4729 + 1.584 = 18.0569; joules = 200·0.180729 + 18.0569 = 54.2027.
    const c = m.stepCost(mixed);
    expectClose(c.seconds, 0.180729);
    expectClose(c.joules, 54.2027);
  });

  it('power cap stretches a step: seconds = dynamic / (cap − floor), average power = cap', () => {
    const m = new StepCostModel(richWork, tinyParams({ perSequenceOverheadSeconds: 0.001, powerCapWatts: 250 }));
    // Headroom 250 − 200 = 50 W. Prefill: 17.0125 / 50 = 0.34025 s > 0.170325 s roofline.
    // joules = 200·0.34025 + 17.0125 = 85.0625 → 250 W.
    const p = m.stepCost(prefill);
    expectClose(p.seconds, 0.34025);
    expectClose(p.joules, 85.0625);
    expectClose(p.joules / p.seconds, 250);
    // Decode: 2.0444 / 50 = 0.040888 s > 0.02804 s; joules = 200·0.040888 + 2.0444 = 10.222 → 250 W.
    const d = m.stepCost(decodeOnlyStep(4, 400));
    expectClose(d.seconds, 0.040888);
    expectClose(d.joules, 10.222);
    expectClose(d.joules / d.seconds, 250);
    expectClose(m.decodeRunCost(4, 400, 0, 1).seconds, 0.040888);
  });

  it('a cap at or below the busy floor is refused', () => {
    expect(() => new StepCostModel(tinyWork(), tinyParams({ powerCapWatts: 200 }))).toThrow(/must exceed the busy floor/);
  });

  it('tensor parallel: per-GPU FLOPs and bytes halve, all-reduces add 2·layers·(latency + 2(N−1)/N·bytes/bw), GPUs double', () => {
    const one = new StepCostModel(tinyWork(), tinyParams());
    const two = new StepCostModel(tinyWork(), tinyParams({ gpusPerReplica: 2 }));
    const four = new StepCostModel(tinyWork(), tinyParams({ gpusPerReplica: 4 }));
    const p100: Step = { chunkNewTokens: [100], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 };
    // tp 1: no all-reduce. FLOPs 1e11 → 0.1 s; bytes 1e9 → 0.01 s; seconds 0.11; joules 200·0.11 + 10 + 1 = 33.
    expect(one.allReduceSeconds(100)).toBe(0);
    expectClose(one.stepCost(p100).seconds, 0.11);
    expectClose(one.stepCost(p100).joules, 33);
    // tp 2: message 100·1e4 = 1e6 B; one all-reduce 1e-5 + (2·1/2)·1e6/1e10 = 1.1e-4 s; 4 of them (2 × 2 layers)
    // = 4.4e-4 s. Per GPU: FLOPs 5e10 → 0.05 s, bytes 5e8 → 0.005 s. seconds = 0.01 + 4.4e-4 + 0.05 = 0.06044.
    // joules = 2 GPUs × (200·0.06044 + 5 + 0.5) = 2 × 17.588 = 35.176.
    expectClose(two.allReduceSeconds(100), 4.4e-4);
    expectClose(two.stepCost(p100).seconds, 0.06044);
    expectClose(two.stepCost(p100).joules, 35.176);
    // tp 4: one all-reduce 1e-5 + (2·3/4)·1e-4 = 1.6e-4; ×4 = 6.4e-4. Per GPU FLOPs 2.5e10 → 0.025 s.
    // seconds = 0.01064 + 0.025 = 0.03564; joules = 4 × (200·0.03564 + 2.5 + 0.25) = 39.512.
    expectClose(four.allReduceSeconds(100), 6.4e-4);
    expectClose(four.stepCost(p100).seconds, 0.03564);
    expectClose(four.stepCost(p100).joules, 39.512);
    // Decode n = 4 at tp 2: all-reduce 4·(1e-5 + 4·1e4/1e10) = 5.6e-5; per GPU FLOPs 2e9 → 0.002 s, bytes 5e8 →
    // 0.005 s; seconds = 0.010056 + 0.005 = 0.015056; joules = 2 × (200·0.015056 + 0.2 + 0.5) = 7.4224.
    expectClose(two.decodeRunCost(4, 0, 0, 1).seconds, 0.015056);
    expectClose(two.decodeRunCost(4, 0, 0, 1).joules, 7.4224);
    expectClose(two.stepCost(decodeOnlyStep(4, 0)).joules, 7.4224);
  });
});

function bruteSum(lines: readonly Line[], k0: number, k1: number): number {
  let s = 0;
  for (let k = k0; k < k1; k++) s += Math.max(...lines.map((l) => l.a + l.b * k));
  return s;
}

describe('sumMaxOfLines', () => {
  it('matches brute force on random lines (seeded)', () => {
    const r = rng('sumMaxOfLines');
    for (let trial = 0; trial < 400; trial++) {
      const count = randInt(r, 1, 4);
      const lines: Line[] = [];
      for (let i = 0; i < count; i++) lines.push({ a: (r() - 0.5) * 100, b: (r() - 0.5) * 4 });
      const k0 = randInt(r, 0, 30);
      const k1 = k0 + randInt(r, 0, 80);
      const brute = bruteSum(lines, k0, k1);
      const scale = lines.reduce((s, l) => s + Math.abs(l.a) + Math.abs(l.b) * k1, 0) * Math.max(1, k1 - k0);
      expect(Math.abs(sumMaxOfLines(lines, k0, k1) - brute)).toBeLessThanOrEqual(1e-12 * scale);
      for (let k = k0; k < k1; k += 7) expect(maxOfLinesAt(lines, k)).toBe(Math.max(...lines.map((l) => l.a + l.b * k)));
    }
  });

  it('lines crossing exactly at an integer: the steeper one is on top after it', () => {
    // max(0, k − 5) over k = 0..9 = 1 + 2 + 3 + 4 = 10, in either order of the lines.
    expect(sumMaxOfLines([{ a: 0, b: 0 }, { a: -5, b: 1 }], 0, 10)).toBe(10);
    expect(sumMaxOfLines([{ a: -5, b: 1 }, { a: 0, b: 0 }], 0, 10)).toBe(10);
    // max(2 − k, 0, k − 6) over k = 0..9 = 2 + 1 + 0·5 + 1 + 2 + 3 = 9.
    expect(sumMaxOfLines([{ a: 0, b: 0 }, { a: 2, b: -1 }, { a: -6, b: 1 }], 0, 10)).toBe(9);
    // Starting on the crossing point itself.
    expect(sumMaxOfLines([{ a: 0, b: 0 }, { a: -5, b: 1 }], 5, 8)).toBe(0 + 1 + 2);
  });

  it('small integer lines (many exact ties at integer steps) against brute force, also as a DecodeRunCurve', () => {
    const r = rng('integer lines');
    for (let trial = 0; trial < 400; trial++) {
      const lines: Line[] = [];
      for (let i = 0; i < 3; i++) lines.push({ a: randInt(r, 0, 12), b: randInt(r, -2, 2) });
      const k0 = randInt(r, 0, 10);
      const k1 = k0 + randInt(r, 0, 20);
      expect(sumMaxOfLines(lines, k0, k1)).toBe(bruteSum(lines, k0, k1));
      // Step times must be positive in a run; shift the lines up so that they are over [0, 40).
      const up = lines.map((l) => ({ a: l.a + 100, b: l.b }));
      const curve = new DecodeRunCurve(up, { a: 0, b: 0 }, 1, 1);
      expect(curve.secondsUpTo(k1)).toBe(bruteSum(up, 0, k1));
      expect(curve.seconds(k0, k1)).toBe(bruteSum(up, k0, k1));
    }
  });

  it('empty and single-line ranges', () => {
    expect(sumMaxOfLines([{ a: 1, b: 1 }], 3, 3)).toBe(0);
    expect(sumMaxOfLines([{ a: 1, b: 1 }, { a: 0, b: 2 }], 5, 2)).toBe(0);
    // Σ_{k=2}^{4} (1 + k) = 3 + 4 + 5.
    expect(sumMaxOfLines([{ a: 1, b: 1 }], 2, 5)).toBe(12);
  });
});

/**
 * Random models whose decode steps change regime within a run: the memory leg (1 GB of weights) is on top at small
 * context, the compute leg grows faster with attention (10-100 MFLOP per pair) and overtakes it after tens to
 * hundreds of steps; random caps add a third line that may win anywhere.
 */
function randomModel(r: () => number): StepCostModel {
  const work = tinyWork({
    lmHeadFlopsPerToken: r() * 1e9,
    attentionFlopsPerPair: 1e7 + r() * 9e7,
    kvBytesPerToken: r() * 1e5,
  });
  const params = tinyParams({
    perSequenceOverheadSeconds: r() * 1e-3,
    stepOverheadSeconds: r() * 0.02,
    joulesPerFlop: r() * 4e-10,
    joulesPerByte: r() * 4e-9,
    powerCapWatts: 300 + r() * 700,
    gpusPerReplica: randInt(r, 1, 3),
  });
  return new StepCostModel(work, params);
}

describe('decode runs in closed form', () => {
  it('decodeRunCost over K steps equals the sum of K single stepCost calls (1e-12 relative)', () => {
    const r = rng('decodeRunCost');
    let regimesSeen = 0;
    for (let trial = 0; trial < 60; trial++) {
      const m = randomModel(r);
      const n = randInt(r, 1, 16);
      const cs0 = randInt(r, 0, 50) * n;
      const k0 = randInt(r, 0, 20);
      const k1 = k0 + randInt(r, 1, 300);
      let seconds = 0;
      let joules = 0;
      const perStep: number[] = [];
      for (let k = k0; k < k1; k++) {
        const c = m.stepCost(decodeOnlyStep(n, cs0 + n * k));
        seconds += c.seconds;
        joules += c.joules;
        perStep.push(c.seconds);
      }
      const run = m.decodeRunCost(n, cs0, k0, k1);
      expectClose(run.seconds, seconds, 1e-12);
      expectClose(run.joules, joules, 1e-12);
      // Second differences of the step times are non-zero where the envelope switches line.
      for (let i = 2; i < perStep.length; i++) {
        if (Math.abs(perStep[i] - 2 * perStep[i - 1] + perStep[i - 2]) > 1e-9 * perStep[i]) {
          regimesSeen++;
          break;
        }
      }
    }
    // The random models do exercise runs that change regime midway.
    expect(regimesSeen).toBeGreaterThan(5);
  });

  it('decodeStepsToReach and decodeRunJoulesAt against brute force', () => {
    const r = rng('stepsToReach');
    for (let trial = 0; trial < 60; trial++) {
      const m = randomModel(r);
      const n = randInt(r, 1, 12);
      const cs0 = randInt(r, 0, 50) * n;
      const steps = randInt(r, 1, 300);
      const cumSeconds = [0];
      const cumJoules = [0];
      for (let k = 0; k < steps; k++) {
        const c = m.stepCost(decodeOnlyStep(n, cs0 + n * k));
        cumSeconds.push(cumSeconds[k] + c.seconds);
        cumJoules.push(cumJoules[k] + c.joules);
      }
      const total = cumSeconds[steps];
      for (let probe = 0; probe < 10; probe++) {
        const elapsed = r() * total * 1.1;
        // Fewest k ≥ 1 with cumulative time ≥ elapsed; the whole run when it ends first.
        let k = 1;
        while (k < steps && cumSeconds[k] < elapsed) k++;
        expect(m.decodeStepsToReach(n, cs0, steps, elapsed)).toBe(k);
        // Joules: whole steps before the one in progress, plus its elapsed fraction (constant power within a step).
        const inStep = Math.min(1, (elapsed - cumSeconds[k - 1]) / (cumSeconds[k] - cumSeconds[k - 1]));
        const expected = cumJoules[k - 1] + inStep * (cumJoules[k] - cumJoules[k - 1]);
        expectClose(m.decodeRunJoulesAt(n, cs0, steps, elapsed), expected, 1e-11);
      }
      // At an exact step boundary, and at or before the start.
      expect(m.decodeStepsToReach(n, cs0, steps, 0)).toBe(1);
      expect(m.decodeRunJoulesAt(n, cs0, steps, 0)).toBe(0);
      expectClose(m.decodeRunJoulesAt(n, cs0, steps, total), cumJoules[steps], 1e-11);
    }
  });

  it('a run whose memory leg overtakes the compute leg exactly at an integer step', () => {
    // Unit numbers so that every value is exact: n = 1, context 0; compute leg 7 s flat (7 FLOPs at 1 FLOP/s);
    // memory leg 2 + k s (1 B of weights + 1 B of KV per context token at 1 B/s). They tie at k = 5.
    // No dynamic energy, floor 0 W (cap 1 W). Σ_{k=0}^{9} max(7, 2 + k) = 6·7 + 8 + 9 + 10 + 11 = 80.
    const work = tinyWork({ matmulFlopsPerToken: 7, kvBytesPerToken: 1, weightBytesPerStep: () => 1 });
    const params = tinyParams({
      stepOverheadSeconds: 0,
      computeFlopsPerSecond: 1,
      memoryBytesPerSecond: 1,
      joulesPerFlop: 0,
      joulesPerByte: 0,
      busyBaseWatts: 0,
      powerCapWatts: 1,
    });
    const m = new StepCostModel(work, params);
    expect(m.stepCost(decodeOnlyStep(1, 0)).seconds).toBe(7);
    expect(m.stepCost(decodeOnlyStep(1, 9)).seconds).toBe(11);
    expect(m.decodeRunCost(1, 0, 0, 10).seconds).toBe(80);
    expect(m.decodeRunCost(1, 0, 5, 10).seconds).toBe(7 + 8 + 9 + 10 + 11);
    // Cumulative 7, 14, ..., 42 (k = 6), 50, 59: 45 s is reached after step 7.
    expect(m.decodeStepsToReach(1, 0, 10, 45)).toBe(7);
  });

  it('hand case: decodeStepsToReach on a constant-time run', () => {
    // tinyWork, n = 2: every step is memory-bound at 0.01 + 1e9/1e11 = 0.02 s; 5.2 J (200·0.02 + 0.2 + 1).
    const m = new StepCostModel(tinyWork(), tinyParams());
    expect(m.decodeStepsToReach(2, 0, 10, 0.001)).toBe(1);
    expect(m.decodeStepsToReach(2, 0, 10, 0.05)).toBe(3); // boundaries 0.02, 0.04, 0.06
    expect(m.decodeStepsToReach(2, 0, 10, 5)).toBe(10);
    // 0.05 s in: two whole steps (10.4 J) and half of the third (2.6 J).
    expectClose(m.decodeRunJoulesAt(2, 0, 10, 0.05), 13);
  });
});
