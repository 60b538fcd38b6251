/**
 * Cost parameters from a kernel-class profile (format joulesim-profile/2), on the GPU it was measured on or carried
 * to another one. A carried profile scales each kernel class by what bounds it on the target (matrix rate for the
 * FLOP legs, memory bandwidth for the byte legs), keeps the host's time (same host software), and states every
 * assumption in its provenance.
 */
import type { Gpu } from '../model/gpu.js';
import type { CostParameters } from './costParameters.js';
import type { KernelClassParameters, KernelClassRates } from './kernelClassCost.js';
import type { KernelProfile } from './kernelProfileSchema.js';
import { carryRates, type ProfileRates } from './kernelRateCarry.js';

/** A profile's achieved rates (file units: TFLOP/s, GB/s, µs) as the cost model's (per second). */
export function kernelClassRates(r: ProfileRates): KernelClassRates {
  return {
    gemmFlopsPerSecond: r.gemm_tflops * 1e12,
    gemmBytesPerSecond: r.gemm_bandwidth_gb_s * 1e9,
    attentionFlopsPerSecond: r.attention_tflops * 1e12,
    attentionBytesPerSecond: r.attention_bandwidth_gb_s * 1e9,
    ...(r.masked_attention_tflops !== undefined ? { maskedAttentionFlopsPerSecond: r.masked_attention_tflops * 1e12 } : {}),
    ...(r.masked_attention_bandwidth_gb_s !== undefined ? { maskedAttentionBytesPerSecond: r.masked_attention_bandwidth_gb_s * 1e9 } : {}),
    copyBytesPerSecond: r.copy_bandwidth_gb_s * 1e9,
    kernelFloorSeconds: r.kernel_floor_us * 1e-6,
  };
}

function kernelClasses(p: KernelProfile, r: ProfileRates, powerScale: number): KernelClassParameters {
  const w = p.power;
  const s = p.software;
  return {
    rates: kernelClassRates(r),
    powers: {
      gemmWatts: w.gemm_active_w * powerScale,
      gemmComputeWatts: w.gemm_compute_active_w * powerScale,
      attentionWatts: w.attention_active_w * powerScale,
      copyWatts: w.copy_active_w * powerScale,
    },
    software: {
      attention: s.attention,
      kvCache: s.kv_cache,
      activationPassesPerLayer: s.activation_passes_per_layer,
      kernelsPerStep: s.kernels_per_step,
      hostOverlappedSeconds: s.host_overlapped_s,
      hostPerSequenceSeconds: s.host_per_sequence_s,
      hostSerialSeconds: s.host_serial_s,
    },
  };
}

/** Roofline summary fields every CostParameters carries (quoted by outputs; the kernel classes do the pricing). */
function summary(kc: KernelClassParameters, idleW: number, warmIdleW: number, capW: number): Omit<CostParameters, 'provenance' | 'gpusPerReplica' | 'interconnectBytesPerSecond' | 'interconnectLatencySeconds'> {
  return {
    stepOverheadSeconds: kc.software.hostSerialSeconds,
    overlappedOverheadSeconds: kc.software.hostOverlappedSeconds,
    perSequenceOverheadSeconds: kc.software.hostPerSequenceSeconds,
    computeFlopsPerSecond: kc.rates.gemmFlopsPerSecond,
    memoryBytesPerSecond: kc.rates.gemmBytesPerSecond,
    idleWatts: idleW,
    busyBaseWatts: warmIdleW,
    joulesPerFlop: kc.powers.gemmWatts / kc.rates.gemmFlopsPerSecond,
    joulesPerByte: kc.powers.copyWatts / kc.rates.copyBytesPerSecond,
    powerCapWatts: capW,
    kernelClasses: kc,
  };
}

function interconnect(gpu: Gpu): Pick<CostParameters, 'interconnectBytesPerSecond' | 'interconnectLatencySeconds'> {
  return { interconnectBytesPerSecond: gpu.interconnect.bandwidth_gb_s * 1e9, interconnectLatencySeconds: gpu.interconnect.latency_us * 1e-6 };
}

function cap(gpu: Gpu, requested: number | undefined, profileCap?: number): number {
  const board = Math.min(gpu.tdp_w, profileCap ?? gpu.tdp_w);
  return requested === undefined ? board : Math.min(board, requested);
}

function quality(p: KernelProfile): string {
  const f = p.fit as { records?: number; time_error_pct?: { median?: number }; energy_error_pct?: { median?: number } };
  const t = f.time_error_pct?.median;
  const e = f.energy_error_pct?.median;
  return t !== undefined && e !== undefined ? `fit error |%|: time median ${t.toFixed(1)}, energy median ${e.toFixed(1)} over ${f.records} records` : 'fit error not recorded';
}

export function kernelCalibratedParameters(p: KernelProfile, gpu: Gpu, tp: number, powerCapWatts: number | undefined, path: string): CostParameters {
  const kc = kernelClasses(p, p.rates, 1);
  const r = p.fitted_range;
  const cold = p.software.cold_shape_s;
  return {
    provenance: {
      kind: 'calibrated',
      description: `kernel-class profile fitted on ${p.gpu} profiler traces and NVML energy of ${p.model} with ${p.stack} (${quality(p)})${tp > 1 ? `; tensor parallel ${tp} adds modelled all-reduces (not measured)` : ''}`,
      profilePath: path,
    },
    gpusPerReplica: tp,
    ...summary(kc, p.power.idle_w, p.power.warm_idle_w, cap(gpu, powerCapWatts, p.power.power_cap_w)),
    ...(cold !== undefined && cold > 0 ? { coldShapeSeconds: cold } : {}),
    ...interconnect(gpu),
    fittedRange: {
      batchSize: [r.batch_size[0], r.batch_size[1]],
      stepTokens: [r.step_tokens[0], r.step_tokens[1]],
      contextTokens: [r.context_tokens[0], r.context_tokens[1]],
    },
  };
}

/**
 * Carries a kernel-class profile from `source` to `target`. Assumptions (stated in the provenance):
 *   - each class is carried by what bounds it (kernelRateCarry.ts): FLOP legs by the dense bf16 peak, HBM-bound byte
 *     legs by the memory bandwidth, SM-bound byte legs by SM throughput; the small-kernel floor stays (same launch
 *     path);
 *   - host time is the host's: unchanged;
 *   - idle is the target's (its GPU file); warm idle keeps the source's margin over idle;
 *   - each class's active power scales with the target's idle-to-TDP span over the source's.
 */
export function kernelTransferredParameters(p: KernelProfile, source: Gpu, target: Gpu, tp: number, powerCapWatts: number | undefined, path: string): CostParameters {
  const carried = carryRates(p.rates, source, target);
  const powerScale = (target.tdp_w - target.idle_w) / (source.tdp_w - p.power.idle_w);
  const kc = kernelClasses(p, carried.rates, powerScale);
  const warm = target.idle_w + (p.power.warm_idle_w - p.power.idle_w);
  const cold = p.software.cold_shape_s;
  return {
    provenance: {
      kind: 'transferred',
      description:
        `${p.gpu} kernel-class profile of ${p.model} with ${p.stack} carried to ${target.id}: ${carried.notes.join('; ')}; ` +
        `host time unchanged, idle ${target.idle_w} W from the ${target.id} GPU file, ` +
        `class active powers × ${powerScale.toFixed(2)} (idle-to-TDP span); not measured on ${target.id}`,
      profilePath: path,
    },
    gpusPerReplica: tp,
    ...summary(kc, target.idle_w, warm, cap(target, powerCapWatts)),
    ...(cold !== undefined && cold > 0 ? { coldShapeSeconds: cold } : {}),
    ...interconnect(target),
  };
}
