/**
 * The vLLM kernel-class fit on ML.ENERGY rows (calibration/mlenergy/fitVllmKernelProfile.ts) and the external
 * check against the v2 leaderboard (calibration/mlenergy/externalCheck.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predictRecord, prepareRecord } from '../../calibration/fit/fitProfile.js';
import type { MeasurementFile } from '../../calibration/fit/measurementSchema.js';
import { externalCheck } from '../../calibration/mlenergy/externalCheck.js';
import { carryRates, fitLoss, fitVllm, predictAll, type VllmFitted } from '../../calibration/mlenergy/fitVllmKernelProfile.js';
import { KERNEL_PROFILE_FILE, vllmSetup } from '../../calibration/mlenergy/vllmKernelCommand.js';
import { kernelCalibratedParameters } from '../../sim/cost/kernelProfileParameters.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { loadAnyProfile } from '../../sim/cost/resolveCostParameters.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { packageRoot } from '../../sim/paths.js';

const dir = join(packageRoot, 'calibration', 'measurements', 'mlenergy');

describe('carryRates', () => {
  it('scales FLOP legs by the bf16 peak ratio and byte legs by the bandwidth ratio, keeps the kernel floor (by hand)', () => {
    const rates = { gemm_tflops: 758, gemm_bandwidth_gb_s: 3774, attention_tflops: 504, attention_bandwidth_gb_s: 1147, copy_bandwidth_gb_s: 1200, kernel_floor_us: 2.44 };
    // H200 → B200: 2250 / 989.4 = 2.27410, 8000 / 4800 = 1.66667.
    const c = carryRates(rates, loadGpu('h200', 'test'), loadGpu('b200', 'test'));
    expect(c.gemm_tflops).toBeCloseTo((758 * 2250) / 989.4, 9);
    expect(c.attention_tflops).toBeCloseTo((504 * 2250) / 989.4, 9);
    expect(c.gemm_bandwidth_gb_s).toBeCloseTo(6290, 9);
    expect(c.copy_bandwidth_gb_s).toBeCloseTo(2000, 9);
    expect(c.attention_bandwidth_gb_s).toBeCloseTo((1147 * 8000) / 4800, 9);
    expect(c.kernel_floor_us).toBe(2.44);
  });
});

describe('fitVllm', () => {
  it(
    'recovers rows generated from known coefficients: the fitted model reproduces them (loss ≈ 0)',
    () => {
      const { setup, measurement } = vllmSetup('h100-sxm');
      const truth: VllmFitted = {
        attention_bandwidth_gb_s: 2500,
        host_overlapped_s: 0.006,
        host_per_sequence_s: 3e-5,
        host_serial_s: 0.0008,
        gemm_active_w: 300,
        gemm_compute_active_w: 200,
        attention_active_w: 350,
        copy_active_w: 250,
      };
      // Batch 8, 64, 192 and 512 (small, mid and cap-bound rows), to keep the test light; seconds and joules
      // replaced by what the truth predicts.
      const records = measurement.records.filter((_, i) => i % 3 === 0).map((r) => prepareRecord(r));
      const synthetic = predictAll(setup, truth, records).map((p, i) => ({ ...records[i], seconds: p.seconds_fit, joules: p.joules_fit }));
      expect(fitLoss(setup, truth, synthetic)).toBeLessThan(1e-20);
      const fit = fitVllm(setup, synthetic, {}, 0.3);
      for (const p of predictAll(setup, fit.v, synthetic)) {
        expect(Math.abs(p.time_error_pct)).toBeLessThan(1.5);
        expect(Math.abs(p.energy_error_pct)).toBeLessThan(1.5);
      }
    },
    600_000,
  );
});

describe('the committed kernel-class vLLM profiles', () => {
  for (const gpu of ['h100-sxm', 'b200'] as const) {
    const path = join(packageRoot, 'calibration', 'profiles', gpu, 'llama-3.1-8b', KERNEL_PROFILE_FILE);
    it(`${gpu}: schema-valid, says which vLLM it is, and the simulator's own loading path reproduces the residuals it claims`, () => {
      expect(existsSync(path)).toBe(true);
      const any = loadAnyProfile(path);
      expect(any.kind).toBe('kernel');
      if (any.kind !== 'kernel') return;
      const p = any.profile;
      expect(p.software.attention).toBe('fused');
      expect(p.software.kv_cache).toBe('in-place');
      expect((p.provenance as { vllm_version?: string }).vllm_version).toBe('0.11.1');
      // Every coefficient the model reads has a line in `identification`.
      for (const k of [...Object.keys(p.rates), 'gemm_active_w', 'gemm_compute_active_w', 'attention_active_w', 'copy_active_w', 'host_overlapped_s', 'host_per_sequence_s', 'host_serial_s', 'kernels_per_step', 'activation_passes_per_layer']) {
        expect(p.identification[k], k).toBeTypeOf('string');
      }
      // Physically plausible: no rate above the datasheet, no class power above the board's span.
      const g = loadGpu(gpu, 'test');
      expect(p.rates.gemm_tflops).toBeLessThanOrEqual(g.bf16_dense_tflops);
      for (const k of ['gemm_bandwidth_gb_s', 'attention_bandwidth_gb_s', 'copy_bandwidth_gb_s'] as const) expect(p.rates[k]).toBeLessThanOrEqual(g.memory_bandwidth_gb_s + 1e-6);
      for (const k of ['gemm_active_w', 'gemm_compute_active_w', 'attention_active_w', 'copy_active_w'] as const) expect(p.power[k]).toBeLessThanOrEqual(g.tdp_w - p.power.warm_idle_w + 1e-6);
      const measurement = JSON.parse(readFileSync(join(dir, `${gpu}-llama-3.1-8b-vllm.json`), 'utf8')) as MeasurementFile;
      const model = new StepCostModel(modelWorkFor(loadArchitecture(p.model, path)), kernelCalibratedParameters(p, g, 1, undefined, path));
      const claimed = (p.fit as { residuals: { label: string; time_error_pct: number; energy_error_pct: number }[] }).residuals;
      expect(claimed).toHaveLength(measurement.records.length);
      for (const r of measurement.records) {
        const prepared = prepareRecord(r);
        const pred = predictRecord(model, prepared);
        const c = claimed.find((x) => x.label === r.label)!;
        // Coefficients are stored to 6 significant digits: 0.01 percentage points of slack.
        expect(Math.abs((100 * (pred.seconds - prepared.seconds)) / prepared.seconds - c.time_error_pct)).toBeLessThan(0.01);
        expect(Math.abs((100 * (pred.joules - prepared.joules)) / prepared.joules - c.energy_error_pct)).toBeLessThan(0.01);
      }
    });
  }
});

describe('externalCheck (ML.ENERGY v2, vLLM 0.5.4)', () => {
  it('prices the A100 and H100 rows and computes the measured A100/H100 energy ratio from the rows (by hand at batch 128)', () => {
    const files = [join(dir, 'leaderboard-v2-llama-3.1-8b-a100.csv'), join(dir, 'leaderboard-v2-llama-3.1-8b-h100.csv')];
    const profile = join(packageRoot, 'calibration', 'profiles', 'h100-sxm', 'llama-3.1-8b', 'vllm.json');
    const { rows, ratios } = externalCheck(profile, files, { promptTokens: 670, maxBatchedTokens: 8192, layout: 'mixed' });
    expect(rows.filter((r) => r.gpu === 'a100-sxm-40gb').map((r) => r.batch)).toEqual([32, 64, 128, 192, 256, 320]);
    expect(rows.filter((r) => r.gpu === 'h100-sxm')).toHaveLength(8);
    const r128 = ratios.find((r) => r.batch === 128)!;
    // Energy/req ÷ avg output tokens, A100-SXM4-40GB over H100, both at max batch 128.
    expect(r128.measured).toBeCloseTo(59.60256566375536 / 480.943 / (63.122728432700505 / 483.135), 9);
    // Ratios only where both GPUs have a row of that batch.
    expect(ratios.map((r) => r.batch)).toEqual([64, 128, 192, 256, 320]);
    for (const r of rows) expect(Number.isFinite(r.energy_error_pct)).toBe(true);
  });
});
