/**
 * Mixture of experts: the fused-expert-kernel slowdown (19.70% at batch 1, 63% at batch 8; seed paper finding 3)
 * stretches the expert part of a step's time only, decode runs stay exact, and OLMoE-1B-7B lands between OLMo-1B
 * and OLMo-7B in energy.
 */
import { describe, expect, it } from 'vitest';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { expertSlowdown, expertWork, withFusedExpertEfficiency } from '../../sim/cost/moeEfficiency.js';
import { decodeOnlyStep } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { expectedDistinctExperts } from '../../sim/model/modelCosts.js';
import { expectClose, tinyParams } from '../core/helpers.js';
import { pct, runFixed } from './scenarioRuns.js';

const olmoe = loadArchitecture('olmoe-1b-7b');

describe('fused-expert-kernel slowdown', () => {
  it('is the paper’s 19.70% at batch 1 and 63% at batch 8 of OLMoE (0.125 and 1 token per expert)', () => {
    expectClose(expertSlowdown(1 * (8 / 64)), 0.197, 1e-12);
    expectClose(expertSlowdown(8 * (8 / 64)), 0.63, 1e-12);
  });

  it('is linear in tokens per expert between them and flat outside (no data beyond batch 8)', () => {
    expectClose(expertSlowdown(4.5 * (8 / 64)), (0.197 + 0.63) / 2, 1e-12);
    expect(expertSlowdown(0.01)).toBe(0.197);
    expect(expertSlowdown(64)).toBe(0.63);
    expect(expertSlowdown(4096)).toBe(0.63);
  });

  it('applies to the routed experts’ FLOPs and weight bytes: OLMoE at one token', () => {
    // One expert: 3 × 2048 × 1024 = 6,291,456 parameters; a token goes through 8 of 64 per layer, 16 layers.
    const perExpert = 3 * 2048 * 1024;
    const x = expertWork(olmoe, 1);
    expect(x.flops).toBe(1 * 2 * 8 * perExpert * 16);
    expectClose(expectedDistinctExperts(olmoe, 1), 8, 1e-12);
    expectClose(x.bytes, 16 * 8 * perExpert * 2, 1e-12);
    const work = withFusedExpertEfficiency(modelWorkFor(olmoe), olmoe);
    const extra = work.timeOnlyWork!(1);
    expectClose(extra.flops, 0.197 * x.flops, 1e-12);
    expectClose(extra.bytes, 0.197 * x.bytes, 1e-12);
    // Dense models are untouched.
    const dense = modelWorkFor(loadArchitecture('olmo-1b'));
    expect(withFusedExpertEfficiency(dense, loadArchitecture('olmo-1b'))).toBe(dense);
  });

  it('stretches the step time but not the dynamic energy: a batch-8 decode step by hand', () => {
    const plain = modelWorkFor(olmoe);
    const slow = withFusedExpertEfficiency(plain, olmoe);
    // Dynamic energy small enough that the power cap never binds: 0.1 J/TFLOP, 10 J/TB.
    const params = tinyParams({ memoryBytesPerSecond: 2e12, computeFlopsPerSecond: 5e14, stepOverheadSeconds: 0.002, joulesPerFlop: 1e-13, joulesPerByte: 1e-11 });
    const base = new StepCostModel(plain, params);
    const moe = new StepCostModel(slow, params);
    const step = decodeOnlyStep(8, 8 * 100);
    const w = base.stepWork(step);
    const x = expertWork(olmoe, 8);
    // Memory-bound: 0.002 + (bytes + 0.63 · expert bytes) / 2 TB/s.
    const seconds = 0.002 + (w.bytes + 0.63 * x.bytes) / 2e12;
    expect(0.002 + (w.flops + 0.63 * x.flops) / 5e14).toBeLessThan(seconds);
    const dynamic = 1e-13 * w.flops + 1e-11 * w.bytes;
    const c = moe.stepCost(step);
    expectClose(c.seconds, seconds, 1e-12);
    expectClose(c.joules, 200 * seconds + dynamic, 1e-12);
    const b = base.stepCost(step);
    expect(c.seconds).toBeGreaterThan(b.seconds);
    // The extra energy is exactly the busy floor over the extra time.
    expectClose(c.joules - b.joules, 200 * (c.seconds - b.seconds), 1e-9);
  });

  it('keeps decode runs exact: a run of fixed batch equals its steps one by one', () => {
    const model = new StepCostModel(withFusedExpertEfficiency(modelWorkFor(olmoe), olmoe), tinyParams({ memoryBytesPerSecond: 2e12, computeFlopsPerSecond: 5e14 }));
    for (const n of [1, 3, 8, 40]) {
      let seconds = 0;
      let joules = 0;
      for (let k = 0; k < 50; k++) {
        const c = model.stepCost(decodeOnlyStep(n, n * 300 + n * k));
        seconds += c.seconds;
        joules += c.joules;
      }
      const run = model.decodeRunCost(n, n * 300, 0, 50);
      expectClose(run.seconds, seconds, 1e-9);
      expectClose(run.joules, joules, 1e-9);
    }
  });
});

/**
 * Finding 3: OLMoE-1B-7B uses up to 54.24% more energy than OLMo-1B (similar active parameters) and far less than
 * OLMo-7B (similar total parameters). H100 SXM, offline, input 512, output 64, static batches.
 */
describe('direction on an H100: OLMo-1B < OLMoE-1B-7B < OLMo-7B in energy', () => {
  const energy = (model: string, b: number, stack = 'hf-eager') =>
    runFixed({ model, stack, scheduler: { kind: 'static', batch_size: b } }, { count: Math.max(16, 2 * b) }).energy_j;

  for (const stack of ['hf-eager', 'vllm']) {
    for (const b of [1, 8, 64]) {
      it(`${stack}, batch ${b}`, () => {
        const small = energy('olmo-1b', b, stack);
        const moe = energy('olmoe-1b-7b', b, stack);
        const big = energy('olmo-7b', b, stack);
        expect(moe).toBeGreaterThan(small);
        expect(moe).toBeLessThan(big);
      });
    }
  }

  it('the MoE premium over OLMo-1B grows from batch 1 to batch 8 (the paper: more pronounced at larger batch)', () => {
    const premium = (b: number) => pct(energy('olmoe-1b-7b', b), energy('olmo-1b', b));
    expect(premium(8)).toBeGreaterThan(premium(1));
  });
});
