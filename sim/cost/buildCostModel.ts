/**
 * One place that turns (GPU, model, stack, TP, cost mode, all-reduce mode, decoding strategy) into a StepCostModel:
 * cost parameters from a calibrated / transferred / datasheet source, the stack's launch overhead for this model,
 * the all-reduce model (measured table or analytic), the fused-expert slowdown of MoE models and the decoding
 * strategy's costs. The target of a replica and a speculative draft model are both built here, so the draft is
 * priced from the same kind of source as the target. The provenance description lists every choice.
 */
import { InputError } from '../errors.js';
import { kvCacheShards } from '../model/tensorParallel.js';
import type { Architecture } from '../model/architecture.js';
import type { Gpu } from '../model/gpu.js';
import { BF16, type Precision } from '../model/precision.js';
import type { Stack } from '../model/stack.js';
import { type AllReduceMode, selectAllReduce } from './allReduceModel.js';
import { BeamStepCostModel } from './beamSearchCost.js';
import { type ClockCurve, clockScale, clockScaledParameters } from './clockScaling.js';
import type { CostParameters } from './costParameters.js';
import { applyDecoding, type DecodingStrategy } from './decodingStrategy.js';
import { layerScaledOverhead } from './launchOverhead.js';
import type { ModelWork } from './modelWork.js';
import { modelWorkFor } from './modelWorkFor.js';
import { fusedExpertDescription, withFusedExpertEfficiency } from './moeEfficiency.js';
import { type CostModelMode, resolveCostParameters } from './resolveCostParameters.js';
import { withPrecision } from './quantizedRates.js';
import { StepCostModel } from './stepCostModel.js';

export interface CostModelSelection {
  readonly gpu: Gpu;
  readonly arch: Architecture;
  readonly stack: Stack;
  readonly tp: number;
  readonly powerCapWatts?: number;
  readonly mode: CostModelMode;
  readonly profileFile?: string;
  readonly allReduce?: AllReduceMode;
  readonly decoding?: DecodingStrategy;
  /** Where the all-reduce mode came from, for error messages. */
  readonly allReduceSource?: string;
  /** warm: drop the profile's per-step cold-shape cost (CostParameters.coldShapeSeconds); cold or absent: keep it. */
  readonly shapeCache?: 'cold' | 'warm';
  /** Where the power cap came from (file and JSON path), for the error when it is below the busy floor. */
  readonly powerCapSource?: { readonly file: string; readonly place: string };
  /** A locked SM clock (absent: the board's own boost, the clock every profile was measured at). */
  readonly smClockMhz?: number;
  /** Who locked it, for error messages. */
  readonly smClockSource?: { readonly file: string; readonly place: string };
  /** Weight and KV-cache precision (default bf16, what every profile was measured in). */
  readonly precision?: Precision;
}

/** The GPU file's lockable clock range and voltage curve, or null when it has none on file. */
export function clockCurveOf(gpu: Gpu): ClockCurve | null {
  const c = gpu.sm_clocks;
  if (!c) return null;
  return { minMhz: c.min_mhz, maxMhz: c.max_mhz, relativeVoltage: c.relative_voltage.map((p) => [p[0], p[1]] as const) };
}

/** Checks a clock lock against the GPU's file: a clear error when it has no curve or the clock is out of range. */
export function checkedClockCurve(gpu: Gpu, mhz: number, source: { readonly file: string; readonly place: string }): ClockCurve {
  const curve = clockCurveOf(gpu);
  if (!curve) {
    throw new InputError(source.file, source.place, `locks the SM clock at ${mhz} MHz, but ${gpu.id} has no published voltage-frequency curve on file (models/gpus/${gpu.id}.json has no sm_clocks), so clock locking is refused there`);
  }
  if (!(mhz >= curve.minMhz && mhz <= curve.maxMhz)) {
    throw new InputError(source.file, source.place, `locks the SM clock at ${mhz} MHz, outside the ${curve.minMhz}-${curve.maxMhz} MHz ${gpu.id} supports`);
  }
  return curve;
}

export interface BuiltCostModel {
  readonly model: StepCostModel;
  readonly params: CostParameters;
  readonly work: ModelWork;
  /** Sequences and KV caches per request (beam width; 1 otherwise). */
  readonly beamWidth: number;
  /** Rows each prompt is prefilled as (beam search on a contiguous cache: the width; else 1). */
  readonly prefillWidth: number;
  /** The mechanisms applied, one phrase each (also appended to params.provenance.description). */
  readonly notes: readonly string[];
}

export function buildCostModel(sel: CostModelSelection): BuiltCostModel {
  const { gpu, arch, stack, tp } = sel;
  const precision = sel.precision ?? BF16;
  const measured = resolveCostParameters({
    gpu,
    model: arch.id,
    stack,
    tp,
    powerCapWatts: sel.powerCapWatts,
    mode: sel.mode,
    profileFile: sel.profileFile,
  });
  const base = withPrecision(measured, gpu, precision);
  const notes: string[] = [];
  const cold = base.coldShapeSeconds ?? 0;
  if (cold > 0) notes.push(sel.shapeCache === 'warm' ? 'warm attention shapes (no per-step cuDNN plan cost)' : `cold attention shapes: ${(cold * 1e3).toFixed(1)} ms cuDNN plan per step at idle power`);
  const shaped = cold > 0 && sel.shapeCache === 'warm' ? { ...base, coldShapeSeconds: 0 } : base;
  const overhead = layerScaledOverhead(shaped, stack, arch);
  if (overhead.note) notes.push(overhead.note);
  let params = overhead.params;
  if (tp > 1) {
    const allReduce = selectAllReduce(gpu, tp, sel.allReduce ?? 'auto', sel.allReduceSource);
    params = { ...params, allReduce };
    notes.push(`TP ${tp} all-reduce: ${allReduce.description}`);
  }
  let work = modelWorkFor(arch, precision);
  const shards = kvCacheShards(arch, tp);
  if (shards < tp) {
    // The step model divides every byte by tp; replicated KV heads are read in full by each GPU that holds them.
    work = { ...work, kvBytesPerToken: (work.kvBytesPerToken * tp) / shards };
    notes.push(`${arch.num_key_value_heads} KV heads replicated over tp ${tp}: each GPU reads 1/${shards} of the KV cache`);
  }
  if (arch.moe) {
    work = withFusedExpertEfficiency(work, arch);
    notes.push(fusedExpertDescription(arch));
  }
  const decoding = applyDecoding(work, params, arch, stack, sel.decoding ?? { kind: 'greedy' });
  if (decoding.description !== 'greedy decoding') notes.push(decoding.description);
  work = decoding.work;
  params = notes.length
    ? { ...decoding.params, provenance: { ...decoding.params.provenance, description: `${decoding.params.provenance.description}; ${notes.join('; ')}` } }
    : decoding.params;
  if (sel.smClockMhz !== undefined) {
    const curve = checkedClockCurve(gpu, sel.smClockMhz, sel.smClockSource ?? { file: 'sm clock', place: '' });
    params = clockScaledParameters(params, clockScale(curve, sel.smClockMhz));
  }
  if (params.powerCapWatts <= params.busyBaseWatts) {
    const src = sel.powerCapSource ?? { file: '--power-cap-w', place: '' };
    throw new InputError(src.file, src.place, `a cap of ${params.powerCapWatts} W is below the ${params.busyBaseWatts.toFixed(0)} W a busy ${gpu.id} draws before doing any work`);
  }
  const model =
    decoding.beamWidth > 1
      ? new BeamStepCostModel(work, params, decoding.beamWidth, decoding.prefillWidth)
      : new StepCostModel(work, params);
  return { model, params, work, beamWidth: decoding.beamWidth, prefillWidth: decoding.prefillWidth, notes };
}
