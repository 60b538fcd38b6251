/**
 * The kernel-class cost model (docs/COST-MODEL.md): a hand-computed step, the masked path's K/V copies, the decode
 * run's closed form against the step-by-step sum (also under the power cap), and the fitter's bounded least squares
 * and its fit of the checked-in H200 measurements (every rate under the datasheet, every power under the cap).
 */
import { describe, expect, it } from 'vitest';
import { boundedLeastSquares, kernelMeasurement, measuredSerialGap } from '../../calibration/fit/fitKernelProfile.js';
import { fitCommand } from '../../calibration/fit/fitCommand.js';
import type { KernelClassParameters } from '../../sim/cost/kernelClassCost.js';
import { decodeOnlyStep } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { SpeculativeRoundCost } from '../../sim/cost/speculativeRoundCost.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { expectClose, tinyParams, tinyWork } from '../core/helpers.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** 1 TFLOP/s GEMMs, 100 GB/s weight streaming, attention 0.5 TFLOP/s + 50 GB/s, copies 25 GB/s, 2 µs × 100 kernels. */
function kc(over: Partial<KernelClassParameters['software']> = {}): KernelClassParameters {
  return {
    rates: {
      gemmFlopsPerSecond: 1e12,
      gemmBytesPerSecond: 1e11,
      attentionFlopsPerSecond: 5e11,
      attentionBytesPerSecond: 5e10,
      copyBytesPerSecond: 2.5e10,
      kernelFloorSeconds: 2e-6,
    },
    powers: { gemmWatts: 100, gemmComputeWatts: 300, attentionWatts: 200, copyWatts: 50 },
    software: {
      attention: 'fused-or-masked-materialized',
      kvCache: 'concat',
      activationPassesPerLayer: 10,
      kernelsPerStep: 100,
      hostOverlappedSeconds: 0.005,
      hostPerSequenceSeconds: 0,
      hostSerialSeconds: 0.001,
      ...over,
    },
  };
}

// 1 GFLOP and 1 GB of weights per token / step; attention 1e6 FLOPs per pair; 1000 B of K/V per token; GQA group 4;
// one activation pass = 100 B.
const work = tinyWork({ attentionFlopsPerPair: 1e6, kvBytesPerToken: 1000, kvGroupSize: 4, activationPassBytes: 100 });

describe('kernel-class step cost', () => {
  it('prices a decode step of 4 sequences over 4000 cached tokens by hand', () => {
    const m = new StepCostModel(work, tinyParams({ busyBaseWatts: 150, idleWatts: 100, kernelClasses: kc() }));
    const c = m.stepCost(decodeOnlyStep(4, 4000));
    // GEMM: max(4 GFLOP / 1 TFLOP/s, 1 GB / 100 GB/s) = max(4 ms, 10 ms) = 10 ms; compute leg 4 ms.
    // Attention (unmasked, fused): 4004 keys → 4.004e9 FLOP / 5e11 = 8.008 ms; 4.004e6 B / 5e10 = 0.08008 ms.
    // Copies: concat 2 × 1000 × 4004 = 8.008e6 B; activation passes 10 × 100 × 4 = 4000 B → 8.012e6 / 2.5e10.
    // Floor: 100 × 2 µs = 0.2 ms.
    const gemm = 0.01;
    const attn = 4.004e9 / 5e11 + 4.004e6 / 5e10;
    const copy = (8.008e6 + 4000) / 2.5e10;
    const floor = 2e-4;
    const gpu = gemm + attn + copy + floor;
    expectClose(c.seconds, Math.max(0.005, gpu) + 0.001, 1e-12);
    const dynamic = 100 * gemm + 300 * 0.004 + 200 * attn + 50 * (copy + floor);
    expectClose(c.joules, 150 * c.seconds + dynamic, 1e-12);
  });

  it('a padded (masked) step materialises K/V: repeat_kv copies (1+g)× and attention reads g× the cache', () => {
    const m = new StepCostModel(work, tinyParams({ busyBaseWatts: 150, kernelClasses: kc() }));
    const plain = m.stepCost(decodeOnlyStep(4, 4000));
    const masked = m.stepCost({ ...decodeOnlyStep(4, 4000), masked: true });
    const extra = 4004 * 1000 * (1 + 4) / 2.5e10 + (4004 * 1000 * 4 - 4004 * 1000) / 5e10;
    expectClose(masked.seconds - plain.seconds, extra, 1e-9);
  });

  it('host-bound steps take the host’s time; the GPU work still draws its energy', () => {
    const m = new StepCostModel(work, tinyParams({ busyBaseWatts: 150, kernelClasses: kc({ hostOverlappedSeconds: 0.1 }) }));
    const c = m.stepCost(decodeOnlyStep(1, 10));
    expectClose(c.seconds, 0.1 + 0.001, 1e-12);
    expect(c.joules).toBeGreaterThan(150 * c.seconds);
  });

  for (const [name, cap, masked] of [['uncapped', 1000, false], ['masked', 1000, true], ['under a 300 W cap', 300, false]] as const) {
    it(`a decode run's closed form equals the step-by-step sum (${name})`, () => {
      const m = new StepCostModel(work, tinyParams({ busyBaseWatts: 150, powerCapWatts: cap, kernelClasses: kc() }));
      for (const [n, s0, k] of [[1, 100, 50], [8, 8 * 3000, 200], [32, 32 * 100, 1000]]) {
        let seconds = 0;
        let joules = 0;
        for (let i = 0; i < k; i++) {
          const step = m.stepCost({ ...decodeOnlyStep(n, s0 + i * n), masked });
          seconds += step.seconds;
          joules += step.joules;
        }
        const run = m.decodeRunCost(n, s0, 0, k, masked);
        expectClose(run.seconds, seconds, 1e-9);
        expectClose(run.joules, joules, 1e-9);
      }
    });
  }
});

describe('bounded least squares (class powers)', () => {
  it('recovers an exact solution inside the box and clips one outside it', () => {
    const rows = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]];
    expect(boundedLeastSquares(rows, [1, 2, 3, 6], [0, 0, 0], [10, 10, 10]).map((x) => Number(x.toFixed(9)))).toEqual([1, 2, 3]);
    const clipped = boundedLeastSquares(rows, [1, 2, 30, 33], [0, 0, 0], [10, 10, 10]);
    expect(clipped[2]).toBe(10);
  });
});

describe('the serial host time read off GPU-bound profiles', () => {
  // prefill + a decode run of 2 steps = 3 forward passes; the profiled execution ran the same steps
  const steps = [
    { kind: 'prefill', count: 2, new_tokens: 100, cached_tokens: 0 },
    { kind: 'decode', n: 2, context_sum: 200, repeat: 2 },
  ];
  const record = (label: string, wallSeconds: number, classSeconds: [number, number, number], profiledSteps = steps) =>
    kernelMeasurement(
      {
        label,
        steps,
        seconds: [wallSeconds],
        joules: [wallSeconds * 300],
        seconds_median: wallSeconds,
        joules_median: wallSeconds * 300,
        kernel_profile: {
          steps: profiledSteps,
          classes: {
            gemm: { seconds: classSeconds[0], kernels: 10 },
            attention: { seconds: classSeconds[1], kernels: 4 },
            elementwise: { seconds: classSeconds[2], kernels: 20 },
          },
        },
      } as never,
      false,
    );
  it('is the median idle gap per forward pass of records whose GPU was busy >= 90% of the wall time', () => {
    // busy 0.092 of 0.100 s -> 8 ms over 3 passes; busy 0.190 of 0.200 s -> 10 ms over 3; busy 0.05 of 0.1 (host-bound) and
    // a record whose profile ran other steps are left out
    const gap = measuredSerialGap([
      record('a', 0.1, [0.05, 0.02, 0.022]),
      record('b', 0.2, [0.1, 0.05, 0.04]),
      record('host-bound', 0.1, [0.03, 0.01, 0.01]),
      record('other steps', 0.1, [0.05, 0.02, 0.025], [steps[0]]),
    ]);
    expect(gap?.records).toEqual(['a', 'b']);
    expectClose(gap!.seconds, (0.008 / 3 + 0.01 / 3) / 2, 1e-9);
  });
  it('is not measured from fewer than two GPU-bound records (the fit then separates it)', () => {
    expect(measuredSerialGap([record('a', 0.1, [0.05, 0.02, 0.022]), record('host-bound', 0.1, [0.03, 0.01, 0.01])])).toBeNull();
  });
});

describe('fitting the checked-in H200 kernel profiles', () => {
  it('gives rates under the datasheet, active powers under the cap and a fit within 10% median', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joulesim-kfit-'));
    const m = 'calibration/measurements/h200/llama-3.1-8b';
    const { profile } = fitCommand([`${m}/hf-eager.json`, `${m}/hf-eager-prefill-mixed.json`], { out: join(dir, 'p.json') });
    const p = profile as { rates: Record<string, number>; power: Record<string, number>; fit: { time_error_pct: { median: number }; energy_error_pct: { median: number } } };
    const h200 = loadGpu('h200', 'test');
    expect(p.rates.gemm_tflops).toBeLessThanOrEqual(h200.bf16_dense_tflops);
    expect(p.rates.attention_tflops).toBeLessThanOrEqual(h200.bf16_dense_tflops);
    for (const k of ['gemm_bandwidth_gb_s', 'attention_bandwidth_gb_s', 'copy_bandwidth_gb_s']) expect(p.rates[k]).toBeLessThanOrEqual(h200.memory_bandwidth_gb_s);
    for (const k of ['gemm_active_w', 'gemm_compute_active_w', 'attention_active_w', 'copy_active_w']) {
      expect(p.power[k]).toBeGreaterThanOrEqual(0);
      expect(p.power[k]).toBeLessThanOrEqual(p.power.power_cap_w - p.power.warm_idle_w + 1e-6);
    }
    expect(p.fit.time_error_pct.median).toBeLessThan(10);
    expect(p.fit.energy_error_pct.median).toBeLessThan(10);
  }, 120_000);
});

describe('host time fitted on one machine (--host-from) and class powers on the stack (--refit-power)', () => {
  const m = 'calibration/measurements/h200/llama-3.1-8b';
  const all = [`${m}/hf-eager.json`, `${m}/hf-eager-prefill-mixed.json`, `${m}/hf-eager-s2.json`, `${m}/hf-eager-s2-padded-mixed.json`];
  type P = { rates: Record<string, number>; power: Record<string, number>; software: Record<string, number | string>; identification: Record<string, string> };

  it('keeps the GPU rates and powers of the fit on every record and changes only the host terms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joulesim-hostfrom-'));
    const every = fitCommand(all, { out: join(dir, 'a.json') }).profile as unknown as P;
    const one = fitCommand(all, { out: join(dir, 'b.json'), hostFrom: all.slice(2) }).profile as unknown as P;
    expect(one.rates).toEqual(every.rates);
    expect(one.power).toEqual(every.power);
    expect(one.software.host_overlapped_s).not.toBe(every.software.host_overlapped_s);
    expect(one.identification.host_overlapped_s).toContain('hf-eager-s2.json');
  }, 180_000);

  it('the checked-in H200 profiles are what their own provenance commands write today', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joulesim-regen-'));
    for (const stack of ['hf-eager', 'hf-paged']) {
      const path = `calibration/profiles/h200/llama-3.1-8b/${stack}.json`;
      const inTree = JSON.parse(readFileSync(path, 'utf8')) as P & { provenance: { command: string } };
      const words = inTree.provenance.command.split(/\s+/).slice(3); // after `joulesim calibrate fit`
      const files: string[] = [];
      const opts: { out: string; ratesFrom?: string; hostFrom?: string[]; refitPower?: boolean } = { out: join(dir, `${stack}.json`) };
      for (let i = 0; i < words.length; i++) {
        const w = words[i];
        if (w === '--out') i++;
        else if (w === '--rates-from') opts.ratesFrom = words[++i];
        else if (w === '--refit-power') opts.refitPower = true;
        else if (w === '--host-from') {
          opts.hostFrom = [];
          while (i + 1 < words.length && !words[i + 1].startsWith('--')) opts.hostFrom.push(words[++i]);
        } else files.push(w);
      }
      const again = fitCommand(files, opts).profile as unknown as P;
      expect(again.rates, stack).toEqual(inTree.rates);
      expect(again.power, stack).toEqual(inTree.power);
      expect(again.software, stack).toEqual(inTree.software);
    }
  }, 300_000);

  it('refuses a --host-from file that is not one of the measurements, and --refit-power without --rates-from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joulesim-hostfrom-bad-'));
    expect(() => fitCommand(all.slice(0, 2), { out: join(dir, 'x.json'), hostFrom: [all[2]] })).toThrow(/--host-from: .*hf-eager-s2\.json is not one of the measurement files given/);
    expect(() => fitCommand(all.slice(0, 2), { out: join(dir, 'y.json'), refitPower: true })).toThrow(/--refit-power: needs --rates-from/);
  }, 120_000);
});

describe('a speculative round from its lines in the context sum = priced directly', () => {
  // The round's lines are built from two evaluations of each part; priced directly, the draft's γ decode steps are a
  // decode run and the verification a step of n chunks of γ + 1 tokens on the cached contexts.
  const models: [string, StepCostModel][] = [
    ['kernel-class', new StepCostModel(work, tinyParams({ busyBaseWatts: 150, idleWatts: 100, kernelClasses: kc() }))],
    ['kernel-class, packed attention, cold shapes, power cap', new StepCostModel(work, tinyParams({ busyBaseWatts: 150, powerCapWatts: 400, coldShapeSeconds: 0.003, kernelClasses: kc({ attention: 'packed-masked-materialized' }) }))],
    ['roofline, cold shapes, packed', new StepCostModel(work, tinyParams({ coldShapeSeconds: 0.002, packedAttentionFlopsFactor: 2, overlappedOverheadSeconds: 0.03 }))],
    ['roofline under a low cap', new StepCostModel(work, tinyParams({ powerCapWatts: 260 }))],
  ];
  for (const [label, target] of models) {
    it(label, () => {
      const draft = new StepCostModel(work, tinyParams({ stepOverheadSeconds: 0.004, kernelClasses: kc({ hostSerialSeconds: 0.0005 }) }));
      for (const gamma of [1, 4, 7]) {
        const round = new SpeculativeRoundCost(target, draft, gamma);
        for (const n of [1, 3, 32, 200]) {
          for (const sum of [0, 17, 5000, 2_000_000]) {
            for (const masked of [false, true]) {
              const c = round.roundOf(n, sum, masked);
              const d = draft.decodeRunCost(n, sum, 0, gamma, masked);
              const v = target.uniformChunksCost(n, gamma + 1, sum, n * (gamma + 1), masked);
              // A line's slope is the difference of two evaluations: rounding of order ε · f(0) · x (a few 1e-12 at 2M
              // context tokens), the same as the decode-run lines'.
              expectClose(c.draftSeconds, d.seconds, 1e-10);
              expectClose(c.draftJoules, d.joules, 1e-10);
              expectClose(c.verifySeconds, v.seconds, 1e-10);
              expectClose(c.verifyJoules, v.joules, 1e-10);
              // And the verification priced from its per-chunk arrays.
              const contexts = Array.from({ length: n }, (_, i) => Math.floor(sum / n) + (i < sum % n ? 1 : 0));
              const step = new SpeculativeRoundCost(target, draft, gamma).verifyStep(contexts, masked);
              const direct = target.stepCost(step);
              expectClose(v.seconds, direct.seconds, 1e-12);
              expectClose(v.joules, direct.joules, 1e-12);
            }
          }
        }
      }
    });
  }
});
