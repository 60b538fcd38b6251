/**
 * `joulesim calibrate fit` for measurement files whose records carry torch.profiler kernel classes
 * (`kernel_profile`, calibration/harness/kernel_classes.py): fits and writes a kernel-class profile
 * (format joulesim-profile/2) with per-record time and energy residuals and each coefficient's identification.
 */
import { readFileSync } from 'node:fs';
import { ensureOutputDir, writeOutputFile } from '../../sim/io/outputFile.js';
import { InputError } from '../../sim/errors.js';
import { dirname, relative, resolve } from 'node:path';
import { kernelCalibratedParameters } from '../../sim/cost/kernelProfileParameters.js';
import type { KernelProfile } from '../../sim/cost/kernelProfileSchema.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { withFusedExpertEfficiency } from '../../sim/cost/moeEfficiency.js';
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import type { Architecture } from '../../sim/model/architecture.js';
import type { Gpu } from '../../sim/model/gpu.js';
import { packageRoot } from '../../sim/paths.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { errorStats, type PreparedRecord, residuals } from './fitProfile.js';
import { fitKernelHostOnly, fitKernelProfile, kernelMeasurement, type KernelMeasurement, refitHostOn, type SoftwareShape } from './fitKernelProfile.js';
import type { MeasurementFile } from './measurementSchema.js';
import { carryRates, type ProfileRates } from '../../sim/cost/kernelRateCarry.js';

/** The kernels each stack runs (what the harness's profiles show; docs/COST-MODEL.md). */
export function softwareShapeOf(stack: string): SoftwareShape {
  if (stack === 'hf-paged') return { attention: 'packed-masked-materialized', kvCache: 'gather' };
  if (stack === 'hf-eager' || stack === 'hf-compile') return { attention: 'fused-or-masked-materialized', kvCache: 'concat' };
  return { attention: 'fused', kvCache: 'in-place' };
}

export function hasKernelProfiles(files: readonly { data: MeasurementFile }[]): boolean {
  return files.some((f) => f.data.records.some((r) => (r as { kernel_profile?: { classes?: unknown } }).kernel_profile?.classes));
}

const round = (x: number) => Number(x.toPrecision(6));

export function fitKernelCommand(
  measured: readonly { path: string; data: MeasurementFile }[],
  files: readonly string[],
  gpu: Gpu,
  arch: Architecture,
  cap: number,
  opts: { out: string; gpu?: string; ratesFrom?: string; hostFrom?: readonly string[]; refitPower?: boolean },
): { profile: Record<string, unknown>; summary: string } {
  const first = measured[0].data;
  const work = arch.moe ? withFusedExpertEfficiency(modelWorkFor(arch), arch) : modelWorkFor(arch);
  const shape = softwareShapeOf(first.stack);
  const ms: KernelMeasurement[] = [];
  const hostMs: KernelMeasurement[] = [];
  const hostFiles = new Set((opts.hostFrom ?? []).map((f) => resolve(f)));
  for (const f of hostFiles) {
    if (!measured.some((m) => resolve(m.path) === f)) throw new InputError('--host-from', '', `${relative(process.cwd(), f)} is not one of the measurement files given`);
  }
  for (const m of measured) {
    const plusOne = (m.data.context_convention ?? '').includes('+ 1');
    for (const r of m.data.records) {
      const km = kernelMeasurement(r, plusOne);
      ms.push(km);
      if (hostFiles.has(resolve(m.path))) hostMs.push(km);
    }
  }
  const idle = (key: 'idle' | 'idle_warm') =>
    measured.map((m) => (m.data as Record<string, unknown>)[key] as { watts_median?: number; watts_counter_average?: number } | undefined)
      .map((x) => x?.watts_counter_average ?? x?.watts_median)
      .filter((x): x is number => typeof x === 'number');
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const coldIdle = med(idle('idle'));
  const warmIdles = idle('idle_warm');
  const warmIdle = warmIdles.length ? med(warmIdles) : coldIdle;
  let coldShapeSeconds = 0;
  let fit;
  if (opts.ratesFrom) {
    const src = JSON.parse(readFileSync(opts.ratesFrom, 'utf8')) as { format?: string; gpu?: string; rates: Record<string, number>; software: Record<string, number>; power: Record<string, number> };
    if (src.format !== 'joulesim-profile/2') throw new InputError(opts.ratesFrom, '/format', 'needs a kernel-class profile (joulesim-profile/2)');
    const rel = relative(packageRoot, resolve(opts.ratesFrom));
    // Rates from another GPU are carried class by class as a transferred profile's are (sim/cost/kernelRateCarry.ts);
    // its class powers are then refitted on this GPU's energies.
    const other = src.gpu !== gpu.id ? loadGpu(src.gpu ?? '', opts.ratesFrom) : null;
    const carried = other ? carryRates(src.rates as unknown as ProfileRates, other, gpu) : null;
    const sr = (carried ? carried.rates : src.rates) as unknown as Record<string, number>;
    const r = fitKernelHostOnly(
      ms,
      work,
      shape,
      {
        rates: {
          gemm_tflops: sr.gemm_tflops,
          gemm_bandwidth_gb_s: sr.gemm_bandwidth_gb_s,
          attention_tflops: sr.attention_tflops,
          attention_bandwidth_gb_s: sr.attention_bandwidth_gb_s,
          masked_attention_tflops: sr.masked_attention_tflops ?? sr.attention_tflops,
          masked_attention_bandwidth_gb_s: sr.masked_attention_bandwidth_gb_s ?? sr.attention_bandwidth_gb_s,
          copy_bandwidth_gb_s: sr.copy_bandwidth_gb_s,
          kernel_floor_us: sr.kernel_floor_us,
          activation_passes_per_layer: src.software.activation_passes_per_layer,
        },
        power: { gemm_active_w: src.power.gemm_active_w, gemm_compute_active_w: src.power.gemm_compute_active_w, attention_active_w: src.power.attention_active_w, copy_active_w: src.power.copy_active_w },
        kernelsPerStep: src.software.kernels_per_step,
        source: carried ? `${rel} (${src.gpu}), carried to ${gpu.id} class by class (${carried.notes.join('; ')})` : rel,
      },
      other ? { mode: 'level', warmIdleW: warmIdle, capW: cap } : opts.refitPower ? { mode: 'stack', warmIdleW: warmIdle, capW: cap } : undefined,
      hostMs,
    );
    coldShapeSeconds = r.coldShapeSeconds;
    fit = r;
  } else {
    fit = fitKernelProfile(ms, work, shape, gpu, warmIdle, cap);
    if (hostMs.length) {
      fit = refitHostOn(fit, hostMs, work, shape, (opts.hostFrom ?? []).map((f) => relative(packageRoot, resolve(f))).join(', '));
    }
  }
  const profile = {
    format: 'joulesim-profile/2',
    gpu: gpu.id,
    model: arch.id,
    stack: first.stack,
    rates: Object.fromEntries(Object.entries(fit.rates).filter(([k]) => k !== 'activation_passes_per_layer').map(([k, v]) => [k, round(v)])),
    power: {
      idle_w: round(coldIdle),
      warm_idle_w: round(warmIdle),
      gemm_active_w: round(fit.power.gemm_active_w),
      gemm_compute_active_w: round(fit.power.gemm_compute_active_w),
      attention_active_w: round(fit.power.attention_active_w),
      copy_active_w: round(fit.power.copy_active_w),
      power_cap_w: cap,
    },
    software: {
      attention: shape.attention,
      kv_cache: shape.kvCache,
      activation_passes_per_layer: round(fit.rates.activation_passes_per_layer),
      kernels_per_step: round(fit.kernelsPerStep),
      host_overlapped_s: round(fit.host.host_overlapped_s),
      host_per_sequence_s: round(fit.host.host_per_sequence_s),
      host_serial_s: round(fit.host.host_serial_s),
      ...(coldShapeSeconds > 0 ? { cold_shape_s: round(coldShapeSeconds) } : {}),
    },
    identification: {
      ...fit.identification,
      idle_w: 'measured: NVML power, model loaded, seconds of nothing (median over the files)',
      warm_idle_w: 'measured: NVML energy counter while a 1-element kernel runs every 10 ms (a GPU kept awake between steps)',
      power_cap_w: 'the board limit read from NVML',
    },
    fitted_range: { batch_size: [0, 0], step_tokens: [0, 0], context_tokens: [0, 0] },
    fit: {} as Record<string, unknown>,
    predicts:
      'Step time as the sum of kernel-class times (GEMMs, attention, K/V copies and cache traffic, elementwise passes, a per-kernel floor) overlapped with the host time, and energy as warm idle power plus each class’s active power over its busy time, capped at the power limit, for this model and stack on this GPU.',
    does_not_predict:
      'Clock changes other than the power cap, tensor parallelism (all-reduces are modelled, not measured here), other models or stacks, and prefix caching or CUDA graphs unless the stack measured has them.',
    provenance: {
      measurements: measured.map((m) => relative(packageRoot, resolve(m.path))),
      environment: first.environment,
      stack_config: first.stack_config ?? null,
      command: `joulesim calibrate fit ${files.map((f) => relative(packageRoot, resolve(f))).join(' ')} --out ${relative(packageRoot, resolve(opts.out))}${opts.gpu ? ` --gpu ${opts.gpu}` : ''}${opts.ratesFrom ? ` --rates-from ${relative(packageRoot, resolve(opts.ratesFrom))}` : ''}${opts.refitPower ? ' --refit-power' : ''}${opts.hostFrom?.length ? ` --host-from ${opts.hostFrom.map((f) => relative(packageRoot, resolve(f))).join(' ')}` : ''}`,
      class_time_residuals_pct: fit.classResiduals.map((r) => ({ label: r.label, gemm: round(r.gemm_pct), attention: round(r.attention_pct), copy: round(r.copy_pct) })),
    },
  };
  // The simulator's own loading path turns the profile into cost parameters, so fit and simulation cannot differ.
  const params = kernelCalibratedParameters(profile as unknown as KernelProfile, gpu, 1, undefined, 'being fitted');
  const model = { warm: new StepCostModel(work, { ...params, coldShapeSeconds: 0 }), cold: new StepCostModel(work, { ...params, ...(coldShapeSeconds > 0 ? { coldShapeSeconds } : {}) }) };
  const records: PreparedRecord[] = ms.map((m) => m.record);
  const res = residuals(model, records);
  const range = (pick: (r: PreparedRecord) => [number, number]) => [Math.min(...records.map((r) => pick(r)[0])), Math.max(...records.map((r) => pick(r)[1]))];
  profile.fitted_range = { batch_size: range((r) => r.batch), step_tokens: range((r) => r.stepTokens), context_tokens: range((r) => r.context).map(Math.round) };
  profile.fit = {
    records: records.length,
    records_with_kernel_profiles: fit.recordsUsedForRates,
    time_error_pct: errorStats(res.map((r) => r.time_error_pct)),
    energy_error_pct: errorStats(res.map((r) => r.energy_error_pct)),
    residuals: res,
  };
  ensureOutputDir(dirname(opts.out), '--out');
  writeOutputFile(opts.out, JSON.stringify(profile, null, 2) + '\n');
  const f = profile.fit as { time_error_pct: { median: number; max: number }; energy_error_pct: { median: number; max: number } };
  const r = profile.rates as Record<string, number>;
  const p = profile.power;
  const s = profile.software;
  const lines = [
    `fitted kernel-class profile ${gpu.id} / ${arch.id} / ${first.stack} on ${records.length} records (${fit.recordsUsedForRates} with kernel profiles) → ${opts.out}`,
    `  rates: GEMM ${r.gemm_tflops.toFixed(0)} TFLOP/s | ${r.gemm_bandwidth_gb_s.toFixed(0)} GB/s; attention ${r.attention_tflops.toFixed(0)} TFLOP/s | ${r.attention_bandwidth_gb_s.toFixed(0)} GB/s (masked ${r.masked_attention_tflops.toFixed(0)} | ${r.masked_attention_bandwidth_gb_s.toFixed(0)}); copy ${r.copy_bandwidth_gb_s.toFixed(0)} GB/s; kernel floor ${r.kernel_floor_us.toFixed(2)} µs × ${s.kernels_per_step} kernels/step; ${s.activation_passes_per_layer.toFixed(1)} activation passes/layer`,
    `  host: ${(s.host_overlapped_s * 1e3).toFixed(2)} ms/step overlapped + ${(s.host_per_sequence_s * 1e6).toFixed(1)} µs/seq + ${(s.host_serial_s * 1e3).toFixed(2)} ms/step serial`,
    `  power: idle ${p.idle_w} W, warm idle ${p.warm_idle_w} W; active GEMM ${p.gemm_active_w.toFixed(0)} W (+${p.gemm_compute_active_w.toFixed(0)} W at full matrix use), attention ${p.attention_active_w.toFixed(0)} W, copy ${p.copy_active_w.toFixed(0)} W; cap ${cap} W`,
    `  fit error |%|: time median ${f.time_error_pct.median.toFixed(2)} max ${f.time_error_pct.max.toFixed(2)}; energy median ${f.energy_error_pct.median.toFixed(2)} max ${f.energy_error_pct.max.toFixed(2)}`,
  ];
  return { profile, summary: lines.join('\n') + '\n' };
}
