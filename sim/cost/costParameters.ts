/**
 * The numbers that turn a step's FLOPs and bytes into seconds and joules. A datasheet roofline and a profile
 * calibrated on a real GPU fill the same fields, so either one drives the same StepCostModel.
 * All rates and powers are per GPU; a replica of `gpusPerReplica` GPUs splits work and multiplies power.
 */
import type { CollectiveModel } from './allReduceModel.js';
import type { KernelClassParameters } from './kernelClassCost.js';

export type CostProvenanceKind = 'calibrated' | 'transferred' | 'datasheet';

export interface CostProvenance {
  /** calibrated: fitted to measurements of this GPU × model × stack; transferred: another GPU's measured
   *  efficiencies carried to this GPU's datasheet; datasheet: efficiencies are priors, nothing measured. */
  readonly kind: CostProvenanceKind;
  readonly description: string;
  /** The profile file, when one was read. */
  readonly profilePath?: string;
  /** Under a quantized precision: the numbers that still come from bf16 measurements or priors (sim/cost/quantizedRates.ts). */
  readonly carriedOverFromBf16?: readonly string[];
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
  /**
   * Host time that overlaps the GPU's work: eager PyTorch launches kernels asynchronously, so a step takes the
   * longer of the host's launch time and the GPU's time, plus the serial part above. Absent: 0 (no overlap term).
   */
  readonly overlappedOverheadSeconds?: number;
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
  /**
   * Bytes actually moved per cached KV byte per step (≥ 1). Fused paged attention reads the cache once (1); HF's
   * DynamicCache re-concatenates the cache every step and its sdpa path materialises GQA-repeated K/V, so eager HF
   * moves several times the cache. Scales the memory leg and the dynamic energy. Absent: 1.
   */
  readonly kvTrafficFactor?: number;
  /**
   * The same for padded batches, whose attention runs with a mask: transformers' sdpa path cannot use grouped-query
   * attention natively with a mask and materialises the repeated K/V heads. Absent: kvTrafficFactor.
   */
  readonly maskedKvTrafficFactor?: number;
  /**
   * Packed attention (transformers' continuous batching with paged|sdpa): all of a step's new tokens are packed into
   * one sequence and attend over all of the step's keys through one dense block-diagonal mask, so attention costs
   * Q_total × K_total pairs (every new token × every key of every sequence in the step) instead of Σ per sequence.
   * The value multiplies those pairs' FLOPs (the masked kernel's efficiency relative to the matmul rate). Absent:
   * attention is priced per sequence (every other stack).
   */
  readonly packedAttentionFlopsFactor?: number;
  /**
   * Seconds every step pays for a first-seen attention shape (torch's cuDNN attention builds an execution plan per
   * new shape; a continuous-batching step almost never repeats one). Serial host time, drawn at idle power. Absent: 0.
   */
  readonly coldShapeSeconds?: number;
  /** Dynamic energy per FLOP and per byte moved: power = busyBase + (e_f·FLOPs + e_b·bytes) / seconds. */
  readonly joulesPerFlop: number;
  readonly joulesPerByte: number;
  /** The board power limit. A step whose power would exceed it runs longer at the cap (clocks drop). */
  readonly powerCapWatts: number;
  /** Tensor-parallel all-reduce: bus bandwidth and per-collective latency of the interconnect. */
  readonly interconnectBytesPerSecond: number;
  readonly interconnectLatencySeconds: number;
  /** The tensor-parallel all-reduce model (measured table or analytic); absent: the analytic formula on the two
   *  interconnect numbers above. */
  readonly allReduce?: CollectiveModel;
  /**
   * The kernel-class model (profiles of format joulesim-profile/2, docs/COST-MODEL.md). When present it prices every
   * step, and idleWatts / busyBaseWatts are the GPU's cold and warm idle power; the roofline fields above are then
   * summaries kept for the outputs that quote them.
   */
  readonly kernelClasses?: KernelClassParameters;
  /** Ranges the profile was fitted on; absent for datasheet rooflines. */
  readonly fittedRange?: FittedRange;
}
