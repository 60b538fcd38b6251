/**
 * Fits a kernel-class profile (format joulesim-profile/2, docs/COST-MODEL.md) in three stages, each on the data
 * that identifies it:
 *   A. GPU rates — per record, the torch.profiler time of each kernel class (gemm, attention, copy = repeat_kv +
 *      cache traffic + elementwise) against the class model summed over the profiled execution's steps;
 *   B. host time — the measured wall time of each record against Σ steps max(host, GPU) + serial, the serial part
 *      read off GPU-bound profiled records (wall − GPU busy) where there are two or more;
 *   C. power — measured energy = warm idle × wall + Σ class active watts × class seconds, non-negative least squares.
 * The GPU rates are bounded by the datasheet; a coefficient that ends on a bound, or that the loss hardly moves
 * with, says so in `identification`.
 */
import type { ModelWork } from '../../sim/cost/modelWork.js';
import type { Step } from '../../sim/cost/step.js';
import { decodeOnlyStep } from '../../sim/cost/step.js';
import {
  type AttentionPath,
  classSeconds,
  type KernelClassParameters,
  type KernelClassRates,
  type KvCacheTraffic,
  stepClassWork,
} from '../../sim/cost/kernelClassCost.js';
import type { Gpu } from '../../sim/model/gpu.js';
import { kernelClassRates } from '../../sim/cost/kernelProfileParameters.js';
import { errorStats, type PreparedRecord, prepareRecord } from './fitProfile.js';
import type { MeasurementRecord } from './measurementSchema.js';
import { nelderMead } from './nelderMead.js';

export interface KernelMeasurement {
  readonly label: string;
  /** The energy record: its steps, wall seconds and joules. */
  readonly record: PreparedRecord;
  readonly avgWatts: number;
  /** The profiled execution (fewer decode steps), with its measured class seconds and kernel counts. */
  readonly profiled?: {
    readonly record: PreparedRecord;
    readonly gemm: number;
    readonly attention: number;
    readonly copy: number;
    readonly kernels: { gemm: number; attention: number; copy: number };
  };
}

interface ProfileClasses {
  classes: Record<string, { seconds: number; kernels: number }>;
  steps: MeasurementRecord['steps'];
}

export function kernelMeasurement(r: MeasurementRecord, contextIncludesNewToken: boolean): KernelMeasurement {
  const record = prepareRecord(r, contextIncludesNewToken);
  const kp = (r as { kernel_profile?: ProfileClasses }).kernel_profile;
  const avgWatts = (r as { avg_watts?: number }).avg_watts ?? r.joules_median / r.seconds_median;
  if (!kp?.classes || !kp.steps) return { label: r.label, record, avgWatts };
  const c = kp.classes;
  const get = (k: string) => c[k] ?? { seconds: 0, kernels: 0 };
  const copyClasses = ['kv_materialize', 'kv_cache', 'elementwise', 'communication'];
  const profiledRecord = prepareRecord({ ...r, steps: kp.steps }, contextIncludesNewToken);
  return {
    label: r.label,
    record,
    avgWatts,
    profiled: {
      record: profiledRecord,
      gemm: get('gemm').seconds,
      attention: get('attention').seconds,
      copy: copyClasses.reduce((a, k) => a + get(k).seconds, 0),
      kernels: {
        gemm: get('gemm').kernels,
        attention: get('attention').kernels,
        copy: copyClasses.reduce((a, k) => a + get(k).kernels, 0),
      },
    },
  };
}

/** Every step of a prepared record, decode runs expanded (fitting needs per-step maxima). */
export function expandSteps(r: PreparedRecord): Step[] {
  const out: Step[] = [];
  for (const w of r.work) {
    if (w.kind === 'step') out.push(w.step);
    else for (let k = 0; k < w.steps; k++) out.push({ ...decodeOnlyStep(w.n, w.contextSum0 + k * w.n), masked: w.masked });
  }
  return out;
}

export interface SoftwareShape {
  readonly attention: AttentionPath;
  readonly kvCache: KvCacheTraffic;
}

const RATE_KEYS = ['gemm_tflops', 'gemm_bandwidth_gb_s', 'attention_tflops', 'attention_bandwidth_gb_s', 'masked_attention_tflops', 'masked_attention_bandwidth_gb_s', 'copy_bandwidth_gb_s', 'activation_passes_per_layer', 'kernel_floor_us'] as const;
type RateKey = (typeof RATE_KEYS)[number];

function ratesFrom(v: Record<RateKey, number>): KernelClassRates {
  return kernelClassRates(v);
}

function paramsWith(shape: SoftwareShape, rates: KernelClassRates, passes: number, kernelsPerStep: number): KernelClassParameters {
  return {
    rates,
    powers: { gemmWatts: 0, gemmComputeWatts: 0, attentionWatts: 0, copyWatts: 0 },
    software: {
      attention: shape.attention,
      kvCache: shape.kvCache,
      activationPassesPerLayer: passes,
      kernelsPerStep,
      hostOverlappedSeconds: 0,
      hostPerSequenceSeconds: 0,
      hostSerialSeconds: 0,
    },
  };
}

/** Class seconds of every step of a record (no floor: the floor is added per class from kernel counts). */
export function recordClassSeconds(p: KernelClassParameters, w: ModelWork, r: PreparedRecord): { gemm: number; gemmCompute: number; attention: number; copy: number; perStepGpu: number[]; steps: Step[] } {
  const steps = expandSteps(r);
  let gemm = 0;
  let gemmCompute = 0;
  let attention = 0;
  let copy = 0;
  const perStepGpu: number[] = [];
  for (const s of steps) {
    const work = stepClassWork(p, w, s);
    const c = classSeconds(p.rates, p.software.kernelsPerStep, work, w.timeOnlyWork?.(work.tokens));
    gemm += c.gemm;
    gemmCompute += c.gemmCompute;
    attention += c.attention;
    copy += c.copy;
    perStepGpu.push(c.gemm + c.attention + c.copy + c.floor);
  }
  return { gemm, gemmCompute, attention, copy, perStepGpu, steps };
}

export interface KernelFitResult {
  readonly rates: Record<RateKey, number>;
  readonly kernelsPerStep: number;
  readonly host: { host_overlapped_s: number; host_per_sequence_s: number; host_serial_s: number };
  readonly power: { gemm_active_w: number; gemm_compute_active_w: number; attention_active_w: number; copy_active_w: number };
  readonly identification: Record<string, string>;
  readonly classResiduals: { label: string; gemm_pct: number; attention_pct: number; copy_pct: number }[];
  readonly recordsUsedForRates: number;
}

const logErr = (model: number, measured: number) => (measured > 0 && model > 0 ? Math.log(model / measured) : 0);

/** Stage A: GPU rates from the profiled class times. */
function fitRates(ms: readonly KernelMeasurement[], w: ModelWork, shape: SoftwareShape, gpu: Gpu): { v: Record<RateKey, number>; kernelsPerStep: number; loss: (v: Record<RateKey, number>) => number; bounds: Record<RateKey, [number, number]> } {
  const profiled = ms.filter((m) => m.profiled);
  const forwards = (m: KernelMeasurement) => expandSteps(m.profiled!.record).length;
  const perStepKernels = profiled.map((m) => (m.profiled!.kernels.gemm + m.profiled!.kernels.attention + m.profiled!.kernels.copy) / forwards(m)).sort((a, b) => a - b);
  const kernelsPerStep = perStepKernels[perStepKernels.length >> 1];
  const bounds: Record<RateKey, [number, number]> = {
    gemm_tflops: [1, gpu.bf16_dense_tflops],
    gemm_bandwidth_gb_s: [10, gpu.memory_bandwidth_gb_s],
    attention_tflops: [1, gpu.bf16_dense_tflops],
    attention_bandwidth_gb_s: [10, gpu.memory_bandwidth_gb_s],
    masked_attention_tflops: [1, gpu.bf16_dense_tflops],
    masked_attention_bandwidth_gb_s: [10, gpu.memory_bandwidth_gb_s],
    copy_bandwidth_gb_s: [10, gpu.memory_bandwidth_gb_s],
    activation_passes_per_layer: [0, 200],
    kernel_floor_us: [0, 20],
  };
  const loss = (v: Record<RateKey, number>) => {
    const p = paramsWith(shape, ratesFrom(v), v.activation_passes_per_layer, 0);
    let sum = 0;
    for (const m of profiled) {
      const pr = m.profiled!;
      const c = recordClassSeconds(p, w, pr.record);
      const floor = v.kernel_floor_us * 1e-6;
      sum += logErr(c.gemm + floor * pr.kernels.gemm, pr.gemm) ** 2;
      sum += logErr(c.attention + floor * pr.kernels.attention, pr.attention) ** 2;
      sum += logErr(c.copy + floor * pr.kernels.copy, pr.copy) ** 2;
    }
    return sum;
  };
  const toV = (x: number[]): Record<RateKey, number> => {
    const v = {} as Record<RateKey, number>;
    RATE_KEYS.forEach((k, i) => {
      const [lo, hi] = bounds[k];
      // a logistic map keeps every coefficient inside its bounds
      v[k] = lo + (hi - lo) / (1 + Math.exp(-x[i]));
    });
    return v;
  };
  const fromV = (v: Record<RateKey, number>) => RATE_KEYS.map((k) => {
    const [lo, hi] = bounds[k];
    const t = Math.min(0.999, Math.max(0.001, (v[k] - lo) / (hi - lo)));
    return Math.log(t / (1 - t));
  });
  const start: Record<RateKey, number> = {
    gemm_tflops: 0.6 * gpu.bf16_dense_tflops,
    gemm_bandwidth_gb_s: 0.7 * gpu.memory_bandwidth_gb_s,
    attention_tflops: 0.3 * gpu.bf16_dense_tflops,
    attention_bandwidth_gb_s: 0.5 * gpu.memory_bandwidth_gb_s,
    masked_attention_tflops: 0.2 * gpu.bf16_dense_tflops,
    masked_attention_bandwidth_gb_s: 0.4 * gpu.memory_bandwidth_gb_s,
    copy_bandwidth_gb_s: 0.3 * gpu.memory_bandwidth_gb_s,
    activation_passes_per_layer: 20,
    kernel_floor_us: 2,
  };
  const res = nelderMead((x) => loss(toV(x)), fromV(start), { step: 0.8, maxEvaluations: 6000, restarts: 4 });
  return { v: toV(res.x), kernelsPerStep, loss, bounds };
}

/** The GPU must be busy this share of a record's wall time for its idle gaps to be the serial host time alone. */
export const GPU_BOUND_BUSY_SHARE = 0.9;

/**
 * The serial host time read off the profiler, not fitted: in a record whose GPU is busy nearly all its wall time,
 * the host's launches all hide under the GPU's work, so what is left of the wall time per forward pass is the part
 * the GPU waits for (the end-of-step synchronisation and the Python that follows it). Only records whose profiled
 * execution ran the same steps as the timed one, with at least two forward passes (a lone prefill carries
 * `generate`'s per-call set-up). The median over such records; null when fewer than two qualify.
 */
export function measuredSerialGap(ms: readonly KernelMeasurement[]): { seconds: number; records: string[] } | null {
  const gaps: { label: string; perForward: number }[] = [];
  for (const m of ms) {
    if (!m.profiled || m.record.cold) continue;
    const forwards = expandSteps(m.record).length;
    if (forwards < 2 || expandSteps(m.profiled.record).length !== forwards) continue;
    const busy = m.profiled.gemm + m.profiled.attention + m.profiled.copy;
    const wall = m.record.seconds;
    if (!(wall > 0) || busy / wall < GPU_BOUND_BUSY_SHARE) continue;
    gaps.push({ label: m.label, perForward: Math.max(0, wall - busy) / forwards });
  }
  if (gaps.length < 2) return null;
  const sorted = gaps.map((g) => g.perForward).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const seconds = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { seconds, records: gaps.map((g) => g.label) };
}

interface HostFit {
  host_overlapped_s: number;
  host_per_sequence_s: number;
  host_serial_s: number;
  /** How the serial part was found: measured from GPU-bound profiles, or fitted with the rest. */
  serialSource: string;
}

function serialNote(gap: ReturnType<typeof measuredSerialGap>): string {
  return gap
    ? `measured, not fitted: the median idle gap per forward pass (wall − profiled GPU busy) of ${gap.records.length} records whose GPU was busy ≥ ${GPU_BOUND_BUSY_SHARE * 100}% of the wall time (${gap.records.join('; ')})`
    : 'fitted on wall times; separated from the overlapped host time only by GPU-bound steps (fewer than two GPU-bound profiled records to measure it from)';
}

/** Stage B: host time from wall times, given the GPU model; the serial part measured where the profiles allow. */
function fitHost(ms: readonly KernelMeasurement[], p: KernelClassParameters, w: ModelWork): HostFit & { loss: (h: number[]) => number } {
  const gap = measuredSerialGap(ms);
  const prepared = ms.map((m) => {
    const c = recordClassSeconds(p, w, m.record);
    return { m, steps: c.steps, gpu: c.perStepGpu };
  });
  const loss = (h: number[]) => {
    const [ov, seq] = h.map((x) => Math.max(0, x));
    const serial = gap ? gap.seconds : Math.max(0, h[2]);
    let sum = 0;
    for (const r of prepared) {
      let t = 0;
      for (let i = 0; i < r.steps.length; i++) {
        const s = r.steps[i];
        t += Math.max(ov + seq * (s.chunkNewTokens.length + s.decodeCount), r.gpu[i]) + serial;
      }
      // Absolute, not squared, log errors: eager host time jitters with the lent VM's CPU (the same decode shape
      // ran 20 ms and 43 ms a step minutes apart in one process, docs/COST-MODEL.md), and a squared loss lets those
      // few slow records pull the serial host term up until it sits on top of every GPU-bound step.
      sum += Math.abs(logErr(t, r.m.record.seconds));
    }
    return sum;
  };
  const res = nelderMead(loss, gap ? [0.02, 0.0002] : [0.02, 0.0002, 0.005], { step: 0.01, maxEvaluations: 4000, restarts: 4 });
  const [ov, seq] = res.x.map((x) => Math.max(0, x));
  const serial = gap ? gap.seconds : Math.max(0, res.x[2]);
  return { host_overlapped_s: ov, host_per_sequence_s: seq, host_serial_s: serial, serialSource: serialNote(gap), loss };
}

/**
 * Bounded least squares for a handful of unknowns (lo ≤ x ≤ hi): every assignment of each unknown to its lower
 * bound, its upper bound or free is solved on the free ones, and the best feasible one kept. 3^n small solves.
 */
export function boundedLeastSquares(rows: number[][], y: number[], lo: number[], hi: number[]): number[] {
  const n = rows[0].length;
  let best: number[] = lo.slice();
  let bestErr = Infinity;
  const states = 3 ** n;
  for (let code = 0; code < states; code++) {
    const state: number[] = [];
    for (let i = 0, c = code; i < n; i++, c = Math.floor(c / 3)) state.push(c % 3);
    const fixed = state.map((st, i) => (st === 0 ? lo[i] : st === 1 ? hi[i] : NaN));
    const free = [...Array(n).keys()].filter((i) => state[i] === 2);
    const rhs = y.map((v, k) => v - rows[k].reduce((a, r, i) => a + (state[i] === 2 ? 0 : r * fixed[i]), 0));
    const x = fixed.slice();
    if (free.length) {
      const A = free.map((i) => free.map((j) => rows.reduce((a, r) => a + r[i] * r[j], 0)));
      const b = free.map((i) => rows.reduce((a, r, k) => a + r[i] * rhs[k], 0));
      const sol = solve(A, b);
      if (!sol) continue;
      let ok = true;
      free.forEach((i, k) => {
        x[i] = sol[k];
        if (sol[k] < lo[i] - 1e-9 || sol[k] > hi[i] + 1e-9) ok = false;
      });
      if (!ok) continue;
    }
    const err = rows.reduce((a, r, k) => a + (r.reduce((s2, v, i) => s2 + v * x[i], 0) - y[k]) ** 2, 0);
    if (err < bestErr) {
      bestErr = err;
      best = x;
    }
  }
  return best;
}

function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    if (Math.abs(M[piv][c]) < 1e-300) return null;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** Stage C: class active powers. Rows are weighted by 1/energy so every record counts in relative terms. */
type ClassPowers = { gemm_active_w: number; gemm_compute_active_w: number; attention_active_w: number; copy_active_w: number };

function fitPower(ms: readonly KernelMeasurement[], p: KernelClassParameters, w: ModelWork, warmIdleW: number, capW: number, gemmHeld?: { gemm_active_w: number; gemm_compute_active_w: number }): ClassPowers {
  const rows: number[][] = [];
  const y: number[] = [];
  for (const m of ms) {
    const c = recordClassSeconds(p, w, m.record);
    const floor = c.steps.length * p.software.kernelsPerStep * p.rates.kernelFloorSeconds;
    const scale = 1 / m.record.joules;
    rows.push([c.gemm * scale, c.gemmCompute * scale, c.attention * scale, (c.copy + floor) * scale]);
    y.push((m.record.joules - warmIdleW * m.record.seconds) * scale);
  }
  // No class can draw more above the warm floor than the board allows.
  const top = capW - warmIdleW;
  if (gemmHeld) {
    const [a, cp] = boundedLeastSquares(
      rows.map((r) => r.slice(2)),
      y.map((v, i) => v - gemmHeld.gemm_active_w * rows[i][0] - gemmHeld.gemm_compute_active_w * rows[i][1]),
      [0, 0],
      [top, top],
    );
    return { ...gemmHeld, attention_active_w: a, copy_active_w: cp };
  }
  const [g, gc, a, cp] = boundedLeastSquares(rows, y, [0, 0, 0, 0], [top, top, top, top]);
  return { gemm_active_w: g, gemm_compute_active_w: gc, attention_active_w: a, copy_active_w: cp };
}

/**
 * One power level for every class: the source GPU's class powers × k, with k the least-squares fit (relative errors)
 * of the records' energy above warm idle; each power then clipped to the board's headroom above warm idle.
 */
function fitPowerLevel(ms: readonly KernelMeasurement[], p: KernelClassParameters, w: ModelWork, source: ClassPowers, warmIdleW: number, capW: number): { power: ClassPowers; level: number } {
  let num = 0;
  let den = 0;
  for (const m of ms) {
    const c = recordClassSeconds(p, w, m.record);
    const floor = c.steps.length * p.software.kernelsPerStep * p.rates.kernelFloorSeconds;
    const modelled = source.gemm_active_w * c.gemm + source.gemm_compute_active_w * c.gemmCompute + source.attention_active_w * c.attention + source.copy_active_w * (c.copy + floor);
    const measured = m.record.joules - warmIdleW * m.record.seconds;
    const weight = 1 / (m.record.joules * m.record.joules);
    num += weight * modelled * measured;
    den += weight * modelled * modelled;
  }
  const level = den > 0 ? num / den : 1;
  const top = capW - warmIdleW;
  const scaled = (x: number) => Math.min(top, Math.max(0, x * level));
  return {
    power: { gemm_active_w: scaled(source.gemm_active_w), gemm_compute_active_w: scaled(source.gemm_compute_active_w), attention_active_w: scaled(source.attention_active_w), copy_active_w: scaled(source.copy_active_w) },
    level,
  };
}

function sensitivity(loss: (v: Record<RateKey, number>) => number, v: Record<RateKey, number>, bounds: Record<RateKey, [number, number]>): Record<string, string> {
  const base = loss(v);
  const out: Record<string, string> = {};
  for (const k of RATE_KEYS) {
    const [lo, hi] = bounds[k];
    const onBound = v[k] >= hi * 0.995 || v[k] <= lo + (hi - lo) * 0.005;
    const up = loss({ ...v, [k]: v[k] * 1.1 });
    const down = loss({ ...v, [k]: v[k] * 0.9 });
    const rise = (Math.min(up, down) - base) / Math.max(base, 1e-12);
    const what = rise > 0.02 ? `identified (±10% raises the class-time loss ${(rise * 100).toFixed(0)}%+)` : `weakly identified (±10% raises the class-time loss only ${(rise * 100).toFixed(1)}%)`;
    out[k] = onBound ? `on its bound ${v[k] >= hi * 0.995 ? hi : lo}: ${what}` : what;
  }
  return out;
}

/** GPU rates and class powers taken from another stack's profile on the same GPU (the GPU's, not the software's). */
export interface FixedGpuPart {
  readonly rates: Record<RateKey, number>;
  readonly power: { gemm_active_w: number; gemm_compute_active_w: number; attention_active_w: number; copy_active_w: number };
  readonly source: string;
  /** Kernels per step when these records have no profiles (the software's count, from the same stack elsewhere). */
  readonly kernelsPerStep?: number;
}

/**
 * The host side only: rates and powers fixed from `gpuPart`, the stack's own activation passes and kernel count
 * measured from its profiles where it has them, host time fitted on warm records, and the per-step cold-shape cost
 * from the cold records' excess over the warm model.
 */
export function fitKernelHostOnly(
  ms: readonly KernelMeasurement[],
  w: ModelWork,
  shape: SoftwareShape,
  gpuPart: FixedGpuPart,
  /** Fit class powers too: `level`, one factor on the source's class powers (rates carried from another GPU, records
   *  without kernel profiles); `stack`, the attention and copy powers of a stack whose kernels differ (GEMMs held). */
  refitPower?: { mode: 'level' | 'stack'; warmIdleW: number; capW: number },
  /** Fit the host time (and cold-shape cost) on these records only (one machine's CPU); powers use every record. */
  hostMs?: readonly KernelMeasurement[],
): KernelFitResult & { coldShapeSeconds: number } {
  const profiled = ms.filter((m) => m.profiled);
  const perStep = profiled.map((m) => (m.profiled!.kernels.gemm + m.profiled!.kernels.attention + m.profiled!.kernels.copy) / expandSteps(m.profiled!.record).length);
  const kernelsPerStep = perStep.length ? perStep.sort((a, b) => a - b)[perStep.length >> 1] : (gpuPart.kernelsPerStep ?? 0);
  const p = paramsWith(shape, ratesFrom(gpuPart.rates), gpuPart.rates.activation_passes_per_layer, kernelsPerStep);
  const warm = ms.filter((m) => !m.record.cold);
  const hostSet = hostMs && hostMs.length ? hostMs : ms;
  const hostWarm = hostSet.filter((m) => !m.record.cold);
  const host = fitHost(hostWarm.length ? hostWarm : hostSet, p, w);
  const hp = { ...p, software: { ...p.software, hostOverlappedSeconds: host.host_overlapped_s, hostPerSequenceSeconds: host.host_per_sequence_s, hostSerialSeconds: host.host_serial_s } };
  let excess = 0;
  let coldSteps = 0;
  for (const m of hostSet.filter((x) => x.record.cold)) {
    const c = recordClassSeconds(hp, w, m.record);
    let t = 0;
    c.steps.forEach((s, i) => (t += Math.max(host.host_overlapped_s + host.host_per_sequence_s * (s.chunkNewTokens.length + s.decodeCount), c.perStepGpu[i]) + host.host_serial_s));
    excess += m.record.seconds - t;
    coldSteps += c.steps.length;
  }
  const identification: Record<string, string> = {};
  for (const k of RATE_KEYS) identification[k] = `taken from ${gpuPart.source}`;
  let power = gpuPart.power;
  if (refitPower?.mode === 'level') {
    const fitted = fitPowerLevel(warm.length ? warm : ms, hp, w, gpuPart.power, refitPower.warmIdleW, refitPower.capW);
    power = fitted.power;
    const top = refitPower.capW - refitPower.warmIdleW;
    for (const [k, v] of Object.entries(power)) {
      identification[k] = `${gpuPart.source}: its class power × ${fitted.level.toFixed(3)}, one power level fitted on these records' energies (records without kernel profiles cannot separate the classes, so the class mix is the one measured on the source GPU)${v >= top - 1e-6 ? `; clipped to ${top.toFixed(0)} W (cap − warm idle)` : ''}`;
    }
  } else if (refitPower) {
    // The GEMMs are the same cuBLAS kernels whatever the stack: their powers stay the GPU's (the source profile's);
    // the attention and copy kernels are the stack's own, so their powers are fitted on its records.
    power = fitPower(warm.length ? warm : ms, hp, w, refitPower.warmIdleW, refitPower.capW, { gemm_active_w: gpuPart.power.gemm_active_w, gemm_compute_active_w: gpuPart.power.gemm_compute_active_w });
    const top = refitPower.capW - refitPower.warmIdleW;
    for (const k of ['attention_active_w', 'copy_active_w'] as const) {
      const v = power[k];
      identification[k] = v <= 1e-9 ? 'on its bound 0: collinear with the other classes in these records' : v >= top - 1e-6 ? `on its bound ${top.toFixed(0)} W (cap − warm idle)` : 'fitted by bounded least squares on record energies (the stack’s own attention and copy kernels), GEMM powers held';
    }
    for (const k of ['gemm_active_w', 'gemm_compute_active_w'] as const) identification[k] = `taken from ${gpuPart.source}: the GEMMs are the same cuBLAS kernels on the same GPU whatever the stack`;
  } else {
    for (const k of Object.keys(gpuPart.power)) identification[k] = `taken from ${gpuPart.source}`;
  }
  identification.kernels_per_step = perStep.length
    ? 'measured: median over profiled executions of kernels per step'
    : gpuPart.kernelsPerStep !== undefined
      ? `taken from ${gpuPart.source}: the kernels a step launches are the software's, not the GPU's`
      : 'no profiled execution: 0';
  const which = hostMs && hostMs.length ? `the ${hostWarm.length} warm records of the --host-from files (one machine's host CPU)` : 'the warm records';
  identification.host_overlapped_s = `fitted on the wall times of ${which}`;
  identification.host_serial_s = `${host.serialSource}; from ${which}`;
  identification.host_per_sequence_s = host.host_per_sequence_s < 1e-6 ? `on its bound 0: ${which} show no per-sequence host cost` : `fitted on the wall times of ${which}`;
  identification.cold_shape_s = coldSteps ? `cold records’ measured time above the warm model, per step (cuDNN plan builds for new attention shapes)${hostMs && hostMs.length ? ', from the --host-from files' : ''}` : 'no cold records';
  return {
    rates: gpuPart.rates,
    kernelsPerStep,
    host: { host_overlapped_s: host.host_overlapped_s, host_per_sequence_s: host.host_per_sequence_s, host_serial_s: host.host_serial_s },
    power,
    identification,
    classResiduals: [],
    recordsUsedForRates: 0,
    coldShapeSeconds: coldSteps ? Math.max(0, excess / coldSteps) : 0,
  };
}

export function fitKernelProfile(ms: readonly KernelMeasurement[], w: ModelWork, shape: SoftwareShape, gpu: Gpu, warmIdleW: number, capW: number): KernelFitResult {
  const rates = fitRates(ms, w, shape, gpu);
  const p = paramsWith(shape, ratesFrom(rates.v), rates.v.activation_passes_per_layer, rates.kernelsPerStep);
  const host = fitHost(ms, p, w);
  const power = fitPower(ms, p, w, warmIdleW, capW);
  const identification = sensitivity(rates.loss, rates.v, rates.bounds);
  identification.kernels_per_step = 'measured: median over profiled executions of kernels per forward pass';
  identification.host_overlapped_s = 'fitted on wall times of steps where the host, not the GPU, sets the pace';
  identification.host_serial_s = host.serialSource;
  identification.host_per_sequence_s = host.host_per_sequence_s < 1e-6 ? 'on its bound 0: wall times show no per-sequence host cost at these batches' : 'fitted on wall times across batch sizes';
  for (const k of ['gemm_active_w', 'gemm_compute_active_w', 'attention_active_w', 'copy_active_w'] as const) {
    const top = capW - warmIdleW;
    identification[k] =
      power[k] <= 1e-9
        ? 'on its bound 0: this class’s time is too collinear with the others in these records to give it its own power'
        : power[k] >= top - 1e-6
          ? `on its bound ${top.toFixed(0)} W (cap − warm idle): the records want more; the class times under the cap are longer than the unthrottled rates give`
          : 'fitted by bounded least squares on record energies';
  }
  const classResiduals = ms
    .filter((m) => m.profiled)
    .map((m) => {
      const pr = m.profiled!;
      const c = recordClassSeconds(p, w, pr.record);
      const floor = rates.v.kernel_floor_us * 1e-6;
      const pct = (model: number, meas: number) => (meas > 0 ? ((model - meas) / meas) * 100 : 0);
      return {
        label: m.label,
        gemm_pct: pct(c.gemm + floor * pr.kernels.gemm, pr.gemm),
        attention_pct: pct(c.attention + floor * pr.kernels.attention, pr.attention),
        copy_pct: pct(c.copy + floor * pr.kernels.copy, pr.copy),
      };
    });
  return { rates: rates.v, kernelsPerStep: rates.kernelsPerStep, host: { host_overlapped_s: host.host_overlapped_s, host_per_sequence_s: host.host_per_sequence_s, host_serial_s: host.host_serial_s }, power, identification, classResiduals, recordsUsedForRates: ms.filter((m) => m.profiled).length };
}

/**
 * Host time refitted on the records of one machine (`--host-from`): the GPU rates and class powers stay as fitted on
 * every record, since kernels and power belong to the GPU, while host time belongs to the host CPU that drove it.
 */
export function refitHostOn(fit: KernelFitResult, hostMs: readonly KernelMeasurement[], w: ModelWork, shape: SoftwareShape, source: string): KernelFitResult {
  const p = paramsWith(shape, ratesFrom(fit.rates), fit.rates.activation_passes_per_layer, fit.kernelsPerStep);
  const host = fitHost(hostMs, p, w);
  const note = `fitted on the wall times of ${hostMs.length} records from ${source} only: host time belongs to the host CPU, and these were measured on the machine of the validation runs`;
  return {
    ...fit,
    host: { host_overlapped_s: host.host_overlapped_s, host_per_sequence_s: host.host_per_sequence_s, host_serial_s: host.host_serial_s },
    identification: {
      ...fit.identification,
      host_overlapped_s: note,
      host_serial_s: `${host.serialSource}; from ${source} only`,
      host_per_sequence_s: host.host_per_sequence_s < 1e-6 ? `on its bound 0: the ${hostMs.length} records show no per-sequence host cost` : note,
    },
  };
}

export { errorStats };
