/**
 * A kernel-class profile carried to another GPU: each class by what bounds it (sim/cost/kernelRateCarry.ts), and the
 * one power level fitted when the target's records have no kernel profiles (calibration/fit/fitKernelProfile.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { carryRates, type ProfileRates } from '../../sim/cost/kernelRateCarry.js';
import { kernelCalibratedParameters } from '../../sim/cost/kernelProfileParameters.js';
import type { KernelProfile } from '../../sim/cost/kernelProfileSchema.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { fitKernelHostOnly, kernelMeasurement, recordClassSeconds } from '../../calibration/fit/fitKernelProfile.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu, type Gpu } from '../../sim/model/gpu.js';
import { expectClose } from '../core/helpers.js';

const rates: ProfileRates = {
  gemm_tflops: 700,
  gemm_bandwidth_gb_s: 4000, // 4000 / 4800 = 83.3% of the H200's peak: the best streaming share, HBM-bound
  attention_tflops: 400,
  attention_bandwidth_gb_s: 2400, // 50%: SM-bound
  masked_attention_tflops: 150,
  masked_attention_bandwidth_gb_s: 3950, // 82.3%, within 97% of the best: HBM-bound
  copy_bandwidth_gb_s: 1500, // 31%: SM-bound
  kernel_floor_us: 2.5,
};

describe('carrying kernel-class rates between GPUs', () => {
  const h200 = loadGpu('h200', 'test');
  const h100 = loadGpu('h100-sxm', 'test');
  const a100 = loadGpu('a100-sxm', 'test');

  it('H200 → H100 (same SMs, slower HBM): HBM-bound legs × 3350/4800, SM-bound legs unchanged unless over the cap', () => {
    const c = carryRates(rates, h200, h100);
    const bw = 3350 / 4800;
    expectClose(c.streamingShare, 4000 / 4800);
    expectClose(c.rates.gemm_bandwidth_gb_s, 4000 * bw);
    expectClose(c.rates.masked_attention_bandwidth_gb_s!, 3950 * bw);
    expectClose(c.rates.attention_bandwidth_gb_s, 2400); // below 83.3% × 3350 = 2791.7
    expectClose(c.rates.copy_bandwidth_gb_s, 1500);
    expectClose(c.rates.gemm_tflops, 700); // same bf16 peak
    expect(c.rates.kernel_floor_us).toBe(2.5);
  });

  it('an SM-bound leg is capped at the best streaming share of the target bandwidth', () => {
    const fast = { ...rates, copy_bandwidth_gb_s: 3000 }; // 62.5% on the H200: SM-bound; the H100 can give 2791.7
    expectClose(carryRates(fast, h200, h100).rates.copy_bandwidth_gb_s, (4000 / 4800) * 3350);
  });

  it('H200 → A100: SM-bound legs × (108 × 1410) / (132 × 1980), FLOP legs × the bf16 peak ratio', () => {
    const c = carryRates(rates, h200, a100);
    const sm = (108 * 1410) / (132 * 1980);
    expectClose(c.rates.copy_bandwidth_gb_s, 1500 * sm);
    expectClose(c.rates.attention_bandwidth_gb_s, 2400 * sm);
    expectClose(c.rates.gemm_bandwidth_gb_s, 4000 * (2039 / 4800));
    expectClose(c.rates.gemm_tflops, 700 * (312 / 989.4));
  });

  it('without SM data on either GPU every byte leg takes the bandwidth ratio, and the notes say so', () => {
    const bare: Gpu = { ...h100, streaming_multiprocessors: undefined };
    const c = carryRates(rates, h200, bare);
    expectClose(c.rates.copy_bandwidth_gb_s, 1500 * (3350 / 4800));
    expect(c.notes.join(' ')).toContain('no SM data');
  });

  it('carries back and forth between the H100 and H200 to the same rates (their SMs are the same)', () => {
    const there = carryRates(rates, h200, h100).rates;
    const back = carryRates(there, h100, h200).rates;
    for (const k of ['gemm_bandwidth_gb_s', 'attention_bandwidth_gb_s', 'masked_attention_bandwidth_gb_s', 'copy_bandwidth_gb_s'] as const) expectClose(back[k]!, rates[k]!, 1e-12);
  });
});

describe('one power level fitted on another GPU’s records', () => {
  it('recovers the factor the records were made with, and clips each power to cap − warm idle', () => {
    const profile = JSON.parse(readFileSync('calibration/profiles/h200/llama-3.1-8b/hf-eager.json', 'utf8')) as KernelProfile;
    const gpu = loadGpu('h200', 'test');
    const kc = kernelCalibratedParameters(profile, gpu, 1, undefined, 'test').kernelClasses!;
    const w = modelWorkFor(loadArchitecture('llama-3.1-8b'));
    const warmIdleW = 120;
    const capW = 700;
    const level = 0.8;
    const p = profile.power;
    const ms = [1, 8, 32].map((n) => {
      const record = {
        label: `decode b${n}`,
        steps: [{ kind: 'prefill', count: n, new_tokens: 512, cached_tokens: 0 }, { kind: 'decode', n, context_sum: n * 513, repeat: 15 }],
        seconds: [1],
        joules: [0],
        seconds_median: 1,
        joules_median: 0,
      };
      const c = recordClassSeconds(kc, w, kernelMeasurement(record as never, false).record);
      const floor = c.steps.length * kc.software.kernelsPerStep * kc.rates.kernelFloorSeconds;
      const dynamic = level * (p.gemm_active_w * c.gemm + p.gemm_compute_active_w * c.gemmCompute + p.attention_active_w * c.attention + p.copy_active_w * (c.copy + floor));
      const joules = warmIdleW * 1 + dynamic;
      return kernelMeasurement({ ...record, joules: [joules], joules_median: joules } as never, false);
    });
    const gpuPart = {
      rates: { ...profile.rates, masked_attention_tflops: profile.rates.masked_attention_tflops!, masked_attention_bandwidth_gb_s: profile.rates.masked_attention_bandwidth_gb_s!, activation_passes_per_layer: profile.software.activation_passes_per_layer },
      power: { gemm_active_w: p.gemm_active_w, gemm_compute_active_w: p.gemm_compute_active_w, attention_active_w: p.attention_active_w, copy_active_w: p.copy_active_w },
      kernelsPerStep: profile.software.kernels_per_step,
      source: 'the test profile',
    };
    const fit = fitKernelHostOnly(ms, w, { attention: 'fused-or-masked-materialized', kvCache: 'concat' }, gpuPart, { mode: 'level', warmIdleW, capW });
    expectClose(fit.power.copy_active_w, level * p.copy_active_w, 1e-9);
    expectClose(fit.power.attention_active_w, level * p.attention_active_w, 1e-9);
    expect(fit.identification.copy_active_w).toContain('× 0.800');
    // a level that would push a class over the board's headroom is clipped there
    const hot = fitKernelHostOnly(ms, w, { attention: 'fused-or-masked-materialized', kvCache: 'concat' }, { ...gpuPart, power: { ...gpuPart.power, gemm_compute_active_w: 2 * (capW - warmIdleW) } }, { mode: 'level', warmIdleW, capW });
    expect(hot.power.gemm_compute_active_w).toBeLessThanOrEqual(capW - warmIdleW);
  });
});
