/**
 * The numbers that turn a step's FLOPs and bytes into seconds and joules. A datasheet roofline and a profile
 * calibrated on a real GPU fill the same fields, so either one drives the same StepCostModel.
 * All rates and powers are per GPU; a replica of `gpusPerReplica` GPUs splits work and multiplies power.
 */
export type CostProvenanceKind = 'calibrated' | 'transferred' | 'datasheet';

export interface CostProvenance {
  /** calibrated: fitted to measurements of this GPU × model × stack; transferred: another GPU's measured
   *  efficiencies carried to this GPU's datasheet; datasheet: efficiencies are priors, nothing measured. */
  readonly kind: CostProvenanceKind;
  readonly description: string;
  /** The profile file, when one was read. */
  readonly profilePath?: string;
}

export interface FittedRange {
  readonly batchSize: readonly [number, number];
  readonly stepTokens: readonly [number, number];
  readonly contextTokens: readonly [number, number];
}

export interface CostParameters {
  readonly provenance: CostProvenance;
  readonly gpusPerReplica: number;
  /** Fixed CPU / launch time of every step (Python and kernel launches; small with CUDA graphs). */
  readonly stepOverheadSeconds: number;
  /** Extra CPU time per sequence in the step (sampling, logits processing, bookkeeping). */
  readonly perSequenceOverheadSeconds: number;
  /** Achieved matmul throughput: the compute leg of the roofline. */
  readonly computeFlopsPerSecond: number;
  /** Achieved memory bandwidth: the memory leg of the roofline. */
  readonly memoryBytesPerSecond: number;
  /** Power of a GPU with the model loaded and nothing running. */
  readonly idleWatts: number;
  /** Power floor while a step runs (clocks up, kernels resident), before any work-proportional energy. */
  readonly busyBaseWatts: number;
  /** Dynamic energy per FLOP and per byte moved: power = busyBase + (e_f·FLOPs + e_b·bytes) / seconds. */
  readonly joulesPerFlop: number;
  readonly joulesPerByte: number;
  /** The board power limit. A step whose power would exceed it runs longer at the cap (clocks drop). */
  readonly powerCapWatts: number;
  /** Tensor-parallel all-reduce: bus bandwidth and per-collective latency of the interconnect. */
  readonly interconnectBytesPerSecond: number;
  readonly interconnectLatencySeconds: number;
  /** Ranges the profile was fitted on; absent for datasheet rooflines. */
  readonly fittedRange?: FittedRange;
}
