/**
 * The vLLM kernel-class profiles (format joulesim-profile/2, docs/COST-MODEL.md) fitted on ML.ENERGY v3 rows.
 *
 * The rows are steady-state rates (seconds and joules of a batch lifetime, calibration/mlenergy/convertMlEnergy.ts),
 * with no profiler trace, so they cannot identify every kernel class's rate. What they can identify, and what is
 * fitted on them:
 *   - the attention kernel's K/V read bandwidth: vLLM's paged flash attention is a different kernel from the sdpa
 *     the H200 profile measured, and at 100-700 sequences of ~700-1100 tokens reading the cache is most of the step;
 *   - the host: time per step hidden under the GPU's work (async scheduling), per sequence in the step, and serial;
 *   - the power of each kernel class above the warm idle floor.
 * Everything else is carried from the H200 kernel-class profile (the GEMM, copy and prefill-attention rates, the
 * kernel floor: the GPU's, measured by torch.profiler) by the datasheet ratios, exactly as a transferred profile
 * is (sim/cost/kernelProfileParameters.ts), and the software's kernel and activation counts are read off vLLM's
 * Llama model code. Every choice is written into the profile's `identification`.
 */
import { carryRates as carryClassRates } from '../../sim/cost/kernelRateCarry.js';
import { kernelClassRates } from '../../sim/cost/kernelProfileParameters.js';
import type { CostParameters } from '../../sim/cost/costParameters.js';
import type { KernelClassParameters } from '../../sim/cost/kernelClassCost.js';
import type { ModelWork } from '../../sim/cost/modelWork.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import type { Gpu } from '../../sim/model/gpu.js';
import { errorStats, type PreparedRecord, residuals } from '../fit/fitProfile.js';
import { nelderMead } from '../fit/nelderMead.js';

/** The rates a kernel-class profile carries (the `rates` block of format 2). */
export interface KernelRates {
  readonly gemm_tflops: number;
  readonly gemm_bandwidth_gb_s: number;
  readonly attention_tflops: number;
  readonly attention_bandwidth_gb_s: number;
  readonly copy_bandwidth_gb_s: number;
  readonly kernel_floor_us: number;
}

/** What vLLM runs per decoder step, independent of the GPU. */
export interface VllmSoftwareCounts {
  readonly activationPassesPerLayer: number;
  readonly kernelsPerStep: number;
}

/** The coefficients the rows fit, in the order of the optimiser's vector. */
export const VLLM_FITTED_KEYS = [
  'attention_bandwidth_gb_s',
  'host_overlapped_s',
  'host_per_sequence_s',
  'host_serial_s',
  'gemm_active_w',
  'gemm_compute_active_w',
  'attention_active_w',
  'copy_active_w',
] as const;
export type VllmFittedKey = (typeof VLLM_FITTED_KEYS)[number];
export type VllmFitted = Record<VllmFittedKey, number>;

export interface VllmFitSetup {
  readonly work: ModelWork;
  readonly gpu: Gpu;
  /** Rates carried to this GPU (attention_bandwidth_gb_s is the starting point only: it is fitted). */
  readonly carriedRates: KernelRates;
  readonly software: VllmSoftwareCounts;
  /** Warm idle power (W): the floor every step draws. */
  readonly warmIdleW: number;
  readonly capW: number;
}

/** Carries a kernel-class profile's rates from `source` to `target`, each class by what bounds it (the simulator's
 *  own carry, sim/cost/kernelRateCarry.ts). */
export function carryRates(rates: KernelRates, source: Gpu, target: Gpu): KernelRates {
  return carryClassRates(rates, source, target).rates;
}

export function kernelClassesOf(setup: VllmFitSetup, v: VllmFitted): KernelClassParameters {
  const r = setup.carriedRates;
  return {
    rates: kernelClassRates({ ...r, attention_bandwidth_gb_s: v.attention_bandwidth_gb_s }),
    powers: { gemmWatts: v.gemm_active_w, gemmComputeWatts: v.gemm_compute_active_w, attentionWatts: v.attention_active_w, copyWatts: v.copy_active_w },
    software: {
      attention: 'fused',
      kvCache: 'in-place',
      activationPassesPerLayer: setup.software.activationPassesPerLayer,
      kernelsPerStep: setup.software.kernelsPerStep,
      hostOverlappedSeconds: v.host_overlapped_s,
      hostPerSequenceSeconds: v.host_per_sequence_s,
      hostSerialSeconds: v.host_serial_s,
    },
  };
}

function costParameters(setup: VllmFitSetup, v: VllmFitted): CostParameters {
  const kc = kernelClassesOf(setup, v);
  return {
    provenance: { kind: 'calibrated', description: 'being fitted' },
    gpusPerReplica: 1,
    stepOverheadSeconds: v.host_serial_s,
    perSequenceOverheadSeconds: v.host_per_sequence_s,
    overlappedOverheadSeconds: v.host_overlapped_s,
    computeFlopsPerSecond: kc.rates.gemmFlopsPerSecond,
    memoryBytesPerSecond: kc.rates.gemmBytesPerSecond,
    idleWatts: setup.warmIdleW,
    busyBaseWatts: setup.warmIdleW,
    joulesPerFlop: 0,
    joulesPerByte: 0,
    powerCapWatts: setup.capW,
    interconnectBytesPerSecond: setup.gpu.interconnect.bandwidth_gb_s * 1e9,
    interconnectLatencySeconds: setup.gpu.interconnect.latency_us * 1e-6,
    kernelClasses: kc,
  };
}

export interface RecordPrediction {
  readonly label: string;
  readonly seconds_measured: number;
  readonly seconds_fit: number;
  readonly time_error_pct: number;
  readonly joules_measured: number;
  readonly joules_fit: number;
  readonly energy_error_pct: number;
  readonly avg_watts_measured: number;
  readonly avg_watts_fit: number;
}

/** Every record replayed through the step cost model the simulator uses, with these coefficients. */
export function predictAll(setup: VllmFitSetup, v: VllmFitted, records: readonly PreparedRecord[]): RecordPrediction[] {
  const model = new StepCostModel(setup.work, costParameters(setup, v));
  // The shared per-record residuals, plus each record's average power.
  return residuals(model, records).map((r) => ({
    ...r,
    avg_watts_measured: r.joules_measured / r.seconds_measured,
    avg_watts_fit: r.joules_fit / r.seconds_fit,
  }));
}

/** Sum of squared log errors of time and energy: every record counts in relative terms, whatever its length. */
export function fitLoss(setup: VllmFitSetup, v: VllmFitted, records: readonly PreparedRecord[]): number {
  let sum = 0;
  for (const p of predictAll(setup, v, records)) {
    sum += Math.log(p.seconds_fit / p.seconds_measured) ** 2 + Math.log(p.joules_fit / p.joules_measured) ** 2;
  }
  return sum;
}

/** Physical bounds: no rate above the datasheet, no class power above the board's span over warm idle. */
export function fitBounds(setup: VllmFitSetup): Record<VllmFittedKey, [number, number]> {
  const top = setup.capW - setup.warmIdleW;
  return {
    attention_bandwidth_gb_s: [100, setup.gpu.memory_bandwidth_gb_s],
    host_overlapped_s: [0, 0.1],
    host_per_sequence_s: [0, 0.001],
    host_serial_s: [0, 0.05],
    gemm_active_w: [0, top],
    gemm_compute_active_w: [0, top],
    attention_active_w: [0, top],
    copy_active_w: [0, top],
  };
}

/**
 * Fits the free coefficients (those not in `fixed`) by Nelder-Mead on a logistic map of their bounds, restarted
 * from a few starting points (the loss has flat directions where a class is idle in every record).
 */
export function fitVllm(setup: VllmFitSetup, records: readonly PreparedRecord[], fixed: Partial<VllmFitted> = {}, effort = 1): { v: VllmFitted; loss: number } {
  const bounds = fitBounds(setup);
  const free = VLLM_FITTED_KEYS.filter((k) => fixed[k] === undefined);
  const toV = (x: number[]): VllmFitted => {
    const v = { ...fixed } as VllmFitted;
    free.forEach((k, i) => {
      const [lo, hi] = bounds[k];
      v[k] = lo + (hi - lo) / (1 + Math.exp(-x[i]));
    });
    return v;
  };
  const fromV = (v: VllmFitted) =>
    free.map((k) => {
      const [lo, hi] = bounds[k];
      const t = Math.min(0.9999, Math.max(0.0001, (v[k] - lo) / (hi - lo)));
      return Math.log(t / (1 - t));
    });
  const top = setup.capW - setup.warmIdleW;
  const starts: VllmFitted[] = [
    { attention_bandwidth_gb_s: 0.6 * setup.gpu.memory_bandwidth_gb_s, host_overlapped_s: 0.004, host_per_sequence_s: 2e-5, host_serial_s: 0.0005, gemm_active_w: 0.4 * top, gemm_compute_active_w: 0.3 * top, attention_active_w: 0.5 * top, copy_active_w: 0.4 * top },
    { attention_bandwidth_gb_s: 0.85 * setup.gpu.memory_bandwidth_gb_s, host_overlapped_s: 0.001, host_per_sequence_s: 5e-5, host_serial_s: 0.002, gemm_active_w: 0.6 * top, gemm_compute_active_w: 0.1 * top, attention_active_w: 0.3 * top, copy_active_w: 0.2 * top },
    { attention_bandwidth_gb_s: 0.75 * setup.gpu.memory_bandwidth_gb_s, host_overlapped_s: 0.002, host_per_sequence_s: 4e-5, host_serial_s: 0.0002, gemm_active_w: 0.5 * top, gemm_compute_active_w: 0.5 * top, attention_active_w: 0.6 * top, copy_active_w: 0.3 * top },
  ];
  let best: { v: VllmFitted; loss: number } | undefined;
  for (const s of starts) {
    const start = { ...s, ...fixed } as VllmFitted;
    const res = nelderMead((x) => fitLoss(setup, toV(x), records), fromV(start), { step: 1, maxEvaluations: Math.round(2500 * effort), restarts: 3 });
    const v = toV(res.x);
    const loss = fitLoss(setup, v, records);
    if (!best || loss < best.loss) best = { v, loss };
  }
  // Polish the best point: the loss has long shallow valleys where Nelder-Mead stalls.
  const res = nelderMead((x) => fitLoss(setup, toV(x), records), fromV(best!.v), { step: 0.3, maxEvaluations: Math.round(2500 * effort), restarts: 3 });
  const v = toV(res.x);
  const loss = fitLoss(setup, v, records);
  return loss < best!.loss ? { v, loss } : best!;
}

/**
 * How well the rows pin each coefficient: the coefficient is moved to `probe` values and the others refitted; the
 * rise of the loss says whether the data resists the move. A coefficient that ends on a bound says which.
 */
export function identify(setup: VllmFitSetup, records: readonly PreparedRecord[], fit: { v: VllmFitted; loss: number }): Record<VllmFittedKey, string> {
  const bounds = fitBounds(setup);
  const out = {} as Record<VllmFittedKey, string>;
  const n = records.length;
  const rms = (loss: number) => Math.sqrt(loss / (2 * n)) * 100;
  for (const k of VLLM_FITTED_KEYS) {
    const [lo, hi] = bounds[k];
    const x = fit.v[k];
    const atLo = x <= lo + (hi - lo) * 1e-3;
    const atHi = x >= hi - (hi - lo) * 1e-3;
    // Probe ±30% of the value, or for a coefficient at 0 a step of 5% of its range.
    const probes = atLo ? [lo + 0.05 * (hi - lo)] : [x * 0.7, Math.min(hi, x * 1.3)].filter((p) => p !== x);
    const rises = probes.map((p) => fitVllm(setup, records, { [k]: p }, 0.4).loss);
    const worst = Math.min(...rises);
    const what = `RMS log error ${rms(fit.loss).toFixed(2)}% → ${rms(worst).toFixed(2)}% when moved to ${probes.map((p) => p.toPrecision(3)).join(' / ')} and the rest refitted`;
    const identified = rms(worst) > rms(fit.loss) * 1.1 + 0.05;
    const bound = atLo ? `on its bound ${lo}` : atHi ? `on its bound ${hi}` : '';
    out[k] = `${bound ? `${bound}; ` : ''}${identified ? 'identified' : 'weakly identified'} (${what})`;
  }
  return out;
}

export function fitSummary(preds: readonly RecordPrediction[]) {
  return {
    records: preds.length,
    time_error_pct: errorStats(preds.map((p) => p.time_error_pct)),
    energy_error_pct: errorStats(preds.map((p) => p.energy_error_pct)),
    power_error_pct: errorStats(preds.map((p) => (100 * (p.avg_watts_fit - p.avg_watts_measured)) / p.avg_watts_measured)),
  };
}
