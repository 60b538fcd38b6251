/**
 * Chooses where a replica's cost numbers come from, most trustworthy first:
 *   calibrated  — a profile fitted on this GPU × model × stack;
 *   transferred — a profile of the same model × stack on another GPU, its efficiencies and power fractions carried
 *                 to this GPU's datasheet (what-if hardware swaps);
 *   datasheet   — the stack's efficiency priors on this GPU's datasheet.
 * The result always says which, so no what-if passes for a measurement.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { type Gpu, loadGpu } from '../model/gpu.js';
import type { Stack } from '../model/stack.js';
import { packageRoot, profilesDir } from '../paths.js';
import { describeAjvError } from '../ajvError.js';
import { schemaValidator } from '../schemaValidator.js';
import type { CostParameters } from './costParameters.js';
import { type Profile, profileSchema } from './profileSchema.js';
import { type KernelProfile, kernelProfileSchema } from './kernelProfileSchema.js';
import { kernelCalibratedParameters, kernelTransferredParameters } from './kernelProfileParameters.js';
import { displayPath } from '../io/displayPath.js';


/** A profile of either format: the roofline form (1) or the kernel-class form (2). */
export type AnyProfile = { readonly kind: 'roofline'; readonly profile: Profile } | { readonly kind: 'kernel'; readonly profile: KernelProfile };

export function loadAnyProfile(path: string): AnyProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(path, '', `cannot read the profile (${(e as Error).message})`);
  }
  if ((raw as { format?: unknown } | null)?.format === 'joulesim-profile/2') {
    const validateKernelProfile = schemaValidator('profile', kernelProfileSchema);
    if (!validateKernelProfile(raw)) {
      const { place, detail } = describeAjvError(validateKernelProfile.errors![0]);
      throw new InputError(path, place, detail);
    }
    return { kind: 'kernel', profile: raw as KernelProfile };
  }
  return { kind: 'roofline', profile: loadProfile(path) };
}

function parametersFrom(any: AnyProfile, gpu: Gpu, tp: number, powerCapWatts: number | undefined, path: string): CostParameters {
  if (any.kind === 'kernel') {
    const p = any.profile;
    return p.gpu === gpu.id
      ? kernelCalibratedParameters(p, gpu, tp, powerCapWatts, path)
      : kernelTransferredParameters(p, loadGpu(p.gpu, path), gpu, tp, powerCapWatts, path);
  }
  const p = any.profile;
  return p.gpu === gpu.id ? calibratedParameters(p, gpu, tp, powerCapWatts, path) : transferredParameters(p, loadGpu(p.gpu, path), gpu, tp, powerCapWatts, path);
}

export type CostModelMode = 'auto' | 'calibrated' | 'roofline';

export function profilePathFor(gpu: string, model: string, stack: string): string {
  return join(profilesDir, gpu, model, `${stack}.json`);
}

export function loadProfile(path: string): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(path, '', `cannot read the profile (${(e as Error).message})`);
  }
  const validateProfile = schemaValidator('profile', profileSchema);
  if (!validateProfile(raw)) {
    const { place, detail } = describeAjvError(validateProfile.errors![0]);
    throw new InputError(path, place, detail);
  }
  return raw as Profile;
}

interface PowerPriors {
  busy_base_fraction: number;
  compute_power_fraction: number;
  memory_power_fraction: number;
}

function powerPriors(): PowerPriors {
  return JSON.parse(readFileSync(join(packageRoot, 'calibration', 'priors', 'datasheet-power.json'), 'utf8')) as PowerPriors;
}

function interconnect(gpu: Gpu): Pick<CostParameters, 'interconnectBytesPerSecond' | 'interconnectLatencySeconds'> {
  return {
    interconnectBytesPerSecond: gpu.interconnect.bandwidth_gb_s * 1e9,
    interconnectLatencySeconds: gpu.interconnect.latency_us * 1e-6,
  };
}

function capFor(gpu: Gpu, powerCapWatts: number | undefined, profileCapWatts?: number): number {
  const board = Math.min(gpu.tdp_w, profileCapWatts ?? gpu.tdp_w);
  return powerCapWatts === undefined ? board : Math.min(board, powerCapWatts);
}

/** The fit's error as a run should quote it: held-out records when the profile has them, else the fitted ones. */
function fitQuality(profile: Profile): string {
  const held = profile.fit.held_out as { records?: number; time_error_pct?: { median: number; max: number }; energy_error_pct?: { median: number; max: number } } | undefined;
  if (held?.records && held.time_error_pct && held.energy_error_pct) {
    return `held-out error |%|: time median ${held.time_error_pct.median.toFixed(1)}, max ${held.time_error_pct.max.toFixed(1)}; energy median ${held.energy_error_pct.median.toFixed(1)}, max ${held.energy_error_pct.max.toFixed(1)}`;
  }
  return `fit error |%|: time median ${profile.fit.time_error_pct.median.toFixed(1)}, energy median ${profile.fit.energy_error_pct.median.toFixed(1)}`;
}

export function calibratedParameters(profile: Profile, gpu: Gpu, tp: number, powerCapWatts: number | undefined, path: string): CostParameters {
  const c = profile.coefficients;
  const r = profile.fitted_range;
  return {
    provenance: {
      kind: 'calibrated',
      description: `fitted on ${profile.gpu} measurements of ${profile.model} with ${profile.stack} (${fitQuality(profile)})${tp > 1 ? `; tensor parallel ${tp} adds modelled all-reduces (not measured)` : ''}`,
      profilePath: path,
    },
    gpusPerReplica: tp,
    stepOverheadSeconds: c.step_overhead_s,
    perSequenceOverheadSeconds: c.per_sequence_overhead_s,
    computeFlopsPerSecond: c.compute_tflops * 1e12,
    memoryBytesPerSecond: c.memory_bandwidth_gb_s * 1e9,
    idleWatts: c.idle_w,
    busyBaseWatts: c.busy_base_w,
    joulesPerFlop: c.joules_per_tflop / 1e12,
    joulesPerByte: c.joules_per_gb / 1e9,
    powerCapWatts: capFor(gpu, powerCapWatts, c.power_cap_w),
    kvTrafficFactor: c.kv_traffic_factor ?? 1,
    overlappedOverheadSeconds: c.overlapped_overhead_s ?? 0,
    maskedKvTrafficFactor: c.masked_kv_traffic_factor ?? c.kv_traffic_factor ?? 1,
    ...(c.packed_attention_flops_factor !== undefined ? { packedAttentionFlopsFactor: c.packed_attention_flops_factor } : {}),
    ...(c.cold_shape_s !== undefined ? { coldShapeSeconds: c.cold_shape_s } : {}),
    ...interconnect(gpu),
    fittedRange: {
      batchSize: [r.batch_size[0], r.batch_size[1]],
      stepTokens: [r.step_tokens[0], r.step_tokens[1]],
      contextTokens: [r.context_tokens[0], r.context_tokens[1]],
    },
  };
}

/**
 * Carries a profile measured on `source` to `target`: achieved fractions of peak compute and bandwidth stay, CPU
 * overheads stay (same host software), and power keeps its shape relative to each GPU's idle-to-TDP span.
 */
export function transferredParameters(profile: Profile, source: Gpu, target: Gpu, tp: number, powerCapWatts: number | undefined, path: string): CostParameters {
  const c = profile.coefficients;
  const computeFraction = c.compute_tflops / source.bf16_dense_tflops;
  const memoryFraction = c.memory_bandwidth_gb_s / source.memory_bandwidth_gb_s;
  const sourceSpan = source.tdp_w - c.idle_w;
  const targetSpan = target.tdp_w - target.idle_w;
  const busyBaseFraction = (c.busy_base_w - c.idle_w) / sourceSpan;
  // Dynamic power at the achieved rate, as a fraction of the source's span; the same fraction on the target.
  const computePowerFraction = (c.joules_per_tflop * c.compute_tflops) / sourceSpan;
  const memoryPowerFraction = (c.joules_per_gb * c.memory_bandwidth_gb_s) / sourceSpan;
  const computeTflops = computeFraction * target.bf16_dense_tflops;
  const bandwidthGbS = memoryFraction * target.memory_bandwidth_gb_s;
  return {
    provenance: {
      kind: 'transferred',
      description: `${profile.gpu} profile of ${profile.model} with ${profile.stack} carried to the ${target.id} datasheet (${(computeFraction * 100).toFixed(0)}% of peak compute, ${(memoryFraction * 100).toFixed(0)}% of peak bandwidth, same CPU overheads); not measured on ${target.id}`,
      profilePath: path,
    },
    gpusPerReplica: tp,
    stepOverheadSeconds: c.step_overhead_s,
    perSequenceOverheadSeconds: c.per_sequence_overhead_s,
    computeFlopsPerSecond: computeTflops * 1e12,
    memoryBytesPerSecond: bandwidthGbS * 1e9,
    idleWatts: target.idle_w,
    busyBaseWatts: target.idle_w + busyBaseFraction * targetSpan,
    joulesPerFlop: (computePowerFraction * targetSpan) / (computeTflops * 1e12),
    joulesPerByte: (memoryPowerFraction * targetSpan) / (bandwidthGbS * 1e9),
    powerCapWatts: capFor(target, powerCapWatts),
    // How the software moves the KV cache does not depend on the GPU.
    kvTrafficFactor: c.kv_traffic_factor ?? 1,
    // Host-side time is the same host software on any GPU.
    overlappedOverheadSeconds: c.overlapped_overhead_s ?? 0,
    maskedKvTrafficFactor: c.masked_kv_traffic_factor ?? c.kv_traffic_factor ?? 1,
    // The attention path and the host's plan builds are the software's, not the GPU's.
    ...(c.packed_attention_flops_factor !== undefined ? { packedAttentionFlopsFactor: c.packed_attention_flops_factor } : {}),
    ...(c.cold_shape_s !== undefined ? { coldShapeSeconds: c.cold_shape_s } : {}),
    ...interconnect(target),
  };
}

export function datasheetParameters(gpu: Gpu, stack: Stack, tp: number, powerCapWatts: number | undefined): CostParameters {
  const priors = powerPriors();
  const span = gpu.tdp_w - gpu.idle_w;
  const compute = gpu.bf16_dense_tflops * 1e12 * stack.compute_efficiency;
  const bandwidth = gpu.memory_bandwidth_gb_s * 1e9 * stack.memory_efficiency;
  return {
    provenance: {
      kind: 'datasheet',
      description: `${gpu.id} datasheet with ${stack.id} efficiency priors (${stack.compute_efficiency} of peak compute, ${stack.memory_efficiency} of bandwidth) and power priors; nothing measured`,
    },
    gpusPerReplica: tp,
    stepOverheadSeconds: stack.step_overhead_s,
    perSequenceOverheadSeconds: stack.per_sequence_overhead_s,
    computeFlopsPerSecond: compute,
    memoryBytesPerSecond: bandwidth,
    idleWatts: gpu.idle_w,
    busyBaseWatts: gpu.idle_w + priors.busy_base_fraction * span,
    joulesPerFlop: (priors.compute_power_fraction * span) / compute,
    joulesPerByte: (priors.memory_power_fraction * span) / bandwidth,
    powerCapWatts: capFor(gpu, powerCapWatts),
    ...(stack.attention === 'packed-dense-mask' ? { packedAttentionFlopsFactor: 1 } : {}),
    ...interconnect(gpu),
  };
}

/** Another GPU's profile of the same model and stack, preferring the H100 (the project's measured card). */
function findTransferSource(model: string, stack: string, exceptGpu: string): { gpu: string; path: string } | null {
  if (!existsSync(profilesDir)) return null;
  const gpus = readdirSync(profilesDir).filter((g) => g !== exceptGpu && existsSync(profilePathFor(g, model, stack)));
  gpus.sort((a, b) => (a === 'h100-sxm' ? -1 : b === 'h100-sxm' ? 1 : a.localeCompare(b)));
  return gpus.length ? { gpu: gpus[0], path: profilePathFor(gpus[0], model, stack) } : null;
}

export interface CostSelection {
  readonly gpu: Gpu;
  readonly model: string;
  readonly stack: Stack;
  readonly tp: number;
  readonly powerCapWatts?: number;
  readonly mode: CostModelMode;
  /** An explicit profile file (overrides the lookup). */
  readonly profileFile?: string;
}

export function resolveCostParameters(sel: CostSelection): CostParameters {
  const { gpu, model, stack, tp, powerCapWatts, mode } = sel;
  if (mode === 'roofline') return datasheetParameters(gpu, stack, tp, powerCapWatts);
  const own = sel.profileFile ?? profilePathFor(gpu.id, model, stack.id);
  if (existsSync(own)) return parametersFrom(loadAnyProfile(own), gpu, tp, powerCapWatts, own);
  if (sel.profileFile) throw new InputError(sel.profileFile, '', 'no such profile file');
  if (mode === 'calibrated') {
    throw new InputError('cost_model', '', `no calibrated profile for ${gpu.id} / ${model} / ${stack.id} (looked for ${displayPath(own)}); use cost_model "auto" or "roofline"`);
  }
  const source = findTransferSource(model, stack.id, gpu.id);
  if (source) return parametersFrom(loadAnyProfile(source.path), gpu, tp, powerCapWatts, source.path);
  return datasheetParameters(gpu, stack, tp, powerCapWatts);
}
