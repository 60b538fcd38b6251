import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import type { Profile } from '../../sim/cost/profileSchema.js';
import { calibratedParameters, datasheetParameters, transferredParameters } from '../../sim/cost/resolveCostParameters.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { loadStack } from '../../sim/model/stack.js';
import { expectClose } from './helpers.js';

const h100 = loadGpu('h100-sxm');
const a100 = loadGpu('a100-sxm');
const vllm = loadStack('vllm');
/** The power priors are data the calibration work may revise; the test pins how they are used. */
const priors = JSON.parse(readFileSync(join(packageRoot, 'calibration', 'priors', 'datasheet-power.json'), 'utf8')) as {
  busy_base_fraction: number;
  compute_power_fraction: number;
  memory_power_fraction: number;
};

const profile: Profile = {
  format: 'joulesim-profile/1',
  gpu: 'h100-sxm',
  model: 'llama-3.1-8b',
  stack: 'vllm',
  coefficients: {
    step_overhead_s: 0.003,
    per_sequence_overhead_s: 2e-5,
    compute_tflops: 500,
    memory_bandwidth_gb_s: 2800,
    idle_w: 128,
    busy_base_w: 200,
    joules_per_tflop: 0.8,
    joules_per_gb: 0.1,
    power_cap_w: 650,
  },
  fitted_range: { batch_size: [1, 64], step_tokens: [1, 8192], context_tokens: [1, 4096] },
  fit: { records: 10, time_error_pct: { median: 1, p90: 2, max: 3 }, energy_error_pct: { median: 1, p90: 2, max: 3 } },
  provenance: {},
};

describe('cost parameters', () => {
  it('datasheet roofline: stack efficiencies on the datasheet, power priors on the idle-to-TDP span', () => {
    // H100: 989.4 TFLOP/s × 0.55, 3350 GB/s × 0.85, idle 128 W, TDP 700 W (span 572 W).
    // Priors (0.1, 1.0, 0.55 when written): busy floor idle + 0.1 × span = 185.2 W; compute at the achieved rate
    // draws 1.0 × span: e_f = 572 / compute; streaming at the achieved bandwidth 0.55 × span: e_b = 314.6 / bandwidth.
    const p = datasheetParameters(h100, vllm, 2, undefined);
    // (Datasheet and stack numbers are read from their files, which others may revise.)
    const compute = h100.bf16_dense_tflops * 1e12 * vllm.compute_efficiency;
    const bandwidth = h100.memory_bandwidth_gb_s * 1e9 * vllm.memory_efficiency;
    const span = h100.tdp_w - h100.idle_w;
    expect(p.provenance.kind).toBe('datasheet');
    expect(p.gpusPerReplica).toBe(2);
    expectClose(p.computeFlopsPerSecond, compute);
    expectClose(p.memoryBytesPerSecond, bandwidth);
    expect(p.idleWatts).toBe(h100.idle_w);
    expectClose(p.busyBaseWatts, h100.idle_w + priors.busy_base_fraction * span);
    expectClose(p.joulesPerFlop, (priors.compute_power_fraction * span) / compute);
    expectClose(p.joulesPerByte, (priors.memory_power_fraction * span) / bandwidth);
    expect(p.powerCapWatts).toBe(h100.tdp_w);
    expect(p.stepOverheadSeconds).toBe(vllm.step_overhead_s);
    expectClose(p.interconnectBytesPerSecond, h100.interconnect.bandwidth_gb_s * 1e9);
    expectClose(p.interconnectLatencySeconds, h100.interconnect.latency_us * 1e-6);
    // A user cap lowers it; one above the TDP does not raise it.
    expect(datasheetParameters(h100, vllm, 1, 400).powerCapWatts).toBe(400);
    expect(datasheetParameters(h100, vllm, 1, 900).powerCapWatts).toBe(700);
  });

  it('calibrated: the profile’s coefficients in SI units; cap = min(TDP, profile, user)', () => {
    const p = calibratedParameters(profile, h100, 1, undefined, '/p.json');
    expect(p.provenance.kind).toBe('calibrated');
    expectClose(p.computeFlopsPerSecond, 500e12);
    expectClose(p.memoryBytesPerSecond, 2800e9);
    expectClose(p.joulesPerFlop, 0.8e-12);
    expectClose(p.joulesPerByte, 0.1e-9);
    expect(p.busyBaseWatts).toBe(200);
    expect(p.powerCapWatts).toBe(Math.min(650, h100.tdp_w));
    expect(calibratedParameters(profile, h100, 1, 300, '/p.json').powerCapWatts).toBe(300);
    expect(p.fittedRange).toEqual({ batchSize: [1, 64], stepTokens: [1, 8192], contextTokens: [1, 4096] });
  });

  it('transferred to the GPU it was measured on is the calibrated profile again (cap aside)', () => {
    const gpu = { ...h100, idle_w: 128 }; // the profile's idle power
    const t = transferredParameters(profile, gpu, gpu, 1, 650, '/p.json');
    const c = calibratedParameters(profile, gpu, 1, undefined, '/p.json');
    expect(t.provenance.kind).toBe('transferred');
    for (const k of ['computeFlopsPerSecond', 'memoryBytesPerSecond', 'idleWatts', 'busyBaseWatts', 'joulesPerFlop', 'joulesPerByte', 'powerCapWatts', 'stepOverheadSeconds'] as const) {
      expectClose(t[k], c[k], 1e-12);
    }
  });

  it('transferred to another GPU: same fractions of peak, same power shape on its span', () => {
    // With H100 numbers 989.4 TFLOP/s, 3350 GB/s, TDP 700 W: fractions compute 500 / 989.4, bandwidth
    // 2800 / 3350; power: busy floor (200 − 128) / 572 of the span above idle.
    const source = { ...h100, bf16_dense_tflops: 989.4, memory_bandwidth_gb_s: 3350, tdp_w: 700 };
    const t = transferredParameters(profile, source, a100, 1, undefined, '/p.json');
    const span = a100.tdp_w - a100.idle_w;
    expectClose(t.computeFlopsPerSecond, (500 / 989.4) * a100.bf16_dense_tflops * 1e12);
    expectClose(t.memoryBytesPerSecond, (2800 / 3350) * a100.memory_bandwidth_gb_s * 1e9);
    expectClose(t.busyBaseWatts, a100.idle_w + (72 / 572) * span);
    // Full-rate compute draws the same fraction of the span: e_f · F = 0.8 J/TFLOP · 500 TFLOP/s / 572 W of span.
    expectClose(t.joulesPerFlop * t.computeFlopsPerSecond, ((0.8 * 500) / 572) * span);
    expectClose(t.joulesPerByte * t.memoryBytesPerSecond, ((0.1 * 2800) / 572) * span);
    expect(t.powerCapWatts).toBe(a100.tdp_w);
    expect(t.fittedRange).toBeUndefined();
  });
});
