/**
 * Fits a profile: the StepCostModel coefficients that best reproduce measured seconds and joules of every record.
 * Each record is replayed through the very cost model the simulator uses, so a fitted profile and a simulation
 * cannot disagree about the formula. The loss is the squared log error of time plus that of energy, so a 10 ms
 * decode step and a 5 s prefill count alike.
 */
import type { CostParameters } from '../../sim/cost/costParameters.js';
import type { ModelWork } from '../../sim/cost/modelWork.js';
import type { Step } from '../../sim/cost/step.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import type { MeasurementRecord } from './measurementSchema.js';
import { nelderMead } from './nelderMead.js';

/** One unit of a record's work: a step, or a run of decode steps of an unchanged batch. */
export type RecordWork = { kind: 'step'; step: Step } | { kind: 'run'; n: number; contextSum0: number; steps: number; masked: boolean };

export interface PreparedRecord {
  readonly label: string;
  readonly work: RecordWork[];
  readonly seconds: number;
  readonly joules: number;
  /** Ranges this record covers, for the profile's fitted range. */
  readonly batch: [number, number];
  readonly stepTokens: [number, number];
  readonly context: [number, number];
  /** A padded batch (attention with a mask). */
  readonly masked: boolean;
  /** Measured with every attention shape new to the process (shape_cache "cold"): pays the per-step plan cost. */
  readonly cold: boolean;
}

/** Whether a record's batch was padded: said outright, or visible in unequal true prompt lengths. */
export function isPadded(r: MeasurementRecord): boolean {
  if (r.padded !== undefined) return r.padded;
  const lengths = r.true_input_tokens;
  return !!lengths && lengths.some((x) => x !== lengths[0]);
}

/**
 * Turns a record's step entries into steps and runs (see the measurement format in docs/ARCHITECTURE.md).
 * `contextIncludesNewToken`: the file counts a decode sequence's context as cached tokens + 1 (the token being
 * decoded); the simulator counts cached tokens only, so one token per sequence comes off.
 */
export function prepareRecord(r: MeasurementRecord, contextIncludesNewToken = false): PreparedRecord {
  const shift = contextIncludesNewToken ? 1 : 0;
  const work: RecordWork[] = [];
  const masked = isPadded(r);
  let current: { newTokens: number[]; cached: number[]; decodeN: number; decodeCtx: number } | null = null;
  const flush = () => {
    if (!current) return;
    work.push({
      kind: 'step',
      step: {
        chunkNewTokens: current.newTokens,
        chunkCachedTokens: current.cached,
        chunksProducingToken: current.newTokens.length,
        decodeCount: current.decodeN,
        decodeContextSum: current.decodeCtx,
        masked,
      },
    });
    current = null;
  };
  for (const e of r.steps) {
    if (e.kind === 'prefill') {
      if (!e.same_step) flush();
      current ??= { newTokens: [], cached: [], decodeN: 0, decodeCtx: 0 };
      const count = e.count ?? 1;
      for (let i = 0; i < count; i++) {
        current.newTokens.push(e.new_tokens ?? 1);
        current.cached.push(e.cached_tokens ?? 0);
      }
      current.decodeN += e.decode_n ?? 0;
      current.decodeCtx += (e.decode_context_sum ?? 0) - shift * (e.decode_n ?? 0);
    } else {
      flush();
      const n = e.n ?? 1;
      work.push({ kind: 'run', n, contextSum0: (e.context_sum ?? 0) - shift * n, steps: e.repeat ?? 1, masked });
    }
  }
  flush();
  const batch: [number, number] = [Infinity, -Infinity];
  const tokens: [number, number] = [Infinity, -Infinity];
  const context: [number, number] = [Infinity, -Infinity];
  const widen = (range: [number, number], x: number) => {
    range[0] = Math.min(range[0], x);
    range[1] = Math.max(range[1], x);
  };
  for (const w of work) {
    if (w.kind === 'step') {
      const s = w.step;
      const seqs = s.chunkNewTokens.length + s.decodeCount;
      let t = s.decodeCount;
      let ctx = s.decodeContextSum;
      for (let i = 0; i < s.chunkNewTokens.length; i++) {
        t += s.chunkNewTokens[i];
        ctx += s.chunkCachedTokens[i] + s.chunkNewTokens[i];
      }
      widen(batch, seqs);
      widen(tokens, t);
      widen(context, ctx / seqs);
    } else {
      widen(batch, w.n);
      widen(tokens, w.n);
      widen(context, w.contextSum0 / w.n);
      widen(context, (w.contextSum0 + w.n * (w.steps - 1)) / w.n);
    }
  }
  return { label: r.label, work, seconds: r.seconds_median, joules: r.joules_median, batch, stepTokens: tokens, context, masked, cold: r.shape_cache === 'cold' };
}

/** The cost model of warm records and, when the parameters have a cold-shape cost, the one of cold records. */
export interface FitModels {
  readonly warm: StepCostModel;
  readonly cold: StepCostModel;
}

export function fitModels(work: ModelWork, params: CostParameters): FitModels {
  const cold = new StepCostModel(work, params);
  if (!params.coldShapeSeconds) return { warm: cold, cold };
  return { warm: new StepCostModel(work, { ...params, coldShapeSeconds: 0 }), cold };
}

export function predictRecord(models: StepCostModel | FitModels, r: PreparedRecord): { seconds: number; joules: number } {
  const model = models instanceof StepCostModel ? models : r.cold ? models.cold : models.warm;
  let seconds = 0;
  let joules = 0;
  for (const w of r.work) {
    const c = w.kind === 'step' ? model.stepCost(w.step) : model.decodeRunCost(w.n, w.contextSum0, 0, w.steps, w.masked);
    seconds += c.seconds;
    joules += c.joules;
  }
  return { seconds, joules };
}

export interface FitInputs {
  readonly records: readonly PreparedRecord[];
  readonly work: ModelWork;
  readonly idleWatts: number;
  readonly powerCapWatts: number;
  readonly interconnectBytesPerSecond: number;
  readonly interconnectLatencySeconds: number;
  /** Datasheet ceilings: achieved compute and bandwidth are fitted below them. */
  readonly peakComputeTflops: number;
  readonly peakBandwidthGbS: number;
  /** The stack packs a step's attention into one masked call (fits packed_attention_flops_factor). */
  readonly packedAttention?: boolean;
}

/** The fitted coefficients, in the units a profile stores. */
export interface FittedCoefficients {
  step_overhead_s: number;
  per_sequence_overhead_s: number;
  compute_tflops: number;
  memory_bandwidth_gb_s: number;
  idle_w: number;
  busy_base_w: number;
  joules_per_tflop: number;
  joules_per_gb: number;
  power_cap_w: number;
  /** Bytes moved per cached KV byte (≥ 1); see CostParameters.kvTrafficFactor. */
  kv_traffic_factor: number;
  /** Host time hidden under GPU work; see CostParameters.overlappedOverheadSeconds. */
  overlapped_overhead_s: number;
  /** KV traffic factor of padded (masked) batches; see CostParameters.maskedKvTrafficFactor. */
  masked_kv_traffic_factor: number;
  /** FLOP multiplier of packed attention (CostParameters.packedAttentionFlopsFactor); 0 = not packed (absent). */
  packed_attention_flops_factor?: number;
  /** Per-step cold-shape plan seconds (CostParameters.coldShapeSeconds); 0 or undefined = absent. */
  cold_shape_s?: number;
}

export function parametersFromCoefficients(c: FittedCoefficients, inputs: Pick<FitInputs, 'interconnectBytesPerSecond' | 'interconnectLatencySeconds'>): CostParameters {
  return {
    provenance: { kind: 'calibrated', description: 'being fitted' },
    gpusPerReplica: 1,
    stepOverheadSeconds: c.step_overhead_s,
    perSequenceOverheadSeconds: c.per_sequence_overhead_s,
    computeFlopsPerSecond: c.compute_tflops * 1e12,
    memoryBytesPerSecond: c.memory_bandwidth_gb_s * 1e9,
    idleWatts: c.idle_w,
    busyBaseWatts: c.busy_base_w,
    joulesPerFlop: c.joules_per_tflop / 1e12,
    joulesPerByte: c.joules_per_gb / 1e9,
    powerCapWatts: c.power_cap_w,
    kvTrafficFactor: c.kv_traffic_factor,
    overlappedOverheadSeconds: c.overlapped_overhead_s,
    maskedKvTrafficFactor: c.masked_kv_traffic_factor,
    ...((c.packed_attention_flops_factor ?? 0) > 0 ? { packedAttentionFlopsFactor: c.packed_attention_flops_factor } : {}),
    ...((c.cold_shape_s ?? 0) > 0 ? { coldShapeSeconds: c.cold_shape_s } : {}),
    interconnectBytesPerSecond: inputs.interconnectBytesPerSecond,
    interconnectLatencySeconds: inputs.interconnectLatencySeconds,
  };
}

/** The order of the optimiser's log-space vector. */
export const FITTED_KEYS = [
  'step_overhead_s',
  'per_sequence_overhead_s',
  'compute_tflops',
  'memory_bandwidth_gb_s',
  'busy_base_w',
  'joules_per_tflop',
  'joules_per_gb',
  'kv_traffic_factor',
  'overlapped_overhead_s',
  'masked_kv_traffic_factor',
  'packed_attention_flops_factor',
  'cold_shape_s',
] as const;
export type FittedKey = (typeof FITTED_KEYS)[number];

/** Coefficients from the optimiser's log-space vector; `fixed` ones are held at the given values. */
function decode(x: number[], free: readonly FittedKey[], fixed: Partial<Record<FittedKey, number>>, inputs: FitInputs): FittedCoefficients {
  const { idleWatts, powerCapWatts: capWatts } = inputs;
  const v = (key: FittedKey): number => {
    const i = free.indexOf(key);
    if (i < 0) return fixed[key]!;
    // Achieved rates cannot beat the datasheet: a logistic keeps them in (0, peak) (unidentified ones go to peak).
    if (key === 'compute_tflops') return inputs.peakComputeTflops / (1 + Math.exp(-x[i]));
    if (key === 'memory_bandwidth_gb_s') return inputs.peakBandwidthGbS / (1 + Math.exp(-x[i]));
    // A cache is read at least once.
    if (key === 'kv_traffic_factor' || key === 'masked_kv_traffic_factor') return 1 + Math.exp(x[i]);
    return Math.exp(x[i]);
  };
  return {
    step_overhead_s: v('step_overhead_s'),
    per_sequence_overhead_s: v('per_sequence_overhead_s'),
    compute_tflops: v('compute_tflops'),
    memory_bandwidth_gb_s: v('memory_bandwidth_gb_s'),
    idle_w: idleWatts,
    // A GPU running steps draws at least its idle power: the floor is idle plus a fitted non-negative part.
    busy_base_w: idleWatts + v('busy_base_w'),
    joules_per_tflop: v('joules_per_tflop'),
    joules_per_gb: v('joules_per_gb'),
    power_cap_w: capWatts,
    kv_traffic_factor: v('kv_traffic_factor'),
    overlapped_overhead_s: v('overlapped_overhead_s'),
    masked_kv_traffic_factor: v('masked_kv_traffic_factor'),
    packed_attention_flops_factor: v('packed_attention_flops_factor'),
    cold_shape_s: v('cold_shape_s'),
  };
}

/** Starting point: datasheet-like values of a modern GPU (busy_base_w here is the part above idle). */
const START: Record<FittedKey, number> = {
  step_overhead_s: 0.01,
  per_sequence_overhead_s: 1e-5,
  compute_tflops: 0, // logistic: half of peak
  memory_bandwidth_gb_s: 0, // logistic: half of peak
  busy_base_w: 40,
  joules_per_tflop: 1,
  joules_per_gb: 0.1,
  kv_traffic_factor: 1, // 1 + e^0 = 2
  overlapped_overhead_s: 0.005,
  masked_kv_traffic_factor: 1, // 1 + e^0 = 2
  packed_attention_flops_factor: 1,
  cold_shape_s: 0.05,
};

/** Where each free coefficient starts, in the optimiser's coordinates. */
function startVector(free: readonly FittedKey[]): number[] {
  return free.map((k) => (k === 'compute_tflops' || k === 'memory_bandwidth_gb_s' || k === 'kv_traffic_factor' || k === 'masked_kv_traffic_factor' ? START[k] : Math.log(START[k])));
}

/**
 * Fits every coefficient not in `fixed` (profile units; a fixed busy_base_w is the part above idle). Fixing some
 * lets sparse data (a handful of steady-state rows) constrain the rest.
 */
export function fitCoefficients(inputs: FitInputs, fixedIn: Partial<Record<FittedKey, number>> = {}): { coefficients: FittedCoefficients; loss: number } {
  const { records, work, powerCapWatts } = inputs;
  const fixed = withAbsentFeatures(inputs, fixedIn);
  const free = FITTED_KEYS.filter((k) => fixed[k] === undefined);
  const loss = (x: number[]): number => {
    const c = decode(x, free, fixed, inputs);
    if (c.busy_base_w >= powerCapWatts) return 1e9;
    const models = fitModels(work, parametersFromCoefficients(c, inputs));
    let sum = 0;
    for (const r of records) {
      const p = predictRecord(models, r);
      sum += Math.log(p.seconds / r.seconds) ** 2 + Math.log(p.joules / r.joules) ** 2;
    }
    return sum / records.length;
  };
  const result = nelderMead(loss, startVector(free), { step: 1, maxEvaluations: 4000, restarts: 4 });
  return { coefficients: decode(result.x, free, fixed, inputs), loss: result.value };
}

/**
 * Features the data cannot speak to are held at 0 (absent): packed attention unless the stack packs it, the cold
 * shape cost unless some record was measured cold.
 */
export function withAbsentFeatures(inputs: Pick<FitInputs, 'records' | 'packedAttention'>, fixed: Partial<Record<FittedKey, number>>): Partial<Record<FittedKey, number>> {
  const out = { ...fixed };
  if (!inputs.packedAttention) out.packed_attention_flops_factor ??= 0;
  if (!inputs.records.some((r) => r.cold)) out.cold_shape_s ??= 0;
  return out;
}

export interface RecordResidual {
  label: string;
  seconds_measured: number;
  seconds_fit: number;
  time_error_pct: number;
  joules_measured: number;
  joules_fit: number;
  energy_error_pct: number;
}

export function residuals(model: StepCostModel | FitModels, records: readonly PreparedRecord[]): RecordResidual[] {
  return records.map((r) => {
    const p = predictRecord(model, r);
    return {
      label: r.label,
      seconds_measured: r.seconds,
      seconds_fit: p.seconds,
      time_error_pct: (100 * (p.seconds - r.seconds)) / r.seconds,
      joules_measured: r.joules,
      joules_fit: p.joules,
      energy_error_pct: (100 * (p.joules - r.joules)) / r.joules,
    };
  });
}

/** Median, 90th percentile and max of absolute errors (%). */
export function errorStats(values: number[]): { median: number; p90: number; max: number } {
  const a = values.map(Math.abs).sort((x, y) => x - y);
  if (a.length === 0) return { median: 0, p90: 0, max: 0 };
  const at = (q: number) => {
    const pos = (a.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, a.length - 1);
    return a[lo] + (a[hi] - a[lo]) * (pos - lo);
  };
  return { median: at(0.5), p90: at(0.9), max: a[a.length - 1] };
}
