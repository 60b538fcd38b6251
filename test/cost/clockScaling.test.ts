/**
 * A locked SM clock in the cost model (sim/cost/clockScaling.ts): hand-computed steps in both cost forms, decode runs'
 * closed form against the general step path under a locked clock (and under a cap on top), the identity at the top
 * clock, the refusal on GPUs without a curve, and the shape of the energy-vs-clock curve on the H200 profiles
 * against what Ma et al. 2026 publish for H200 decode (docs/COST-MODEL.md, "Locked SM clocks").
 */
import { describe, expect, it } from 'vitest';
import { buildCostModel } from '../../sim/cost/buildCostModel.js';
import { type ClockCurve, clockScale, clockScaledParameters, relativeVoltageAt } from '../../sim/cost/clockScaling.js';
import type { KernelClassParameters } from '../../sim/cost/kernelClassCost.js';
import { decodeOnlyStep, type Step } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { loadStack } from '../../sim/model/stack.js';
import { expectClose, tinyParams, tinyWork } from '../core/helpers.js';

/** Voltage flat at half the top voltage up to 1000 MHz, linear to the top at 2000 MHz. */
const curve: ClockCurve = { minMhz: 500, maxMhz: 2000, relativeVoltage: [[500, 0.5], [1000, 0.5], [2000, 1]] };

const prefill = (tokens: number): Step => ({ chunkNewTokens: [tokens], chunkCachedTokens: [0], chunksProducingToken: 1, decodeCount: 0, decodeContextSum: 0 });
/** The same work as decodeOnlyStep(n, x), priced through the general step path (an empty chunk beside it). */
const viaGeneralPath = (n: number, x: number, masked = false): Step => ({ chunkNewTokens: [0], chunkCachedTokens: [0], chunksProducingToken: 0, decodeCount: n, decodeContextSum: x, masked });

describe('the voltage curve and its scale factors', () => {
  it('interpolates the curve and derives speed, energy per operation and dynamic power by hand', () => {
    expect(relativeVoltageAt(curve, 300)).toBe(0.5);
    expect(relativeVoltageAt(curve, 1500)).toBeCloseTo(0.75, 12);
    expect(relativeVoltageAt(curve, 2500)).toBe(1);
    const s = clockScale(curve, 1500);
    expectClose(s.speed, 0.75, 1e-12);
    expectClose(s.energyPerOperation, 0.5625, 1e-12);
    expectClose(s.dynamicPower, 0.421875, 1e-12);
  });
});

describe('roofline form under a locked clock', () => {
  const half = clockScale(curve, 1000); // speed 0.5, V² 0.25, f·V² 0.125
  it('a compute-bound prefill takes twice as long for a quarter of the dynamic energy per FLOP (by hand)', () => {
    const boost = new StepCostModel(tinyWork(), tinyParams()).stepCost(prefill(1000));
    // 1 TFLOP at 1 TFLOP/s + 10 ms; 200 W × 1.01 s + 100 J (FLOPs) + 1 J (bytes) = 303 J.
    expectClose(boost.seconds, 1.01, 1e-12);
    expectClose(boost.joules, 303, 1e-12);
    const locked = new StepCostModel(tinyWork(), clockScaledParameters(tinyParams(), half)).stepCost(prefill(1000));
    // 1 TFLOP at 0.5 TFLOP/s + 10 ms; busy floor 100 + 100 × 0.125 = 112.5 W; 25 J (FLOPs) + 1 J (bytes).
    expectClose(locked.seconds, 2.01, 1e-12);
    expectClose(locked.joules, 112.5 * 2.01 + 26, 1e-12);
  });

  it('a bandwidth-bound decode step keeps its time and loses only clocked power (by hand)', () => {
    const boost = new StepCostModel(tinyWork(), tinyParams()).stepCost(decodeOnlyStep(4, 0));
    const locked = new StepCostModel(tinyWork(), clockScaledParameters(tinyParams(), half)).stepCost(decodeOnlyStep(4, 0));
    // Memory leg 10 ms + 1 GB / 100 GB/s = 20 ms either way; the compute leg grows from 14 ms to 18 ms, still under.
    expectClose(boost.seconds, 0.02, 1e-12);
    expectClose(locked.seconds, 0.02, 1e-12);
    expectClose(boost.joules, 200 * 0.02 + 0.4 + 1, 1e-12);
    expectClose(locked.joules, 112.5 * 0.02 + 0.1 + 1, 1e-12);
  });

  it('a power cap still stretches a step, now on top of the clock: less energy than the cap alone at the same cap', () => {
    // The old cap-only model: 101 J of dynamic energy under 250 − 200 W of headroom = 2.02 s at 250 W = 505 J.
    const capOnly = new StepCostModel(tinyWork(), tinyParams({ powerCapWatts: 250 })).stepCost(prefill(1000));
    expectClose(capOnly.seconds, 2.02, 1e-12);
    expectClose(capOnly.joules, 505, 1e-12);
    // Locked at half clock the step draws 112.5 + 26 / 2.01 ≈ 125 W: under the cap, so compute-bound at 2.01 s.
    const locked = new StepCostModel(tinyWork(), clockScaledParameters(tinyParams({ powerCapWatts: 250 }), half)).stepCost(prefill(1000));
    expectClose(locked.seconds, 2.01, 1e-12);
    expectClose(locked.joules, 112.5 * 2.01 + 26, 1e-12);
    // Under a tighter cap (120 W) the locked step stretches: 26 J / (120 − 112.5) W.
    const tight = new StepCostModel(tinyWork(), clockScaledParameters(tinyParams({ powerCapWatts: 120 }), half)).stepCost(prefill(1000));
    expectClose(tight.seconds, 26 / 7.5, 1e-12);
    expectClose(tight.joules / tight.seconds, 120, 1e-12);
  });

  it('the top clock changes nothing', () => {
    const a = new StepCostModel(tinyWork(), tinyParams());
    const b = new StepCostModel(tinyWork(), clockScaledParameters(tinyParams(), clockScale(curve, 2000)));
    for (const step of [prefill(300), decodeOnlyStep(8, 8000)]) expect(b.stepCost(step)).toEqual(a.stepCost(step));
  });
});

/** As in kernelClassCost.test.ts: 1 TFLOP/s GEMMs, 100 GB/s streaming, attention 0.5 TFLOP/s + 50 GB/s, copies 25 GB/s. */
const kc: KernelClassParameters = {
  rates: { gemmFlopsPerSecond: 1e12, gemmBytesPerSecond: 1e11, attentionFlopsPerSecond: 5e11, attentionBytesPerSecond: 5e10, maskedAttentionFlopsPerSecond: 2e11, copyBytesPerSecond: 2.5e10, kernelFloorSeconds: 2e-6 },
  powers: { gemmWatts: 100, gemmComputeWatts: 300, attentionWatts: 200, copyWatts: 50 },
  software: { attention: 'fused-or-masked-materialized', kvCache: 'concat', activationPassesPerLayer: 10, kernelsPerStep: 100, hostOverlappedSeconds: 0.005, hostPerSequenceSeconds: 0, hostSerialSeconds: 0.001 },
};
const kcWork = tinyWork({ attentionFlopsPerPair: 1e6, kvBytesPerToken: 1000, kvGroupSize: 4, activationPassBytes: 100 });

describe('kernel-class form under a locked clock', () => {
  const half = clockScale(curve, 1000);

  it('scales the FLOP legs and the kernel floor with the clock and every class power by f·V² (by hand)', () => {
    const p = clockScaledParameters(tinyParams({ busyBaseWatts: 150, idleWatts: 150, kernelClasses: kc }), half);
    const k = p.kernelClasses!;
    expect(k.rates).toEqual({ ...kc.rates, gemmFlopsPerSecond: 5e11, attentionFlopsPerSecond: 2.5e11, maskedAttentionFlopsPerSecond: 1e11, kernelFloorSeconds: 4e-6 });
    expect(k.powers).toEqual({ gemmWatts: 12.5, gemmComputeWatts: 37.5, attentionWatts: 25, copyWatts: 6.25 });
    expect(p.busyBaseWatts).toBe(150);
    // Decode, 4 sequences over 4000 cached tokens: GEMM max(4 GFLOP / 0.5 TFLOP/s, 1 GB / 100 GB/s) = 10 ms
    // (compute leg 8 ms); attention 4.004e9 / 2.5e11 + 4.004e6 / 5e10; copies 8.012e6 B / 25 GB/s; floor 0.4 ms.
    const c = new StepCostModel(kcWork, p).stepCost(viaGeneralPath(4, 4000));
    const attn = 4.004e9 / 2.5e11 + 4.004e6 / 5e10;
    const copy = 8.012e6 / 2.5e10;
    const gpu = 0.01 + attn + copy + 4e-4;
    expectClose(c.seconds, gpu + 0.001, 1e-12);
    expectClose(c.joules, 150 * (gpu + 0.001) + 12.5 * 0.01 + 37.5 * 0.008 + 25 * attn + 6.25 * (copy + 4e-4), 1e-12);
  });

  for (const [name, cap, masked] of [['uncapped', 1000, false], ['masked', 1000, true], ['under a 160 W cap', 160, false]] as const) {
    it(`a decode run's closed form equals the general step path, step by step (${name})`, () => {
      const m = new StepCostModel(kcWork, clockScaledParameters(tinyParams({ busyBaseWatts: 150, idleWatts: 150, powerCapWatts: cap, kernelClasses: kc }), half));
      for (const [n, s0, k] of [[1, 100, 50], [8, 8 * 3000, 200], [32, 32 * 100, 300]]) {
        let seconds = 0;
        let joules = 0;
        for (let i = 0; i < k; i++) {
          const step = m.stepCost(viaGeneralPath(n, s0 + i * n, masked));
          seconds += step.seconds;
          joules += step.joules;
        }
        const run = m.decodeRunCost(n, s0, 0, k, masked);
        expectClose(run.seconds, seconds, 1e-9);
        expectClose(run.joules, joules, 1e-9);
      }
    });
  }

  it('the roofline decode run keeps its closed form under a clock too', () => {
    const m = new StepCostModel(tinyWork({ attentionFlopsPerPair: 2e6, kvBytesPerToken: 2000 }), clockScaledParameters(tinyParams({ powerCapWatts: 230 }), half));
    let seconds = 0;
    let joules = 0;
    for (let i = 0; i < 400; i++) {
      const step = m.stepCost(viaGeneralPath(16, 16 * 500 + i * 16));
      seconds += step.seconds;
      joules += step.joules;
    }
    const run = m.decodeRunCost(16, 16 * 500, 0, 400);
    expectClose(run.seconds, seconds, 1e-9);
    expectClose(run.joules, joules, 1e-9);
  });
});

describe('clock locking on real GPU files', () => {
  const selection = (gpu: string, stack: string) => ({ gpu: loadGpu(gpu), arch: loadArchitecture('llama-3.1-8b'), stack: loadStack(stack), tp: 1, mode: 'auto' as const });

  it('is refused with one line on a GPU with no curve on file, and outside the supported range', () => {
    expect(() => buildCostModel({ ...selection('a100-sxm', 'vllm'), smClockMhz: 1000, smClockSource: { file: 'ctl', place: '' } })).toThrow(
      /^ctl: locks the SM clock at 1000 MHz, but a100-sxm has no published voltage-frequency curve on file \(models\/gpus\/a100-sxm\.json has no sm_clocks\), so clock locking is refused there$/,
    );
    expect(() => buildCostModel({ ...selection('h200', 'hf-eager'), smClockMhz: 2100, smClockSource: { file: 'ctl', place: '' } })).toThrow(
      /^ctl: locks the SM clock at 2100 MHz, outside the 345-1980 MHz h200 supports$/,
    );
  });

  it("reproduces the published H200 shape: decode saves up to about a third of its energy at little time cost, prefill slows ∝ 1/f with an energy minimum below the top clock", () => {
    const at = (mhz: number, stack: string) => buildCostModel({ ...selection('h200', stack), smClockMhz: mhz }).model;
    const clocks = [1980, 1800, 1600, 1400, 1200, 1000];
    for (const stack of ['hf-eager', 'hf-paged']) {
      const decode = clocks.map((f) => at(f, stack).stepCost(decodeOnlyStep(16, 16 * 1024)));
      const prefillCost = clocks.map((f) => at(f, stack).stepCost(prefill(2048)));
      // Decode energy per token falls monotonically with the clock; saving at 1000-1200 MHz within 20-40%
      // (published: up to 32%), step time within 5%, decode power within the published 137-300 W.
      for (let i = 1; i < clocks.length; i++) expect(decode[i].joules).toBeLessThan(decode[i - 1].joules);
      const saving = 1 - decode[clocks.indexOf(1200)].joules / decode[0].joules;
      expect(saving).toBeGreaterThan(0.2);
      expect(saving).toBeLessThan(0.4);
      expect(decode[clocks.indexOf(1200)].seconds / decode[0].seconds).toBeLessThan(1.05);
      for (const d of decode) {
        expect(d.joules / d.seconds).toBeGreaterThan(137);
        expect(d.joules / d.seconds).toBeLessThan(300);
      }
      // Prefill time grows as the clock falls; its energy has a minimum strictly inside the range (a U, not a ramp).
      for (let i = 1; i < clocks.length; i++) expect(prefillCost[i].seconds).toBeGreaterThan(prefillCost[i - 1].seconds);
      const e = [...clocks, 800, 600].map((f) => at(f, stack).stepCost(prefill(2048)).joules);
      const min = e.indexOf(Math.min(...e));
      expect(min).toBeGreaterThan(0);
      expect(min).toBeLessThan(e.length - 1);
    }
  });
});
